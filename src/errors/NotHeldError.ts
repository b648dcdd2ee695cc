import { SyncError } from './SyncError.js';

/**
 * Raised by the Promise facade when asked to release a lock or resign a leadership that this
 * process does not hold (never acquired, already released, or lost).
 *
 * @example
 * ```ts
 * import { createLock, NotHeldError } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * createLock(createMemoryBackend()).release('id').catch((error: unknown) => {
 *   if (error instanceof NotHeldError) console.log(error.message);
 * });
 * ```
 */
export class NotHeldError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_NOT_HELD';
  readonly code = NotHeldError.code;
  override readonly name = 'NotHeldError';
  readonly transient = false;

  /** @param key - The lock key or leadership group. */
  constructor(
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`"${key}" is not held here: it was never acquired, was already released, or was lost.`, options);
  }
}
