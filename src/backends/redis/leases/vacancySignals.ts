import { timer, type Observable, type Subscription } from 'rxjs';
import { KeyedFanout } from '../../../internal/keyedFanout.js';
import type { LeaseGrant, Vacancy } from '../../../backend.js';
import type { LeaseSignal } from './leaseEventMessage.js';

/** How long the watch of a lease's signals outlives its last waiter, in ms. */
export const WATCH_LINGER = 2_000;

/**
 * Whom a signal wakes among this process's waiters of a lease: every waiter with the place in line
 * whose turn it is (`named`: only the waiter in that place asks, or takes the lease the release
 * `granted` it), every waiter (`everyone`: a vacancy learned after a pub/sub gap, when a release or
 * a turn may have been lost), or the first waiter only (`one`: a release with nobody in line).
 */
export type WakeUp =
  | { readonly kind: 'named'; readonly next: string; readonly granted?: LeaseGrant }
  | { readonly kind: 'everyone' }
  | { readonly kind: 'one' };

/** The wake-up of a signal on a lease's channel, or `undefined` for an event that frees nothing. */
export function wakeUpOf(signal: LeaseSignal): WakeUp | undefined {
  if (signal.type === 'acquired' || signal.type === 'updated') return undefined;
  if (signal.next !== undefined) return { kind: 'named', next: signal.next };
  return signal.type === 'released' ? { kind: 'one' } : { kind: 'everyone' };
}

/**
 * Wakes the contenders of this process that wait for a lease, by {@link WakeUp}: a release or turn
 * that names the place in line whose turn it is goes to every waiter (the one in that place asks).
 * A release without one (nobody waits in line) wakes one waiter, the first of this process, which
 * goes to the back: N waiters cost one request per release instead of N (all but one would lose).
 * A vacancy learned after a pub/sub gap wakes every waiter. The waiters of one key share one watch
 * of its wake-ups, which outlives the last of them by {@link WATCH_LINGER} ms: a lock that is
 * contended again soon is still watched, so its next waiters cost no SUBSCRIBE and UNSUBSCRIBE,
 * and hear the next release however soon it comes.
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

  constructor(private readonly watch: (key: string) => Observable<WakeUp>) {}

  /**
   * How many wake-ups of `key` this process has heard on its current watch, or `undefined` when it
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

  private wakeUp(key: string, wakeUp: WakeUp): void {
    this.signalsHeard.set(key, (this.signalsHeard.get(key) ?? 0) + 1);
    if (wakeUp.kind === 'named') {
      const { next, granted } = wakeUp;
      this.waiters.send(key, granted ? { next, granted } : { next });
    } else if (wakeUp.kind === 'everyone') this.waiters.send(key, {});
    else this.waiters.sendInTurn(key, {});
  }
}
