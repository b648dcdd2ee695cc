import { catchError, concatMap, from, last, map, Observable, of, share, Subject, timer } from 'rxjs';
import { schedulerNow } from '../../../internal/clock.js';
import { SerialStep } from '../../../internal/serialStep.js';
import type { DueItemsReply } from './scripts/dueItems.js';

/** What the sweeper needs from the backend. */
export interface SweepSteps {
  /** Reads the expiry index: keys due now and when the next falls due. */
  readonly due: () => Observable<DueItemsReply>;
  /** Ends one due item (the item script deletes it and publishes `expired`) and drops it from the index. */
  readonly expire: (key: string) => Observable<unknown>;
}

/** The sweeper of one backend: a shared loop, and a way to tell it that an item will fall due. */
export interface ExpirySweeper {
  /** Runs the loop while subscribed (shared: one loop per backend, whatever the number of watchers). */
  readonly sweeping: Observable<never>;
  /** An item falls due in `delay` ms (seen in a `put` event): wake up then if that is sooner. */
  readonly dueIn: (delay: number) => void;
}

/**
 * Announces store items whose time to live ran out, while anybody in this process watches changes:
 * reads the expiry index, ends each due item through the same script that ends expired items on
 * any access (so each expiry is announced once, whichever process gets there first), then sleeps
 * until the next item falls due (from the index, or from a `put` event with a time to live seen by
 * a watcher), and `maxInterval` at most.
 */
export function expirySweeper(steps: SweepSteps, maxInterval: number): ExpirySweeper {
  const hints = new Subject<number>();
  const sweep = (): Observable<number> =>
    steps.due().pipe(
      concatMap((reply) =>
        from(reply.due).pipe(
          concatMap((key) => steps.expire(key)),
          last(undefined, undefined),
          map(() => (reply.due.length > 0 ? 0 : Math.min(maxInterval, Math.max(1, reply.nextIn ?? maxInterval)))),
        ),
      ),
      catchError(() => of(maxInterval)), // Redis unreachable: try again later
    );
  const sweeping = new Observable<never>(() => {
    const step = new SerialStep();
    let wakeAt = Infinity;
    let sweepingNow = false;
    let hintedAt = Infinity;
    const schedule = (delay: number): void => {
      wakeAt = schedulerNow() + delay;
      step.start(() => timer(delay).subscribe(run));
    };
    const run = (): void => {
      sweepingNow = true;
      wakeAt = Infinity;
      step.start(() =>
        sweep().subscribe((delay) => {
          sweepingNow = false;
          const hinted = hintedAt - schedulerNow();
          hintedAt = Infinity;
          schedule(Math.max(0, Math.min(delay, hinted)));
        }),
      );
    };
    const hinting = hints.subscribe((delay) => {
      const at = schedulerNow() + delay;
      if (sweepingNow) hintedAt = Math.min(hintedAt, at);
      else if (at < wakeAt) schedule(delay);
    });
    run();
    return () => {
      step.stop();
      hinting.unsubscribe();
    };
  }).pipe(share());
  return { sweeping, dueIn: (delay) => hints.next(delay) };
}
