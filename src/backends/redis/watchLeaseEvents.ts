import { catchError, concatMap, defer, EMPTY, of, type Observable } from 'rxjs';
import type { LeaseEvent, LeaseHolder } from '../../backend.js';
import { decodeLeaseEvent } from './leaseEventMessage.js';
import type { RedisSubscriber } from './redisSubscriber.js';

/**
 * The events of one lease, from its pub/sub channel. After a reconnect (a `gap`, when messages may
 * have been lost) it reads the lease and emits the event that explains the difference from what it
 * last saw: a new holder as `acquired`, a new value as `updated`, a vacancy as `expired`.
 */
export function watchLeaseEvents(
  subscriber: RedisSubscriber,
  channel: string,
  key: string,
  read: () => Observable<LeaseHolder | undefined>,
): Observable<LeaseEvent> {
  return defer(() => {
    let known: { token: number; value: string | undefined } | undefined;
    const remember = (event: LeaseEvent): LeaseEvent => {
      known =
        event.type === 'acquired' || event.type === 'updated' ? { token: event.token, value: event.value } : undefined;
      return event;
    };
    return subscriber.channel(channel).pipe(
      concatMap((signal) => {
        if (signal.kind === 'message') {
          const event = decodeLeaseEvent(key, signal.message);
          return event ? of(remember(event)) : EMPTY;
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
  });
}

function explain(
  key: string,
  known: { token: number; value: string | undefined } | undefined,
  holder: LeaseHolder | undefined,
): LeaseEvent | undefined {
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
