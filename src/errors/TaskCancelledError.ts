import { SyncError } from './SyncError.js';

/**
 * Raised by {@link submit} when the task was cancelled ({@link cancelTask}) before it finished;
 * and the `reason` of a running handler's `signal` when it is cancelled.
 *
 * @example
 * ```ts
 * import { cancelTask, submit, TaskCancelledError } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * submit(backend, 'report', null).subscribe({
 *   next: (event) => { if (event.type === 'queued') cancelTask(backend, event.id).subscribe(); },
 *   error: (error: unknown) => console.log(error instanceof TaskCancelledError),
 * });
 * ```
 */
export class TaskCancelledError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_TASK_CANCELLED';
  readonly code = TaskCancelledError.code;
  override readonly name = 'TaskCancelledError';
  readonly transient = false;

  /**
   * @param id - The task id.
   * @param task - The task name.
   */
  constructor(
    readonly id: string,
    readonly task: string,
    options?: ErrorOptions,
  ) {
    super(`Task "${task}" (${id}) was cancelled.`, options);
  }
}
