import { defer, map, type Observable } from 'rxjs';
import type { SyncBackend } from '../backend.js';
import { LockBusyError } from '../errors/LockBusyError.js';
import { leaseTenure } from '../engine/leaseEngine.js';
import { lockLeaseKey } from '../internal/leaseKeys.js';
import { defaultHolderName } from '../internal/ownerId.js';
import { assertBackend } from '../internal/assertBackend.js';
import { assertNameWithin, limitsOf } from '../internal/limits.js';
import type { Lease } from './Lease.js';
import { resolveLockOptions, type LockOptions, type LockSettings } from './lockOptions.js';

/**
 * Ownership of a distributed lock, as an Observable: subscribing acquires, the stream emits one
 * {@link Lease} while held, losing the lock completes it, unsubscribing releases it.
 *
 * @remarks
 * ```
 * other holder:  --R---------
 * lock(...):     --L-----|      L: acquired when the other releases at R
 *                                |: lost (renewal refused or unconfirmed by the validity deadline)
 * ```
 * Each subscription is a separate contender with its own secret owner id. While waiting, it holds
 * a place in the lock's line on the backend (`fair`, the default): waiters in every process get
 * the lock in the order they asked, each woken by the release before it. With `fair: false` it is
 * woken by the backend's release and expiry events and otherwise retries with jittered backoff.
 * While holding, it renews every `renewInterval`; it completes as soon as a renewal is refused, or
 * at the validity deadline (start of the last confirmed request + `leaseDuration` −
 * `driftMargin`) when renewals cannot be confirmed, which is before the backend can hand the lock
 * to anybody else. It errors with `LockTimeoutError` after `acquireTimeout`, with
 * `LockBusyError` when `wait` is `false` and the lock is held, and with the backend's error when
 * the backend fails while acquiring. Completion, error and unsubscription all release the lock.
 *
 * @example
 * ```ts
 * import { lock } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * const subscription = lock(backend, 'invoices', { leaseDuration: 5_000 }).subscribe({
 *   next: (lease) => console.log(`holding ${lease.key}, token ${lease.token}`),
 *   complete: () => console.log('lost the lock'),
 * });
 * subscription.unsubscribe(); // releases it
 * ```
 *
 * @param backend - Where the lock lives.
 * @param key - The lock's name.
 * @param options - Timing and waiting; see {@link LockOptions}.
 * @returns A cold Observable of one {@link Lease}, completing when the lock is lost.
 * @throws TypeError or RangeError, at call time, for a bad key or option.
 * @see {@link withLock} to run a source only while holding the lock.
 */
export function lock(backend: SyncBackend, key: string, options?: LockOptions): Observable<Lease> {
  return lockAs('lock', backend, key, options);
}

/** {@link lock}, naming `caller` (`withLock`) as the function that got an unknown option. */
export function lockAs(
  caller: string,
  backend: SyncBackend,
  key: string,
  options: LockOptions | undefined,
): Observable<Lease> {
  assertBackend(backend);
  const limits = limitsOf(backend);
  assertNameWithin(limits, key, 'key');
  return acquireLock(backend, key, resolveLockOptions(options, { caller }, limits));
}

/** The Observable of {@link lock}, for a backend and key already checked and options already resolved. */
export function acquireLock(backend: SyncBackend, key: string, settings: LockSettings): Observable<Lease> {
  return defer(() => {
    const holder = settings.holder ?? defaultHolderName();
    return leaseTenure(backend, {
      key: lockLeaseKey(key),
      name: key,
      holder,
      settings,
      ...(!settings.wait && {
        refuse: (current) => new LockBusyError(key, current.holder, current.expiresIn),
      }),
    }).pipe(map((tenure): Lease => ({ key, holder, token: tenure.token, isValid: () => tenure.isValid() })));
  });
}
