import type { Observable, Subscription } from 'rxjs';
import { KeyedFanout } from '../../../internal/keyedFanout.js';
import type { LeaseEvent } from '../../../backend.js';

/**
 * Wakes the contenders of this process that wait for a lease, one per release: the first in line
 * is woken and goes to the back of the line, so N waiters cost one request per release instead of
 * N (all but one would lose). A vacancy learned after a pub/sub gap (`expired`: the release message
 * may have been lost) wakes every waiter. The waiters of one key share one watch of its events.
 */
export class VacancySignals {
  private readonly waiters = new KeyedFanout<void>({
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

  constructor(private readonly watch: (key: string) => Observable<LeaseEvent>) {}

  /** Signals for one waiter of `key`, from subscription on. */
  vacancies(key: string): Observable<void> {
    return this.waiters.observe(key);
  }

  private wakeUp(key: string, event: LeaseEvent): void {
    if (event.type === 'expired') this.waiters.send(key);
    else if (event.type === 'released') this.waiters.sendInTurn(key);
  }
}
