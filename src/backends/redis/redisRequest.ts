import { concat, defer, from, Observable, switchMap, timer } from 'rxjs';
import { BackendUnavailableError } from '../../errors/BackendUnavailableError.js';
import type { ConnectionState } from './connectionState.js';
import type { RedisSubscriber } from './pubsub/redisSubscriber.js';
import { toSyncError } from './toSyncError.js';

/**
 * Runs one request of the backend: after pending subscriptions when `ordered` (at once when none is
 * pending: no promise, no extra turn of the event loop), once the client was first ready, bounded
 * by `requestTimeout`, errors typed (with the client's last connection error, when it cannot be
 * reached).
 */
export type RedisRequest = <T>(operation: string, work: () => Observable<T>, ordered?: boolean) => Observable<T>;

/** The {@link RedisRequest} of a backend whose commands go through `connection`'s client. */
export function redisRequest(
  subscriber: RedisSubscriber,
  connection: ConnectionState,
  requestTimeout: number,
): RedisRequest {
  const unavailable = (operation: string): BackendUnavailableError =>
    new BackendUnavailableError('redis', operation, {
      cause: new Error(`no reply within ${requestTimeout} ms ("requestTimeout")`),
    });
  return <T>(operation: string, work: () => Observable<T>, ordered = false): Observable<T> =>
    new Observable<T>((destination) => {
      const fail = (error: unknown): void => destination.error(toSyncError(operation, error, connection.lastError()));
      // One timer and one subscriber per request (not `timeout` and `catchError`): it is on every
      // lock cycle's path.
      const deadline = timer(requestTimeout).subscribe(() => fail(unavailable(operation)));
      destination.add(deadline);
      const send = (): Observable<T> =>
        connection.hasBeenReady() ? work() : concat(connection.firstReady, defer(work));
      let reply: Observable<T>;
      try {
        reply = ordered && subscriber.settling ? from(subscriber.settled()).pipe(switchMap(send)) : send();
      } catch (error) {
        fail(error);
        return;
      }
      destination.add(
        reply.subscribe({
          next: (value) => {
            deadline.unsubscribe();
            destination.next(value);
          },
          error: fail,
          complete: () => destination.complete(),
        }),
      );
    });
}
