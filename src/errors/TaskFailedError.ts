import type { TaskErrorInfo } from '../taskBackend.js';
import { SyncError } from './SyncError.js';
import { TaskStalledError } from './TaskStalledError.js';

/**
 * Raised by {@link submit} when every attempt of a task failed, or when an attempt failed with a
 * {@link NonRetryableError} (then `attempts` is that attempt's number); `lastError` is the last
 * attempt's error, as the worker (or the backend) stored it, and `cause` the same as an `Error`: a
 * {@link TaskStalledError} when its claim lapsed.
 *
 * @example
 * ```ts
 * import { submit, TaskFailedError } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * submit(createMemoryBackend(), 'resize', { w: 64 }, { attempts: 3 }).subscribe({
 *   error: (error: unknown) => {
 *     if (error instanceof TaskFailedError) console.log(`${error.attempts} attempts: ${error.lastError.message}`);
 *   },
 * });
 * ```
 */
export class TaskFailedError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_TASK_FAILED';
  readonly code = TaskFailedError.code;
  override readonly name = 'TaskFailedError';
  readonly transient = false;

  /**
   * @param id - The task id.
   * @param task - The task name.
   * @param attempts - How many attempts ran.
   * @param lastError - The last attempt's error.
   */
  constructor(
    readonly id: string,
    readonly task: string,
    readonly attempts: number,
    readonly lastError: TaskErrorInfo,
    options?: ErrorOptions,
  ) {
    super(
      `Task "${task}" (${id}) failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lastError.name}: ${lastError.message.replace(/\.$/, '')}. ${adviceText(lastError)}`,
      { cause: causeOf(id, task, attempts, lastError), ...options },
    );
  }
}

/** The last attempt's error as an `Error`: a {@link TaskStalledError} when it stalled, else one of that name and message. */
function causeOf(id: string, task: string, attempt: number, lastError: TaskErrorInfo): Error {
  if (lastError.name === 'TaskStalledError') return new TaskStalledError(id, task, attempt);
  return Object.assign(new Error(lastError.message), { name: lastError.name });
}

/** What to do: more attempts, unless the handler said a retry cannot help. */
function adviceText(lastError: TaskErrorInfo): string {
  return lastError.name === 'NonRetryableError'
    ? 'The handler marked it as not retryable.'
    : 'Raise "attempts" to retry more.';
}
