import { SyncError } from './SyncError.js';

/**
 * Raised by a lock with `wait: false` when somebody else holds it.
 *
 * @example
 * ```ts
 * import { lock, LockBusyError } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * lock(createMemoryBackend(), 'jobs', { wait: false }).subscribe({
 *   error: (error: unknown) => {
 *     if (error instanceof LockBusyError) console.log(`${error.holder} holds ${error.key}`);
 *   },
 * });
 * ```
 */
export class LockBusyError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_LOCK_BUSY';
  readonly code = LockBusyError.code;
  override readonly name = 'LockBusyError';
  readonly transient = true;

  /**
   * @param key - The lock key.
   * @param holder - The public name of the current holder.
   * @param expiresIn - Milliseconds until the holder's lease lapses unless renewed.
   */
  constructor(
    readonly key: string,
    readonly holder: string,
    readonly expiresIn: number,
    options?: ErrorOptions,
  ) {
    super(
      `Lock "${key}" is held by "${holder}" (lease ends in ${expiresIn} ms unless renewed). Set "wait: true" to wait for it.`,
      options,
    );
  }
}
