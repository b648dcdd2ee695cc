import { SyncError } from './SyncError.js';

/**
 * Raised when a lock or leadership could not be acquired within `acquireTimeout`.
 *
 * @example
 * ```ts
 * import { lock, LockTimeoutError } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * lock(createMemoryBackend(), 'jobs', { acquireTimeout: 500 }).subscribe({
 *   error: (error: unknown) => {
 *     if (error instanceof LockTimeoutError) console.log(`gave up on ${error.key}`);
 *   },
 * });
 * ```
 */
export class LockTimeoutError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_LOCK_TIMEOUT';
  readonly code = LockTimeoutError.code;
  override readonly name = 'LockTimeoutError';
  readonly transient = true;

  /**
   * @param key - The lock key or leadership group.
   * @param acquireTimeout - The timeout that ran out, in milliseconds.
   */
  constructor(
    readonly key: string,
    readonly acquireTimeout: number,
    options?: ErrorOptions,
  ) {
    super(
      `Could not acquire "${key}" within ${acquireTimeout} ms. Raise "acquireTimeout" or check who holds it.`,
      options,
    );
  }
}
