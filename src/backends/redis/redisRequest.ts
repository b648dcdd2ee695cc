import { catchError, concat, defer, from, switchMap, throwError, timeout, type Observable } from 'rxjs';
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
  return <T>(operation: string, work: () => Observable<T>, ordered = false): Observable<T> =>
    defer(() => {
      const send = (): Observable<T> => concat(connection.firstReady, defer(work));
      return ordered && subscriber.settling ? from(subscriber.settled()).pipe(switchMap(send)) : send();
    }).pipe(
      timeout({
        first: requestTimeout,
        with: () =>
          throwError(
            () =>
              new BackendUnavailableError('redis', operation, {
                cause: new Error(`no reply within ${requestTimeout} ms ("requestTimeout")`),
              }),
          ),
      }),
      catchError((error: unknown) => throwError(() => toSyncError(operation, error, connection.lastError()))),
    );
}
