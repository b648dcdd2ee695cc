import { timer, type Observable, type Subscription } from 'rxjs';
import { KeyedFanout } from '../../../internal/keyedFanout.js';
import type { Vacancy } from '../../../backend.js';
import type { LeaseSignal } from './leaseEventMessage.js';

/** How long the watch of a lease's signals outlives its last waiter, in ms. */
export const WATCH_LINGER = 2_000;

/**
 * Wakes the contenders of this process that wait for a lease. A release or turn that names the
 * place in line whose turn it is goes to every waiter (the one in that place asks). A release
 * without one (nobody waits in line) wakes one waiter, the first of this process, which goes to the
 * back: N waiters cost one request per release instead of N (all but one would lose). A vacancy
 * learned after a pub/sub gap (`expired`: the release message may have been lost) wakes every
 * waiter. The waiters of one key share one watch of its signals, which outlives the last of them
 * by {@link WATCH_LINGER} ms: a lock that is contended again soon is still watched, so its next
 * waiters cost no SUBSCRIBE and UNSUBSCRIBE, and hear the next release however soon it comes.
 */
export class VacancySignals {
  private readonly waiters = new KeyedFanout<Vacancy>({
    open: (key) => {
      const lingering = this.lingering.get(key);
      if (lingering) {
        lingering.unsubscribe(); // still watched: keep it
        this.lingering.delete(key);
        return;
      }
      const watch = this.watch(key).subscribe({
        next: (event) => this.wakeUp(key, event),
        error: (error: unknown) => {
          this.forget(key);
          this.waiters.fail(error, key);
        },
        complete: () => {
          this.forget(key);
          this.waiters.complete(key);
        },
      });
      if (this.waiters.has(key)) this.watches.set(key, watch); // unless the watch ended at once
    },
    close: (key) => {
      if (!this.watches.has(key)) return;
      this.lingering.set(
        key,
        timer(WATCH_LINGER).subscribe(() => {
          const watch = this.watches.get(key);
          this.forget(key);
          watch?.unsubscribe();
        }),
      );
    },
  });
  private readonly watches = new Map<string, Subscription>();
  private readonly lingering = new Map<string, Subscription>();
  private readonly signalsHeard = new Map<string, number>();

  constructor(private readonly watch: (key: string) => Observable<LeaseSignal>) {}

  /**
   * How many signals of `key` this process has heard on its current watch, or `undefined` when it
   * does not watch `key` now: the same count before and after a request means no signal came in
   * between.
   */
  heard(key: string): number | undefined {
    return this.watches.has(key) ? (this.signalsHeard.get(key) ?? 0) : undefined;
  }

  /** Signals for one waiter of `key`, from subscription on. */
  vacancies(key: string): Observable<Vacancy> {
    return this.waiters.observe(key);
  }

  /** Drops what this keeps for `key`'s watch (not the watch itself). */
  private forget(key: string): void {
    this.watches.delete(key);
    this.signalsHeard.delete(key);
    this.lingering.get(key)?.unsubscribe();
    this.lingering.delete(key);
  }

  private wakeUp(key: string, signal: LeaseSignal): void {
    this.signalsHeard.set(key, (this.signalsHeard.get(key) ?? 0) + 1);
    const next = signal.type === 'acquired' || signal.type === 'updated' ? undefined : signal.next;
    if (next !== undefined) this.waiters.send(key, { next });
    else if (signal.type === 'expired') this.waiters.send(key, {});
    else if (signal.type === 'released') this.waiters.sendInTurn(key, {});
  }
}
