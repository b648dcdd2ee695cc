import { Subscription } from 'rxjs';
import type { SyncBackend } from '../backend.js';
import { NotHeldError } from '../errors/NotHeldError.js';
import { assertBackend } from '../internal/assertBackend.js';
import { assertNameWithin, limitsOf } from '../internal/limits.js';
import type { Lease } from '../observables/Lease.js';
import { acquireLock } from '../observables/lock.js';
import { resolveLockOptions, type LockOptions } from '../observables/lockOptions.js';

/** A lock held through the Promise facade: the {@link Lease}, and a Promise that settles when it is lost. */
export interface HeldLock extends Lease {
  /** Resolves (never rejects) when the lock is lost or released. */
  readonly lost: Promise<void>;
}

/** go-sync's `Lock` for code that is not reactive: acquire and release by id. */
export interface Locker {
  /** Waits for the lock `id` and resolves with it; rejects with `LockTimeoutError`, `LockBusyError` or a backend error. */
  acquire(id: string): Promise<HeldLock>;
  /** Releases the lock `id` held through this locker; rejects with `NotHeldError` when it is not held here. */
  release(id: string): Promise<void>;
}

/**
 * The Promise facade of {@link lock}, line for line go-sync's `Lock`.
 *
 * @remarks
 * `acquire(id)` subscribes to `lock(backend, id, options)` and resolves on the lease; the lock is
 * renewed in the background until `release(id)` or until it is lost (then `lost` resolves and
 * `release` rejects with `NotHeldError`). Two `acquire` calls for one id wait for each other, as a
 * mutex. Prefer {@link withLock} in reactive code.
 *
 * @example
 * ```ts
 * import { createLock } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const locker = createLock(createMemoryBackend());
 * // acquire lock
 * const held = await locker.acquire('id');
 * console.log(`token ${held.token}`);
 * // release lock
 * await locker.release('id');
 * ```
 *
 * @param backend - Where the locks live.
 * @param options - Options for every lock; see {@link LockOptions}.
 * @throws TypeError or RangeError, at call time, for a bad option.
 */
export function createLock(backend: SyncBackend, options?: LockOptions): Locker {
  assertBackend(backend);
  const limits = limitsOf(backend);
  const settings = resolveLockOptions(options, { caller: 'createLock' }, limits);
  const held = new Map<string, Subscription>();
  return Object.freeze({
    acquire(id: string): Promise<HeldLock> {
      assertNameWithin(limits, id, 'id');
      return new Promise<HeldLock>((resolve, reject) => {
        let markLost: () => void = () => undefined;
        const lost = new Promise<void>((resolveLost) => (markLost = resolveLost));
        const subscription = new Subscription(() => {
          if (held.get(id) === subscription) held.delete(id);
          markLost();
        });
        subscription.add(
          acquireLock(backend, id, settings).subscribe({
            next: (lease) => {
              held.set(id, subscription);
              resolve({ ...lease, lost });
            },
            error: (error: unknown) => {
              subscription.unsubscribe();
              // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- pass the stream's typed error through unchanged
              reject(error);
            },
            complete: () => subscription.unsubscribe(),
          }),
        );
      });
    },
    release(id: string): Promise<void> {
      assertNameWithin(limits, id, 'id');
      const subscription = held.get(id);
      if (!subscription) return Promise.reject(new NotHeldError(id));
      subscription.unsubscribe();
      return Promise.resolve();
    },
  });
}
