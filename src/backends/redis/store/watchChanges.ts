import { catchError, concatMap, EMPTY, filter, from, map, merge, Observable, Subscription } from 'rxjs';
import type { ChangeEvent, Item } from '../../../backend.js';
import { decodeChangeEvent, type DecodedChange } from './changeEventMessage.js';
import type { ExpirySweeper } from './expirySweeper.js';
import type { RedisSubscriber } from '../pubsub/redisSubscriber.js';

/** What the store channels deliver, decoded once for every watcher: a change, or a gap. */
export type StoreSignal =
  { readonly kind: 'change'; readonly change: DecodedChange } | { readonly kind: 'gap'; readonly reconnects: number };

/** The whole store at one moment: its items, and the last version of every key (deleted ones too). */
export interface StoreSnapshot {
  readonly items: ReadonlyMap<string, Item>;
  readonly versions: ReadonlyMap<string, number>;
}

/** What `watchChanges` needs from the backend. */
export interface ChangeSources {
  /** The item at a key, if any. */
  readonly get: (key: string) => Observable<Item | undefined>;
  /** Server time in microseconds (versions are at least the server time of their write). */
  readonly serverMicroseconds: () => Observable<number>;
  /** The store after gap number `reconnects`: read once per gap, shared by every watcher. */
  readonly snapshot: (reconnects: number) => Observable<StoreSnapshot>;
  /** Announces items whose time to live ran out, while someone watches. */
  readonly sweeper: ExpirySweeper;
}

/**
 * Every signal of the store channels (one, or on a Cluster one per store shard) as one stream,
 * each message decoded once; a backend's `StoreChangeRouter` subscribes it once for all its change
 * watchers and routes each change by key. A reconnect brings one `gap`, however many channels
 * report it; a message of another shape is dropped.
 */
export function storeSignals(subscriber: RedisSubscriber, channels: readonly string[]): Observable<StoreSignal> {
  return new Observable<StoreSignal>((observer) => {
    let lastGap = 0;
    return merge(...channels.map((channel) => subscriber.channel(channel)))
      .pipe(
        filter((signal) => {
          if (signal.kind !== 'gap') return true;
          if (signal.reconnects <= lastGap) return false; // the same gap, heard on another channel
          lastGap = signal.reconnects;
          return true;
        }),
        map((signal): StoreSignal | undefined => {
          if (signal.kind === 'gap') return signal;
          const change = decodeChangeEvent(signal.message);
          return change && { kind: 'change', change };
        }),
        filter((signal): signal is StoreSignal => signal !== undefined),
      )
      .subscribe(observer);
  });
}

/**
 * The changes under a prefix, from the store's signals routed to it (see {@link storeSignals}). After a reconnect (a `gap`, when messages may
 * have been lost) it reads the store once and emits what changed meanwhile, oldest first: a `put`
 * for every item newer than both what it saw and the moment it started watching (versions are at
 * least the server's clock at their write), and a `deleted` for every key that is gone while its
 * version counter (which outlives a delete) moved past that, or that it knew alive (a Redis that
 * restarted without persistence keeps no counter). It knows the item at the prefix itself from the
 * start (the key that `keyValue` watches) and every key it got an event for; an item that expired
 * during the gap is reported as `deleted`.
 */
export function watchChanges(
  signals: Observable<StoreSignal>,
  prefix: string,
  sources: ChangeSources,
): Observable<ChangeEvent> {
  return new Observable<ChangeEvent>((observer) => {
    const seen = new Map<string, { readonly version: number; readonly alive: boolean }>();
    let since = Infinity;
    const remember = (event: ChangeEvent): boolean => {
      if ((seen.get(event.key)?.version ?? 0) >= event.version) return false;
      seen.set(event.key, { version: event.version, alive: event.type === 'put' });
      return true;
    };
    const newer = (key: string, version: number): boolean => version > Math.max(seen.get(key)?.version ?? 0, since);
    const catchUp = (reconnects: number): Observable<ChangeEvent> =>
      sources.snapshot(reconnects).pipe(
        concatMap(({ items, versions }) => {
          const missed: ChangeEvent[] = [];
          for (const [key, item] of items) {
            if (key.startsWith(prefix) && newer(key, item.version))
              missed.push({ type: 'put', key, version: item.version, item });
          }
          for (const [key, version] of versions) {
            if (key.startsWith(prefix) && !items.has(key) && newer(key, version)) {
              missed.push({ type: 'deleted', key, version });
            }
          }
          for (const [key, last] of seen) {
            if (last.alive && !items.has(key) && !versions.has(key)) {
              missed.push({ type: 'deleted', key, version: last.version + 1 });
            }
          }
          return from(missed.sort((a, b) => a.version - b.version));
        }),
        catchError(() => EMPTY), // the snapshot is retried until it succeeds; nothing else can fail here
      );
    const events = signals.pipe(
      concatMap((signal) => {
        if (signal.kind === 'gap') return catchUp(signal.reconnects);
        const decoded = signal.change;
        if (decoded.expiresIn !== undefined) sources.sweeper.dueIn(decoded.expiresIn);
        return decoded.event.key.startsWith(prefix) ? [decoded.event] : EMPTY;
      }),
      filter(remember),
    );
    const subscription = new Subscription();
    subscription.add(sources.serverMicroseconds().subscribe({ next: (now) => (since = now), error: () => undefined }));
    if (prefix !== '') {
      const starting = sources.get(prefix).subscribe({
        next: (item) => {
          if (item && !seen.has(prefix)) seen.set(prefix, { version: item.version, alive: true });
        },
        error: () => undefined,
      });
      subscription.add(starting);
    }
    // The sweeper runs while this watch does; the watch ends when the signals end (backend closed).
    subscription.add(sources.sweeper.sweeping.subscribe({ error: (error: unknown) => observer.error(error) }));
    subscription.add(events.subscribe(observer));
    return subscription;
  });
}
