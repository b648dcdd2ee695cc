import type { Observable, Subscription } from 'rxjs';
import { KeyedFanout } from '../../../internal/keyedFanout.js';
import type { Vacancy } from '../../../backend.js';
import type { LeaseSignal } from './leaseEventMessage.js';

/**
 * Wakes the contenders of this process that wait for a lease. A release or turn that names the
 * place in line whose turn it is goes to every waiter (the one in that place asks). A release
 * without one (nobody waits in line) wakes one waiter, the first of this process, which goes to the
 * back: N waiters cost one request per release instead of N (all but one would lose). A vacancy
 * learned after a pub/sub gap (`expired`: the release message may have been lost) wakes every
 * waiter. The waiters of one key share one watch of its signals.
 */
export class VacancySignals {
  private readonly waiters = new KeyedFanout<Vacancy>({
    open: (key) => {
      const watch = this.watch(key).subscribe({
        next: (event) => this.wakeUp(key, event),
        error: (error: unknown) => this.waiters.fail(error, key),
        complete: () => this.waiters.complete(key),
      });
      if (this.waiters.has(key)) this.watches.set(key, watch); // unless the watch ended at once
    },
    close: (key) => {
      this.watches.get(key)?.unsubscribe();
      this.watches.delete(key);
    },
  });
  private readonly watches = new Map<string, Subscription>();

  constructor(private readonly watch: (key: string) => Observable<LeaseSignal>) {}

  /** Signals for one waiter of `key`, from subscription on. */
  vacancies(key: string): Observable<Vacancy> {
    return this.waiters.observe(key);
  }

  private wakeUp(key: string, signal: LeaseSignal): void {
    const next = signal.type === 'acquired' || signal.type === 'updated' ? undefined : signal.next;
    if (next !== undefined) this.waiters.send(key, { next });
    else if (signal.type === 'expired') this.waiters.send(key, {});
    else if (signal.type === 'released') this.waiters.sendInTurn(key, {});
  }
}
