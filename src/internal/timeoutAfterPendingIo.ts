import { concatMap, race, throwError, timer, TimeoutError, type MonoTypeOperatorFunction } from 'rxjs';

/**
 * As RxJS's `timeout(limit)`, except that a reply which reached this process by the deadline still
 * wins: when the event loop was blocked past the deadline (a long garbage collection, a module
 * being compiled), its timer fires before the replies that arrived meanwhile are read, so the
 * error waits for one more turn of the loop, in which they are. Errors with `TimeoutError`.
 */
export function timeoutAfterPendingIo<T>(limit: number): MonoTypeOperatorFunction<T> {
  return (source) =>
    race(
      source,
      timer(limit).pipe(
        concatMap(() => timer(0)),
        concatMap(() => throwError(() => new TimeoutError())),
      ),
    );
}
