import { from, Observable, type ObservableInput, type OperatorFunction, type Subscription } from 'rxjs';
import { show } from '../internal/validate.js';

/**
 * Runs work for a lock or leadership while it is held, and hands the work the {@link Lease} or
 * {@link Term} (its fencing token): applied to an ownership stream, it subscribes to
 * `project(held)` when ownership is won and mirrors it until ownership is lost.
 *
 * @remarks
 * ```
 * lock(...):       ---L-----|        L: acquired; |: lost
 * project(L):         -a--b--c--
 * result:          ----a--b-|
 * ```
 * Completes when ownership is lost (the work is unsubscribed first, then the lease released) or
 * when the work completes (the lease is released). Errors when either errors. Unsubscribing
 * releases. The project runs once, for the first emission.
 *
 * @example
 * ```ts
 * import { defer } from 'rxjs';
 * import { lock, whileHeld } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * lock(backend, 'ledger')
 *   .pipe(whileHeld((lease) => defer(async () => `wrote with fencing token ${lease.token}`)))
 *   .subscribe(console.log);
 * ```
 *
 * @param project - Makes the work from the lease or term.
 * @returns An operator from an ownership stream to the work's values.
 * @throws TypeError, when the operator is created, unless `project` is a function.
 * @see {@link withLock} and {@link whileLeader} for work that needs no token.
 */
export function whileHeld<H, R>(project: (held: H) => ObservableInput<R>): OperatorFunction<H, R> {
  if (typeof project !== 'function') {
    throw new TypeError(`Expected \`project\` to be a function (lease or term => work), got ${show(project)}.`);
  }
  return (ownership) =>
    new Observable<R>((subscriber) => {
      let work: Subscription | undefined;
      const held = ownership.subscribe({
        next: (value) => {
          if (work || subscriber.closed) return;
          let input: ObservableInput<R>;
          try {
            input = project(value);
          } catch (error: unknown) {
            subscriber.error(error);
            return;
          }
          work = from(input).subscribe({
            next: (result) => subscriber.next(result),
            error: (error: unknown) => subscriber.error(error),
            complete: () => subscriber.complete(),
          });
          if (subscriber.closed) work.unsubscribe();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        work?.unsubscribe();
        held.unsubscribe();
      };
    });
}
