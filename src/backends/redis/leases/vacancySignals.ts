import { Observable, type Subscription } from 'rxjs';
import type { LeaseEvent } from '../../../backend.js';

interface Waiter {
  readonly wake: () => void;
  readonly fail: (error: unknown) => void;
  readonly end: () => void;
}

interface Line {
  /** The waiters of one key, first in line first. */
  readonly waiters: Waiter[];
  watch?: Subscription;
}

/**
 * Wakes the contenders of this process that wait for a lease, one per release: the first in line
 * is woken and goes to the back of the line, so N waiters cost one request per release instead of
 * N (all but one would lose). A vacancy learned after a pub/sub gap (`expired`: the release message
 * may have been lost) wakes every waiter. The waiters of one key share one watch of its events.
 */
export class VacancySignals {
  private readonly lines = new Map<string, Line>();

  constructor(private readonly watch: (key: string) => Observable<LeaseEvent>) {}

  /** Signals for one waiter of `key`, from subscription on. */
  vacancies(key: string): Observable<void> {
    return new Observable<void>((subscriber) => {
      const waiter: Waiter = {
        wake: () => subscriber.next(),
        fail: (error) => subscriber.error(error),
        end: () => subscriber.complete(),
      };
      let line = this.lines.get(key);
      if (!line) {
        const created: Line = { waiters: [] };
        this.lines.set(key, created);
        created.watch = this.watch(key).subscribe({
          next: (event) => wakeUp(created, event),
          error: (error: unknown) => {
            this.lines.delete(key);
            for (const failing of [...created.waiters]) failing.fail(error);
          },
          complete: () => {
            this.lines.delete(key);
            for (const ending of [...created.waiters]) ending.end();
          },
        });
        line = created;
      }
      line.waiters.push(waiter);
      const joined = line;
      return () => {
        const index = joined.waiters.indexOf(waiter);
        if (index >= 0) joined.waiters.splice(index, 1);
        if (joined.waiters.length === 0 && this.lines.get(key) === joined) {
          this.lines.delete(key);
          joined.watch?.unsubscribe();
        }
      };
    });
  }
}

function wakeUp(line: Line, event: LeaseEvent): void {
  if (event.type === 'expired') {
    for (const waiter of [...line.waiters]) waiter.wake();
  } else if (event.type === 'released') {
    const first = line.waiters.shift();
    if (!first) return;
    line.waiters.push(first);
    first.wake();
  }
}
