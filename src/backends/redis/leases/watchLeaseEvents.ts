import { catchError, concatMap, EMPTY, merge, Observable, of } from 'rxjs';
import type { LeaseEvent, LeaseHolder } from '../../../backend.js';
import { decodeLeaseSignal, type LeaseSignal } from './leaseEventMessage.js';
import type { RedisSubscriber } from '../pubsub/redisSubscriber.js';

type Known = { readonly token: number; readonly value: string | undefined } | undefined;

/**
 * The signals of one lease (its events, and turns for its waiters), from its pub/sub channel. It reads the lease once on subscription (after
 * the channel subscription is acknowledged) to know where it starts from; after a reconnect (a
 * `gap`, when messages may have been lost) it reads again and emits the event that explains the
 * difference from what it knew: a new holder as `acquired`, a new value as `updated`, a vacancy as
 * `expired`.
 */
export function watchLeaseEvents(
  subscriber: RedisSubscriber,
  channel: string,
  key: string,
  read: () => Observable<LeaseHolder | undefined>,
): Observable<LeaseSignal> {
  return new Observable<LeaseSignal>((observer) => {
    let known: Known;
    let heard = false; // a message came: it is newer than the starting read, which then changes nothing
    const remember = (event: LeaseSignal): LeaseSignal => {
      if (event.type === 'turn') return event;
      known =
        event.type === 'acquired' || event.type === 'updated' ? { token: event.token, value: event.value } : undefined;
      return event;
    };
    const start = read().pipe(
      concatMap((holder) => {
        if (!heard) known = holder && { token: holder.token, value: holder.value };
        return EMPTY;
      }),
      catchError(() => EMPTY), // without a starting point, a gap can still report a new holder
    );
    const events = subscriber.channel(channel).pipe(
      concatMap((signal) => {
        if (signal.kind === 'message') {
          const event = decodeLeaseSignal(key, signal.message);
          if (!event) return EMPTY;
          heard = true;
          return of(remember(event));
        }
        return read().pipe(
          concatMap((holder) => {
            const event = explain(key, known, holder);
            return event ? of(remember(event)) : EMPTY;
          }),
          catchError(() => EMPTY), // the next gap, or the watcher's own polling, catches up
        );
      }),
    );
    return merge(events, start).subscribe(observer);
  });
}

function explain(key: string, known: Known, holder: LeaseHolder | undefined): LeaseEvent | undefined {
  if (!holder) return known ? { type: 'expired', key, token: known.token } : undefined;
  const facts = {
    key,
    holder: holder.holder,
    token: holder.token,
    ...(holder.value !== undefined && { value: holder.value }),
  };
  if (known?.token !== holder.token) return { type: 'acquired', ...facts };
  if (known.value !== holder.value) return { type: 'updated', ...facts };
  return undefined;
}
