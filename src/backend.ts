import type { Observable } from 'rxjs';
import type { BackendLimits } from './limits.js';

/**
 * What a contender asks for when it tries to take a lease.
 *
 * @remarks
 * `owner` is the secret that proves ownership in renew and release: 122 random bits, never shown to
 * other contenders or published. `holder` is the public name that others see (a node name, a
 * candidate id). `value` is an optional public payload (a leader's address, say).
 */
export interface LeaseClaim {
  /** Secret owner id: only this owner may renew or release the lease. */
  readonly owner: string;
  /** Public name of the contender, shown to watchers and in errors. */
  readonly holder: string;
  /** Optional public payload published with the lease. */
  readonly value?: string;
  /** How long the backend keeps the lease without a renewal, in milliseconds. */
  readonly leaseDuration: number;
  /**
   * Wait in line, keeping a place for this many milliseconds from this attempt. When the lease is
   * taken, or free but kept for the waiter first in line, the contender takes a place at the back
   * of the key's line of waiters (or keeps the one it has, refreshed); a free lease is granted to
   * the first in line only. A place not refreshed in time lapses, so a waiter that died never
   * holds the line up for longer than this. Absent: the contender takes no place, and is granted
   * a free lease even when others wait in line (as `tryLock` on a fair lock barges; a backend that
   * hands a released lease to the first in line at once leaves it free less often: after a lapse).
   */
  readonly placeDuration?: number;
}

/**
 * The public facts of a held lease, as any contender or watcher may read them.
 */
export interface LeaseHolder {
  /** Public name of the holder. */
  readonly holder: string;
  /** Fencing token of this holder's tenure: strictly greater than every earlier holder's of this key. */
  readonly token: number;
  /** The holder's public payload, when it gave one. */
  readonly value?: string;
  /** Milliseconds until the backend lets the lease lapse unless the holder renews it. */
  readonly expiresIn: number;
}

/**
 * The reply to one acquisition attempt.
 *
 * @remarks
 * When granted, `token` is the fencing token, minted atomically with the grant. When refused,
 * `current` tells who holds the lease (absent when the lease is free but kept for the waiter first
 * in line, which only a contender in line is told), `retryIn` when asking again may succeed (the
 * holder's lease lapses, or the first waiter's place does), and `place` the contender's place in
 * line when it asked for one (see {@link LeaseClaim.placeDuration}).
 */
export type LeaseAttempt =
  | { readonly granted: true; readonly token: number }
  | {
      readonly granted: false;
      /** Who holds the lease; absent when it is free but kept for the waiter first in line. */
      readonly current?: LeaseHolder;
      /** Milliseconds after which asking again may succeed unless a vacancy comes first. */
      readonly retryIn: number;
      /** The contender's place in line, as {@link Vacancy.next} names it; absent when it took none. */
      readonly place?: string;
      /**
       * The last fencing token minted for the lease when the attempt was refused, from a backend
       * that grants a released lease to the first in line ({@link LeaseGrant}): a grant with a
       * greater token was made after this refusal; one with a token no greater, before it (a late
       * message of a grant that has ended since), and the waiter asks instead of taking it.
       */
      readonly minted?: number;
      /**
       * `true` when this process was already hearing the key's vacancies when the attempt ran: a
       * `vacancies()` subscription made at once, on this reply, misses no later vacancy, so there
       * is no need to ask again after subscribing. Absent: subscribe, then ask again.
       */
      readonly listening?: boolean;
    };

/**
 * A lease that a release handed to the waiter first in line, in the same atomic step, with no
 * request of that waiter's.
 *
 * @remarks
 * A waiter takes a grant whose token is greater than every {@link LeaseAttempt} `minted` it was
 * refused with: the grant was made after its last refused attempt was carried out, for
 * `leaseDuration` ms, so, as for any grant, the waiter may count it valid until the start of that
 * attempt + `leaseDuration` − its drift margin, and renews it as it renews any lease (to its own
 * lease duration). A grant with a smaller token is older than a refusal (a message that came late,
 * of a grant that has ended since): the waiter asks instead. A waiter that does not take it (it stopped waiting) releases
 * it, as it would any grant; one that died holds it up for `leaseDuration` at most (the backend
 * makes that no longer than its place in line would have held the line up).
 */
export interface LeaseGrant {
  /** The fencing token minted with the grant. */
  readonly token: number;
  /** How long the backend keeps the granted lease without a renewal, in ms. */
  readonly leaseDuration: number;
}

/**
 * A signal to the contenders waiting for a lease that it may be theirs now, or is.
 *
 * @remarks
 * `next` names the place whose turn it is: only the waiter in that place should ask (the others
 * would be refused). Without `next`, the lease may be free for whoever asks first (nobody waits in
 * line, or the backend cannot tell: after a pub/sub gap, say). With `granted`, the backend gave the
 * lease to the waiter in place `next` already: that waiter holds it without asking (a backend may
 * hand a released lease on so, sparing the hand-over a round trip; none has to).
 */
export interface Vacancy {
  /** The place in line whose turn it is, if the backend knows it. */
  readonly next?: string;
  /** The lease, when the backend granted it to the waiter in place `next` (never without `next`). */
  readonly granted?: LeaseGrant;
}

/**
 * Something that happened to a lease, pushed to everyone watching its key.
 *
 * @remarks
 * `acquired` carries the new holder; `released` (given up by its holder), `expired` (lapsed without
 * renewal) and `updated` (new public value) carry the token of the tenure they end or change.
 * Backends that can announce a lapse (memory) send `expired`; others (Redis, which rx-sync uses
 * without keyspace notifications) may not, so watchers also act at the `expiresIn` they were told
 * (waiters retry then, `leader()` reads again).
 */
