import { filter, map, Subscription, timer, type Observable } from 'rxjs';
import type { LeaseAttempt, LeaseClaim, LeaseEvent, LeaseHolder, Vacancy } from '../../backend.js';
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

/** A waiter's place in a key's line. */
interface Place {
  readonly id: string;
  deadline: number;
}

/** A lease event, or word that the lease is free and whose turn it is (for waiters only). */
type LeaseSignal = LeaseEvent | { readonly type: 'turn'; readonly key: string; readonly next: string | undefined };

/**
 * The leases of a memory backend: what a lease server does, in process. Expiry runs on RxJS
 * timers, so it follows virtual time under `TestScheduler.run`; a lease whose time is up is treated
 * as expired even before its timer fires in the same instant. Fencing tokens count up per key and
 * are kept after release, so they never repeat. Each key has a line of waiters (owner → place, in
 * arrival order); a place lapses at its deadline, checked whenever the line is looked at.
 */
export class MemoryLeases {
  private readonly records = new Map<string, LeaseRecord>();
  private readonly lastTokens = new Map<string, number>();
  private readonly lines = new Map<string, Map<string, Place>>();
  private readonly listeners = new Listeners<LeaseSignal>();
  private places = 0;

  tryAcquire(key: string, claim: LeaseClaim): LeaseAttempt {
    return this.listeners.batch(() => {
      const current = this.live(key);
      if (current?.owner === claim.owner) {
        this.extend(key, current, claim.leaseDuration);
        return { granted: true, token: current.token };
      }
      const head = this.head(key);
      if (current) {
        const expiresIn = Math.max(0, current.expiresAt - schedulerNow());
        return { granted: false, current: this.describe(current), retryIn: expiresIn, ...this.placeOf(key, claim) };
      }
      if (claim.placeDuration !== undefined && head && head[0] !== claim.owner) {
        const retryIn = Math.max(0, head[1].deadline - schedulerNow());
        return { granted: false, retryIn, ...this.placeOf(key, claim) };
      }
      this.leaveLine(key, claim.owner);
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
      if (current?.owner !== owner) {
        const wasFirst = this.head(key)?.[0] === owner;
        if (this.leaveLine(key, owner) && wasFirst && !current) this.signalTurn(key);
        return false;
      }
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
    return this.listeners.observe(key).pipe(filter((signal): signal is LeaseEvent => signal.type !== 'turn'));
  }

  /** Vacancies of the lease on `key`: after each release and lapse, and when the first waiter changes while it is free. */
  vacancies(key: string): Observable<Vacancy> {
    return this.listeners.observe(key).pipe(
      filter((signal) => signal.type === 'turn'),
      map((signal) => (signal.next === undefined ? {} : { next: signal.next })),
    );
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
    this.signalTurn(key);
  }

  /** Tells the waiters that the lease is free, and whose turn it is. */
  private signalTurn(key: string): void {
    this.listeners.publishTo(key, { type: 'turn', key, next: this.head(key)?.[1].id });
  }

  /**
   * The first live place in `key`'s line (owner and place), after dropping the places that lapsed;
   * when that changes who is first while the lease is free, the new first waiter is signalled.
   */
  private head(key: string): [string, Place] | undefined {
    const line = this.lines.get(key);
    if (!line) return undefined;
    const now = schedulerNow();
    let first = line.entries().next().value;
    const firstBefore = first?.[0];
    for (const [owner, place] of line) if (place.deadline <= now) line.delete(owner);
    first = line.entries().next().value;
    if (!first) {
      this.lines.delete(key);
      return undefined;
    }
    if (first[0] !== firstBefore && !this.records.has(key)) {
      this.listeners.publishTo(key, { type: 'turn', key, next: first[1].id });
    }
    return first;
  }

  /** Takes (or refreshes) `claim`'s place in line when it asks for one; its id, for the reply. */
  private placeOf(key: string, claim: LeaseClaim): { place?: string } {
    if (claim.placeDuration === undefined) return {};
    let line = this.lines.get(key);
    if (!line) this.lines.set(key, (line = new Map<string, Place>()));
    const deadline = schedulerNow() + claim.placeDuration;
    const place = line.get(claim.owner);
    if (place) {
      place.deadline = deadline;
      return { place: place.id };
    }
    const id = String(++this.places);
    line.set(claim.owner, { id, deadline });
    return { place: id };
  }

  /** Removes `owner`'s place from `key`'s line; whether it had one. */
  private leaveLine(key: string, owner: string): boolean {
    const line = this.lines.get(key);
    if (!line?.delete(owner)) return false;
    if (line.size === 0) this.lines.delete(key);
    return true;
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
