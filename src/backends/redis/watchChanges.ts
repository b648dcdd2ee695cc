import { catchError, concatMap, EMPTY, filter, from, merge, Observable, Subscription } from 'rxjs';
import type { ChangeEvent, Item } from '../../backend.js';
import { decodeChangeEvent } from './changeEventMessage.js';
import type { ExpirySweeper } from './expirySweeper.js';
import type { RedisSubscriber } from './redisSubscriber.js';

/** What `watchChanges` needs from the backend to catch up after a gap. */
export interface ChangeSources {
  /** Server time in microseconds (versions are at least the server time of their write). */
  readonly serverMicroseconds: () => Observable<number>;
  readonly list: (prefix: string) => Observable<readonly Item[]>;
  /** The last version given to `key` (its counter survives a delete), or 0. */
  readonly lastVersion: (key: string) => Observable<number>;
  /** Announces items whose time to live ran out, while someone watches. */
  readonly sweeper: ExpirySweeper;
}

/**
 * The changes under a prefix, from the store channel. After a reconnect (a `gap`) it lists the
 * prefix and emits what changed meanwhile: a `put` for every item newer than both what it saw and
 * the moment it started watching (versions are at least the server's clock at their write), and
 * a `deleted` for every key it saw alive that is gone.
 */
export function watchChanges(
  subscriber: RedisSubscriber,
  channel: string,
  prefix: string,
  sources: ChangeSources,
): Observable<ChangeEvent> {
  return new Observable<ChangeEvent>((observer) => {
    const seen = new Map<string, { version: number; alive: boolean }>();
    let since = Infinity;
    const remember = (event: ChangeEvent): boolean => {
      const last = seen.get(event.key);
      if (last && last.version >= event.version) return false;
      seen.set(event.key, { version: event.version, alive: event.type === 'put' });
      return true;
    };
    const catchUp = (): Observable<ChangeEvent> =>
      sources.list(prefix).pipe(
        concatMap((items) => {
          const present = new Set(items.map((item) => item.key));
          const puts: ChangeEvent[] = items
            .filter((item) => item.version > (seen.get(item.key)?.version ?? since))
            .map((item) => ({ type: 'put', key: item.key, version: item.version, item }));
          const gone = [...seen].filter(([key, last]) => last.alive && !present.has(key)).map(([key]) => key);
          const deletions = from(gone).pipe(
            concatMap((key) =>
              sources
                .lastVersion(key)
                .pipe(
                  concatMap((version): ChangeEvent[] => [
                    { type: 'deleted', key, version: Math.max(version, (seen.get(key)?.version ?? 0) + 1) },
                  ]),
                ),
            ),
          );
          return merge(from(puts), deletions);
        }),
        catchError(() => EMPTY), // the next gap catches up
      );
    const events = subscriber.channel(channel).pipe(
      concatMap((signal) => {
        if (signal.kind === 'gap') return catchUp();
        const decoded = decodeChangeEvent(signal.message);
        if (!decoded) return EMPTY;
        if (decoded.expiresIn !== undefined) sources.sweeper.dueIn(decoded.expiresIn);
        return decoded.event.key.startsWith(prefix) ? [decoded.event] : EMPTY;
      }),
      filter(remember),
    );
    const subscription = new Subscription();
    subscription.add(sources.serverMicroseconds().subscribe({ next: (now) => (since = now), error: () => undefined }));
    subscription.add(merge(events, sources.sweeper.sweeping).subscribe(observer));
    return subscription;
  });
}
