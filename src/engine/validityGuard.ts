import { Subscription, timer } from 'rxjs';
import { schedulerNow } from '../internal/clock.js';

/** One request whose reply may grant or extend the lease: its clock started when it was sent. */
export interface PendingValidity {
  readonly startedAt: number;
  /** When the validity that the request's reply could give runs out (scheduler time). */
  readonly deadline: number;
  fired: boolean;
  timer: Subscription;
}

/**
 * Tracks how long a lease is still safely ours, by Redlock's validity rule: a grant or renewal
 * sent at time `t` is good until `t + validity`, where `validity` is the lease duration minus a
 * drift margin. The clock of each request starts when the request is sent, as an RxJS timer
 * (monotonic in Node, virtual under `TestScheduler.run`), so a slow reply shortens the validity
 * instead of stretching it. `isValid()` also checks the scheduler's clock, so a blocked event loop
 * that delays the timer cannot make a stale lease look valid.
 */
export class ValidityGuard {
  private readonly pending = new Set<PendingValidity>();
  private active: PendingValidity | undefined;
  private ended = false;
  private onExpire: (() => void) | undefined;

  constructor(private readonly validity: number) {}

  /**
   * Starts the clock of a request that may grant or extend the lease, sent at `startedAt` (now, or
   * earlier for a request whose reply is only now being looked at), good for `validity` ms from
   * then (the guard's, unless the grant is for another duration). `onLapse` is called when the
   * clock runs out before a reply confirmed or discarded the request: no reply can be of use now.
   */
  begin(startedAt = schedulerNow(), onLapse?: () => void, validity = this.validity): PendingValidity {
    const left = startedAt + validity - schedulerNow();
    const request: PendingValidity = {
      startedAt,
      deadline: startedAt + validity,
      fired: left <= 0,
      timer: Subscription.EMPTY,
    };
    if (request.fired) return request; // over already: its reply can confirm nothing
    request.timer = timer(left).subscribe(() => {
      request.fired = true;
      if (request === this.active) {
        this.expire();
      } else if (this.pending.delete(request)) {
        onLapse?.();
      }
    });
    this.pending.add(request);
    return request;
  }

  /**
   * The request's reply confirmed the lease: its clock becomes the one that counts. Returns
   * `false` when the reply came too late, after the validity it could have given had run out.
   */
  confirm(request: PendingValidity): boolean {
    this.pending.delete(request);
    if (request.fired || this.ended) {
      request.timer.unsubscribe();
      return false;
    }
    this.active?.timer.unsubscribe();
    this.active = request;
    return true;
  }

  /** The request did not grant or extend the lease: stop its clock. */
  discard(request: PendingValidity): void {
    this.pending.delete(request);
    request.timer.unsubscribe();
  }

  /** Calls `onExpire` once, when the confirmed validity runs out. */
  whenExpired(onExpire: () => void): void {
    this.onExpire = onExpire;
  }

  /** Whether the lease is still safely held: confirmed, not ended, and before its deadline. */
  isValid(): boolean {
    const active = this.active;
    return !this.ended && active !== undefined && !active.fired && schedulerNow() < active.deadline;
  }

  /** Marks the lease over (lost, released, completed) and stops every clock. */
  end(): void {
    this.ended = true;
    this.onExpire = undefined;
    this.active?.timer.unsubscribe();
    for (const request of this.pending) request.timer.unsubscribe();
    this.pending.clear();
  }

  private expire(): void {
    const onExpire = this.onExpire;
    this.end();
    onExpire?.();
  }
}
