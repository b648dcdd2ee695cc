import type { MonoTypeOperatorFunction } from 'rxjs';
import type { SyncBackend } from '../backend.js';
import { whileHeld } from './whileHeld.js';
import { lockAs } from '../observables/lock.js';
import type { LockOptions } from '../observables/lockOptions.js';

/**
 * Runs the source only while holding a lock: acquires it on subscription, subscribes to the
 * source once acquired, and unsubscribes the source and completes when the lock is lost.
 *
 * @remarks
 * ```
 * lock:      ---L-----|        L: acquired; |: lost
 * source:    -a--b--c--d-
 * result:    ----b--c-|
 * ```
 * Nothing of the source runs before the lock is held. The lock is released when the result
 * completes (source done, or lock lost), errors, or is unsubscribed. Errors with the lock's error
 * (`LockTimeoutError`, `LockBusyError`, a backend error) or the source's.
 *
 * @example
 * ```ts
 * import { defer } from 'rxjs';
 * import { withLock } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * defer(async () => 'report written')
 *   .pipe(withLock(backend, 'reports', { acquireTimeout: 5_000 }))
 *   .subscribe(console.log);
 * ```
 *
 * @param backend - Where the lock lives.
 * @param key - The lock's name.
 * @param options - See {@link LockOptions}.
 * @returns An operator mirroring the source while the lock is held.
 * @throws TypeError or RangeError, when the operator is created, for a bad key or option.
 * @see {@link whileHeld} to give the work the lease (its fencing token).
 */
export function withLock<T>(backend: SyncBackend, key: string, options?: LockOptions): MonoTypeOperatorFunction<T> {
  const ownership = lockAs('withLock', backend, key, options);
  return (source) => ownership.pipe(whileHeld(() => source));
}
