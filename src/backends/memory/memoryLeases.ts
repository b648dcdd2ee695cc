import { Subscription, timer, type Observable } from 'rxjs';
import type { LeaseAttempt, LeaseClaim, LeaseEvent, LeaseHolder } from '../../backend.js';
import { schedulerNow } from '../../internal/clock.js';
import { Listeners } from './listeners.js';

interface LeaseRecord {
  readonly owner: string;
  readonly holder: string;
  value: string | undefined;
  readonly token: number;
  expiresAt: number;
  expiry: Subscription;
}

/**
 * The leases of a memory backend: what a lease server does, in process. Expiry runs on RxJS
 * timers, so it follows virtual time under `TestScheduler.run`; a lease whose time is up is treated
 * as expired even before its timer fires in the same instant. Fencing tokens count up per key and
 * are kept after release, so they never repeat.
 */
export class MemoryLeases {
  private readonly records = new Map<string, LeaseRecord>();
  private readonly lastTokens = new Map<string, number>();
  private readonly listeners = new Listeners<LeaseEvent>();

  tryAcquire(key: string, claim: LeaseClaim): LeaseAttempt {
    return this.listeners.batch(() => {
      const current = this.live(key);
      if (current && current.owner !== claim.owner) return { granted: false, current: this.describe(current) };
      if (current) {
        this.extend(key, current, claim.leaseDuration);
        return { granted: true, token: current.token };
      }
      const token = (this.lastTokens.get(key) ?? 0) + 1;
      this.lastTokens.set(key, token);
      const record: LeaseRecord = {
        owner: claim.owner,
        holder: claim.holder,
        value: claim.value,
        token,
        expiresAt: 0,
        expiry: Subscription.EMPTY,
      };
      this.records.set(key, record);
      this.extend(key, record, claim.leaseDuration);
      this.listeners.publishTo(key, {
        type: 'acquired',
        key,
        holder: record.holder,
        token,
        ...(record.value !== undefined && { value: record.value }),
      });
      return { granted: true, token };
    });
  }

  renew(key: string, owner: string, leaseDuration: number): boolean {
    return this.listeners.batch(() => {
      const current = this.live(key);
      if (current?.owner !== owner) return false;
      this.extend(key, current, leaseDuration);
      return true;
    });
  }

  release(key: string, owner: string): boolean {
    return this.listeners.batch(() => {
      const current = this.live(key);
      if (current?.owner !== owner) return false;
      this.remove(key, current, 'released');
      return true;
    });
  }

  update(key: string, owner: string, value: string): boolean {
    return this.listeners.batch(() => {
      const current = this.live(key);
      if (current?.owner !== owner) return false;
      current.value = value;
      this.listeners.publishTo(key, { type: 'updated', key, holder: current.holder, token: current.token, value });
      return true;
    });
  }

  read(key: string): LeaseHolder | undefined {
    return this.listeners.batch(() => {
      const current = this.live(key);
      return current && this.describe(current);
    });
  }

  events(key: string): Observable<LeaseEvent> {
    return this.listeners.observe(key);
  }

  /** Ends the lease on `key` now, as if its time had run out (a fault control for tests). */
  expire(key: string): boolean {
    return this.listeners.batch(() => {
      const current = this.records.get(key);
      if (!current) return false;
      this.remove(key, current, 'expired');
      return true;
    });
  }

  /** Listeners attached to lease events, for leak checks. */
  get watchers(): number {
    return this.listeners.size;
  }

  /** Leases currently held. */
  get held(): number {
    for (const key of [...this.records.keys()]) this.live(key);
    return this.records.size;
  }

  private live(key: string): LeaseRecord | undefined {
    const record = this.records.get(key);
    if (record && schedulerNow() >= record.expiresAt) {
      this.remove(key, record, 'expired');
      return undefined;
    }
    return record;
  }

  private extend(key: string, record: LeaseRecord, leaseDuration: number): void {
    record.expiry.unsubscribe();
    record.expiresAt = schedulerNow() + leaseDuration;
    record.expiry = timer(leaseDuration).subscribe(() => {
      if (this.records.get(key) === record) this.remove(key, record, 'expired');
    });
  }

  private remove(key: string, record: LeaseRecord, type: 'released' | 'expired'): void {
    record.expiry.unsubscribe();
    this.records.delete(key);
    this.listeners.publishTo(key, { type, key, token: record.token });
  }

  private describe(record: LeaseRecord): LeaseHolder {
    return {
      holder: record.holder,
      token: record.token,
      expiresIn: Math.max(0, record.expiresAt - schedulerNow()),
      ...(record.value !== undefined && { value: record.value }),
    };
  }
}
