import { Observable, timeout, TimeoutError, timer } from 'rxjs';
import { SerialStep } from '../internal/serialStep.js';
import type { LeaseTiming } from './leaseTiming.js';
import type { ValidityGuard } from './validityGuard.js';

/**
 * Keeps a held lease alive, for locks, leadership terms and task claims alike: renews it
 * `renewInterval` after the last confirmed renewal, and completes when the lease is lost.
 *
 * @remarks
 * ```
 * renew():    ---r---r---x          r: renewed  x: refused (or confirmed too late)
 * renewal:    -----------|          completes: the lease is lost
 * ```
 * A renewal the backend refuses, or one whose confirmation came after the validity it could give
 * had run out (the guard's second clock check), completes it at once. One that fails is asked again
 * after `retryDelay`, one without a reply within `renewInterval` at once, until the validity
 * deadline (the start of the last confirmed request + `leaseDuration - driftMargin`, kept by the
 * guard), when it completes because the lease can no longer be assumed held. Never emits; never
 * errors. Unsubscribing stops renewing (it releases nothing).
 *
 * @param renew - One renewal request: `true` renewed, `false` refused (the lease is not held).
 * @param timing - When to renew, and how long a renewal may take.
 * @param guard - The lease's validity clock, confirmed by the request that granted the lease.
 * @param retryDelay - How long to wait before asking again after a renewal failed, in ms.
 * @param firstRenewal - When to renew first, in ms: `renewInterval`, unless the lease was granted
 *   for a shorter time than the holder's lease duration.
 */
export function renewal(
  renew: () => Observable<boolean>,
  timing: LeaseTiming,
  guard: ValidityGuard,
  retryDelay: number,
  firstRenewal = timing.renewInterval,
): Observable<never> {
  return new Observable<never>((subscriber) => {
    const step = new SerialStep();
    guard.whenExpired(() => subscriber.complete());

    const ask = (): void => {
      const pending = guard.begin();
      step.start(() =>
        renew()
          .pipe(timeout(timing.renewInterval))
          .subscribe({
            next: (renewed) => {
              if (renewed && guard.confirm(pending)) {
                askAfter(timing.renewInterval);
              } else {
                guard.discard(pending);
                subscriber.complete(); // refused, or confirmed too late: the lease is lost
              }
            },
            error: (error: unknown) => {
              guard.discard(pending);
              // Keep trying until the validity deadline: at once when the reply was lost, after
              // `retryDelay` when the backend failed.
              if (error instanceof TimeoutError) ask();
              else askAfter(retryDelay);
            },
          }),
      );
    };
    const askAfter = (delay: number): void => step.start(() => timer(delay).subscribe(ask));

    askAfter(firstRenewal);
    return () => step.stop();
  });
}
