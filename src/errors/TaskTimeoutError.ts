import { SyncError } from './SyncError.js';

/**
 * The `reason` a handler's `signal` is aborted with when its attempt runs longer than the task's
 * `timeout`; the attempt fails with it (and is retried when attempts remain), so it is also the
 * `lastError` of a {@link TaskFailedError} whose last attempt timed out.
 *
 * @example
 * ```ts
 * import { TaskTimeoutError } from 'rx-sync';
 *
 * const error = new TaskTimeoutError('task-1', 'resize', 5_000);
 * console.log(error.transient, error.message);
 * ```
 */
export class TaskTimeoutError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_TASK_TIMEOUT';
  readonly code = TaskTimeoutError.code;
  override readonly name = 'TaskTimeoutError';
  readonly transient = true;

  /**
   * @param id - The task id.
   * @param task - The task name.
   * @param timeout - The per-attempt timeout that ran out, in ms.
   */
  constructor(
    readonly id: string,
    readonly task: string,
    readonly timeout: number,
    options?: ErrorOptions,
  ) {
    super(
      `Task "${task}" (${id}) ran longer than ${timeout} ms and was aborted. Raise "timeout" if it needs more.`,
      options,
    );
  }
}
