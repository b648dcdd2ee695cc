import { SyncError } from './SyncError.js';

/**
 * Raised by {@link submit} (on `error`, before anything is enqueued) when `knownTasks` is given and
 * does not include the task name; {@link createTaskRunner} passes its own handlers' names.
 *
 * @example
 * ```ts
 * import { submit, UnknownTaskError } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * submit(createMemoryBackend(), 'resise', null, { knownTasks: ['resize'] }).subscribe({
 *   error: (error: unknown) => { if (error instanceof UnknownTaskError) console.log(error.message); },
 * });
 * ```
 */
export class UnknownTaskError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_UNKNOWN_TASK';
  readonly code = UnknownTaskError.code;
  override readonly name = 'UnknownTaskError';
  readonly transient = false;

  /**
   * @param task - The task name that was submitted.
   * @param knownTasks - The names that are known.
   */
  constructor(
    readonly task: string,
    readonly knownTasks: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      `No handler is known for task "${task}" (known: ${knownTasks.map((name) => `"${name}"`).join(', ') || 'none'}). Check the name, or register a handler in a worker and list it in "knownTasks".`,
      options,
    );
  }
}
