import { SyncError } from './SyncError.js';

/**
 * Thrown by a task handler (not by rx-sync) to fail the task at once: the worker does not retry
 * it, whatever attempts remain, and {@link submit} errors with a {@link TaskFailedError} whose
 * `lastError` is `{ name: 'NonRetryableError', message }` and whose `attempts` is the attempt that
 * threw. The counterpart of BullMQ's `UnrecoverableError` and p-retry's `AbortError`.
 *
 * @remarks
 * A handler may throw it, reject with it, or error its Observable with it. The worker recognises
 * it with `instanceof`, which holds for one made by another copy of rx-sync too (see
 * {@link SyncError}), and by its `name`: any thrown object whose `name` is `'NonRetryableError'`
 * (one made by hand, or by a version of rx-sync without error brands) fails the task at once. The
 * message is stored as written (a `cause` is not appended, and not stored). A `TaskTimeoutError`
 * stays retryable.
 *
 * @example
 * ```ts
 * import { NonRetryableError, submit, TaskFailedError, worker } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * const pool = worker(backend, {
 *   resize: (input: { w: number }) => {
 *     if (input.w <= 0) throw new NonRetryableError(`Width must be positive, got ${input.w}.`);
 *     return `resized to ${input.w}`;
 *   },
 * }).subscribe();
 * submit(backend, 'resize', { w: -1 }, { attempts: 3 }).subscribe({
 *   error: (error: unknown) => {
 *     if (error instanceof TaskFailedError) console.log(error.attempts, error.lastError.name); // 1 NonRetryableError
 *     pool.unsubscribe();
 *   },
 * });
 * ```
 */
export class NonRetryableError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_NON_RETRYABLE';
  readonly code = NonRetryableError.code;
  override readonly name = 'NonRetryableError';
  readonly transient = false;

  /**
   * @param message - Why the task cannot succeed; stored as the task's error message.
   * @param options - `cause`: the underlying error, kept on this object (not sent to the submitter).
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
