import { defer, finalize, type Observable, of, Subject, take } from 'rxjs';

/**
 * Work that is sent without anybody waiting for its outcome (the release when a lease stream
 * ends), counted while it is in flight, so that a backend's `close()` can let it finish before it
 * quits the connections the work goes through.
 *
 * @remarks
 * ```
 * track(release):  --r-----|          (subscribed at 2, done at 8)
 * settled():       ---------(x|)      (subscribed at 4: completes when the last tracked work ends)
 * ```
 */
export class PendingWork {
  private inFlight = 0;
  private readonly idle = new Subject<void>();

  /** `work`, counted from its subscription until it completes, errors or is unsubscribed. */
  track<T>(work: Observable<T>): Observable<T> {
    return defer(() => {
      this.inFlight++;
      return work.pipe(
        finalize(() => {
          if (--this.inFlight === 0) this.idle.next();
        }),
      );
    });
  }

  /** Emits once and completes when no tracked work is in flight: at once when none is. */
  settled(): Observable<void> {
    return defer(() => (this.inFlight === 0 ? of(undefined) : this.idle.pipe(take(1))));
  }
}
