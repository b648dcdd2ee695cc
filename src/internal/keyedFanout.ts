import { Observable, type Subscriber } from 'rxjs';

/**
 * What a {@link KeyedFanout}'s owner does when observers come and go: open a key's source when its
 * first observer arrives and close it when its last one is gone, and start or stop a source shared
 * by every key likewise. Each is optional.
 */
export interface FanoutHooks {
  /** The first observer of the fan-out arrived. Runs before {@link FanoutHooks.open}. */
  readonly start?: () => void;
  /** `key` has its first observer. */
  readonly open?: (key: string) => void;
  /** `key` has no observer left: it unsubscribed, or the fan-out failed or completed it. */
  readonly close?: (key: string) => void;
  /** No key has an observer left. Runs after {@link FanoutHooks.close}. */
  readonly stop?: () => void;
}

/** One observer, under the key it observes now ({@link KeyedFanout.move} changes it). */
interface Entry<T> {
  key: string;
  readonly subscriber: Subscriber<T>;
}

/**
 * Observers grouped by key, reference-counted: the one fan-out under every multiplexed stream of
 * the backends (a pub/sub channel's watchers, a task's followers, the watchers of a key prefix, the
 * waiters for a lease, the in-process listeners of the memory backend). Values go to the observers
 * of one key, of every key, or to one observer in turn; the hooks open a key's source with its
 * first observer and close it with its last, and ending a key (an error, a completion) forgets it
 * before its observers hear of it, so that one resubscribing at once opens the key afresh.
 *
 * Each value goes to the observers attached when it was sent, in the order they joined the key
 * ({@link KeyedFanout.sendInTurn} moves the one it served to the back).
 */
export class KeyedFanout<T> {
  private readonly byKey = new Map<string, Set<Entry<T>>>();
  private observers = 0;

  constructor(private readonly hooks: FanoutHooks = {}) {}

  /**
   * The values sent to `key`, from subscription on; it completes or errors when the fan-out ends
   * the key.
   */
  observe(key: string): Observable<T> {
    return new Observable<T>((subscriber) => {
      const entry: Entry<T> = { key, subscriber };
      this.add(entry);
      return () => this.remove(entry);
    });
  }

  /** Sends `value` to each observer of `key`. */
  send(key: string, value: T): void {
    const entries = this.byKey.get(key);
    if (entries) for (const entry of [...entries]) entry.subscriber.next(value);
  }

  /** Sends `value` to every observer of every key. */
  sendToAll(value: T): void {
    for (const entry of this.everyone()) entry.subscriber.next(value);
  }

  /**
   * Sends `value` to the observer of `key` whose turn it is (the one that has waited longest since
   * its last value), which then goes to the back of the line. Returns whether `key` had one.
   */
  sendInTurn(key: string, value: T): boolean {
    const entries = this.byKey.get(key);
    const first = entries?.values().next().value;
    if (!entries || !first) return false;
    entries.delete(first);
    entries.add(first);
    first.subscriber.next(value);
    return true;
  }

  /**
   * The observers of the keys that `keys` names or accepts, now, as one function that sends them a
   * value later (for deliveries held back until an operation has finished). An observer that
   * unsubscribed in between gets nothing.
   */
  audience(keys: string | ((key: string) => boolean)): ((value: T) => void) | undefined {
    // Loops, not spreads: the memory backend asks for an audience on every event it publishes.
    const subscribers: Subscriber<T>[] = [];
    if (typeof keys === 'string') {
      const entries = this.byKey.get(keys);
      if (entries) for (const entry of entries) subscribers.push(entry.subscriber);
    } else {
      for (const [key, entries] of this.byKey) {
        if (keys(key)) for (const entry of entries) subscribers.push(entry.subscriber);
      }
    }
    if (subscribers.length === 0) return undefined;
    return (value) => {
      for (const subscriber of subscribers) subscriber.next(value);
    };
  }

  /** Moves the observers of `from` to `to`, which they observe from now on (nothing when `from` has none). */
  move(from: string, to: string): void {
    const entries = this.byKey.get(from);
    if (!entries || from === to) return;
    const opening = !this.byKey.has(to);
    this.byKey.delete(from);
    const target = this.byKey.get(to) ?? new Set<Entry<T>>();
    this.byKey.set(to, target);
    for (const entry of entries) {
      entry.key = to;
      target.add(entry);
    }
    if (opening) this.hooks.open?.(to);
    this.hooks.close?.(from);
  }

  /** Errors the observers of `key`, or of every key when it is omitted, after forgetting them. */
  fail(error: unknown, key?: string): void {
    for (const entry of this.end(key)) entry.subscriber.error(error);
  }

  /** Completes the observers of `key`, or of every key when it is omitted, after forgetting them. */
  complete(key?: string): void {
    for (const entry of this.end(key)) entry.subscriber.complete();
  }

  /** Whether `key` has an observer. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** The keys that have observers. */
  keys(): string[] {
    return [...this.byKey.keys()];
  }

  /** How many observers are attached, over every key (for leak checks). */
  get size(): number {
    return this.observers;
  }

  private add(entry: Entry<T>): void {
    const starting = this.observers === 0;
    this.observers++;
    let entries = this.byKey.get(entry.key);
    const opening = !entries;
    if (!entries) this.byKey.set(entry.key, (entries = new Set()));
    entries.add(entry);
    if (starting) this.hooks.start?.();
    if (opening && entries === this.byKey.get(entry.key)) this.hooks.open?.(entry.key);
  }

  private remove(entry: Entry<T>): void {
    const entries = this.byKey.get(entry.key);
    if (!entries?.delete(entry)) return; // already ended with its key
    this.observers--;
    if (entries.size > 0) return;
    this.byKey.delete(entry.key);
    this.closed([entry.key]);
  }

  /** Forgets the observers of `key` (or of every key) and closes their keys; returns them to be told. */
  private end(key: string | undefined): Entry<T>[] {
    const keys = key === undefined ? this.keys() : this.byKey.has(key) ? [key] : [];
    const entries = keys.flatMap((ended) => [...(this.byKey.get(ended) ?? [])]);
    for (const ended of keys) this.byKey.delete(ended);
    this.observers -= entries.length;
    this.closed(keys);
    return entries;
  }

  private closed(keys: string[]): void {
    for (const key of keys) this.hooks.close?.(key);
    if (keys.length > 0 && this.observers === 0) this.hooks.stop?.();
  }

  private everyone(): Entry<T>[] {
    return [...this.byKey.values()].flatMap((entries) => [...entries]);
  }
}
