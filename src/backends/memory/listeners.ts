import { Observable } from 'rxjs';

/**
 * Synchronous fan-out of events to the listeners whose topic matches, for in-process backends.
 *
 * @remarks
 * An operation that changes several things runs inside {@link Listeners.batch}: its events are
 * delivered once it has finished, so a listener that reacts at once (a waiter retrying on
 * `expired`) never sees the backend half-way through the operation. Events are delivered in the
 * order they were published, also those published by listeners while events are being delivered.
 * Each event goes to the listeners attached when it was published.
 */
export class Listeners<E> {
  private readonly byTopic = new Map<string, Set<(event: E) => void>>();
  private readonly outbox: (() => void)[] = [];
  private depth = 0;
  private delivering = false;

  /** An Observable of the events published to `topic` from subscription on. */
  observe(topic: string): Observable<E> {
    return new Observable<E>((subscriber) => {
      const listener = (event: E): void => subscriber.next(event);
      let set = this.byTopic.get(topic);
      if (!set) this.byTopic.set(topic, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && this.byTopic.get(topic) === set) this.byTopic.delete(topic);
      };
    });
  }

  /** Runs `operation`, holding back the events it publishes until it has returned. */
  batch<T>(operation: () => T): T {
    this.depth++;
    try {
      return operation();
    } finally {
      this.depth--;
      this.deliver();
    }
  }

  /** Publishes `event` to every listener of `topic`. */
  publishTo(topic: string, event: E): void {
    const set = this.byTopic.get(topic);
    if (set) this.send([...set], event);
  }

  /** Publishes `event` to every listener of each topic that `matches` accepts. */
  publish(event: E, matches: (topic: string) => boolean): void {
    const targets: ((event: E) => void)[] = [];
    for (const [topic, set] of this.byTopic) if (matches(topic)) targets.push(...set);
    this.send(targets, event);
  }

  /** How many listeners are attached, over every topic (for leak checks). */
  get size(): number {
    let size = 0;
    for (const set of this.byTopic.values()) size += set.size;
    return size;
  }

  private send(targets: ((event: E) => void)[], event: E): void {
    if (targets.length === 0) return;
    this.outbox.push(() => {
      for (const listener of targets) listener(event);
    });
    this.deliver();
  }

  private deliver(): void {
    if (this.depth > 0 || this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.outbox.shift(); next; next = this.outbox.shift()) next();
    } finally {
      this.delivering = false;
    }
  }
}
