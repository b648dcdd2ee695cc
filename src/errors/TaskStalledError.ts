import { SyncError } from './SyncError.js';

/**
 * The error of an attempt whose claim lapsed: its worker stopped renewing it (it crashed, hung, or
 * lost the backend), so the backend ended the attempt by itself and queued the task again, or failed
 * it on its last attempt. Backends store it by name (`lastError.name` of a `retrying` event or of a
 * {@link TaskFailedError}); a `TaskFailedError` whose last attempt stalled has one as its `cause`.
 *
 * @example
 * ```ts
 * import { submit, TaskFailedError, TaskStalledError } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * submit(createMemoryBackend(), 'resize', { w: 64 }).subscribe({
 *   error: (error: unknown) => {
 *     if (error instanceof TaskFailedError && error.cause instanceof TaskStalledError) console.log('its worker died');
 *   },
 * });
 * ```
 */
export class TaskStalledError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_TASK_STALLED';
  readonly code = TaskStalledError.code;
  override readonly name = 'TaskStalledError';
  readonly transient = true;

  /**
   * @param id - The task id.
   * @param task - The task name.
   * @param attempt - The attempt whose claim lapsed.
   */
  constructor(
    readonly id: string,
    readonly task: string,
    readonly attempt: number,
    options?: ErrorOptions,
  ) {
    super(
      `Attempt ${attempt} of task "${task}" (${id}) stalled: its worker stopped renewing its claim (it crashed, hung or lost the backend), so its lease lapsed. Raise the worker's "leaseDuration" if handlers block the event loop for longer.`,
      options,
    );
  }
}