export type LeaseEvent =
  | {
      readonly type: 'acquired';
      readonly key: string;
      readonly holder: string;
      readonly token: number;
      readonly value?: string;
    }
  | {
      readonly type: 'updated';
      readonly key: string;
      readonly holder: string;
      readonly token: number;
      readonly value?: string;
    }
  | { readonly type: 'released' | 'expired'; readonly key: string; readonly token: number };

/**
 * One versioned entry of the store.
 */
export interface Item {
  /** The item's key. */
  readonly key: string;
  /** The item's value. */
  readonly value: string;
  /** Grows with every write of this key, and never repeats, even after a delete. */
  readonly version: number;
}

/**
 * Conditions and lifetime of one store write.
 */
export interface PutOptions {
  /**
   * Write only if the item's current version is this one (compare-and-set); `0` means "only if the
   * key does not exist" (create-only). A mismatch fails with `VersionConflictError`.
   */
  readonly ifVersion?: number;
  /** Delete the item this many milliseconds after the write, with an `expired` change event. */
  readonly timeToLive?: number;
}

/**
 * Conditions of one store delete.
 */
export interface DeleteOptions {
  /** Delete only if the item's current version is this one; a mismatch fails with `VersionConflictError`. */
  readonly ifVersion?: number;
}

/**
 * A change to the store, pushed to everyone watching a prefix of its key.
 *
 * @remarks
 * `version` is the version the write gave the key: for `deleted` and `expired` it is a fresh
 * version, greater than the last `put`'s, so watchers can order every event of a key.
 */
export type ChangeEvent =
  | { readonly type: 'put'; readonly key: string; readonly version: number; readonly item: Item }
  | { readonly type: 'deleted' | 'expired'; readonly key: string; readonly version: number };

/**
 * The one contract every rx-sync backend implements: small, atomic and cold operations.
 *
 * @remarks
 * Every method returns a cold Observable: nothing reaches the backend before subscription, and
 * unsubscribing abandons the request. Request methods emit exactly one value and complete; watch
 * methods (`leaseEvents`, `changes`) stay open and emit what happens after they are subscribed.
 * Failures to reach the backend error with `BackendUnavailableError` (transient). The reactive
 * behaviour (waiting, renewing, revoking, resynchronising) lives above this contract, written
 * once for every backend.
 *
 * @example
 * ```ts
 * import { createMemoryBackend } from 'rx-sync/memory';
 * import type { SyncBackend } from 'rx-sync';
 *
 * const backend: SyncBackend = createMemoryBackend();
 * backend.put('config/mode', 'fast').subscribe((item) => console.log(item.version));
 * ```
 */
export interface SyncBackend {
  /** Short name for errors and logs: `memory`, `redis`. */
  readonly name: string;
  /**
   * What this backend accepts (name length, value size, lease bounds): rx-sync's functions check
   * their arguments against it at call time. A backend without it gets `DEFAULT_BACKEND_LIMITS`.
   */
  readonly limits?: BackendLimits;

  /** One attempt to take the lease on `key`; idempotent for the same owner. */
  tryAcquire(key: string, claim: LeaseClaim): Observable<LeaseAttempt>;
  /** Extends the lease if `owner` still holds it; `false` when it does not. */
  renew(key: string, owner: string, leaseDuration: number): Observable<boolean>;
  /**
   * Gives the lease up if `owner` holds it: `true` exactly when `owner` held it (on a quorum of
   * masters: on a majority of them), `false` when it did not (a stale owner whose lease lapsed,
   * even if leftovers of it remained somewhere; they are removed). Errors when too few masters
   * answered to tell. Gives up `owner`'s place in line too, if it has one; the waiter first in line
   * after it is signalled when the lease is free, or granted the lease at once ({@link LeaseGrant}).
   */
  release(key: string, owner: string): Observable<boolean>;
  /** Replaces the holder's public value if `owner` holds the lease; `false` when it does not. */
  updateLease(key: string, owner: string, value: string): Observable<boolean>;
  /** The current holder of `key`, or `undefined` when nobody holds it. */
  readLease(key: string): Observable<LeaseHolder | undefined>;
  /** Every event of the lease on `key` from subscription on. */
  leaseEvents(key: string): Observable<LeaseEvent>;
  /**
   * Signals, from subscription on, that the lease on `key` may have become free, for contenders
   * waiting for it: a release, a lapse, or a new waiter first in line while the lease is free. A
   * signal naming a place ({@link Vacancy.next}) goes to every waiter (only the one in that place
   * asks); one without may go to one waiter of this process per release (the next release signals
   * the next), to spare the others a request they would lose. Waiters poll as well.
   *
   * `place` is the waiter's place in line, as its refusal named it, when it took one: a backend may
   * then signal it only when it is that place's turn (and after a gap in what it could hear), not
   * at every release; without a place, it hears the releases.
   */
  vacancies(key: string, place?: string): Observable<Vacancy>;

  /** The item at `key`, or `undefined`. */
  get(key: string): Observable<Item | undefined>;
  /** Writes `value` at `key` and notifies watchers, atomically; emits the written item. */
  put(key: string, value: string, options?: PutOptions): Observable<Item>;
  /** Deletes `key` and notifies watchers, atomically; emits whether it existed. */
  delete(key: string, options?: DeleteOptions): Observable<boolean>;
  /** Every item whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Observable<readonly Item[]>;
  /** Every change of a key that starts with `prefix`, from subscription on. */
  changes(prefix: string): Observable<ChangeEvent>;

  /** The backend's clock, in milliseconds since the Unix epoch. */
  now(): Observable<number>;
}
