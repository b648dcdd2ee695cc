import { Observable, type MonoTypeOperatorFunction, type Subscription } from 'rxjs';

/**
 * Mirrors the source from the first emission of `ownership` until `ownership` completes; errors
 * when either errors. Each output subscription subscribes `ownership` once. On any end, the
 * source is unsubscribed before `ownership`, so the work stops before the lease is released.
 */
export function whileHeld<T>(ownership: Observable<unknown>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let work: Subscription | undefined;
      const held = ownership.subscribe({
        next: () => {
          if (work || subscriber.closed) return;
          work = source.subscribe({
            next: (value) => subscriber.next(value),
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
