import type { TaskErrorInfo } from '../taskBackend.js';

/**
 * The errors rx-sync itself stores for tasks (a `retrying` event's `error`, a `TaskFailedError`'s
 * `lastError`), by name. Backends store them as data; the README's "Errors" lists them.
 */
export const STORED_ERRORS = Object.freeze({
  /** An attempt's claim lapsed (its worker stopped renewing it); the class `TaskStalledError`. */
  stalled: (attempt: number): TaskErrorInfo => ({
    name: 'TaskStalledError',
    message: `The lease of attempt ${attempt} lapsed.`,
  }),
  /** A claim reached its worker too late to be used, and was handed back. */
  lateClaim: Object.freeze<TaskErrorInfo>({
    name: 'TaskStalledError',
    message: 'The claim reached its worker too late to be used: its lease could no longer be relied on.',
  }),
  /** The worker stopped before the attempt started. */
  stoppedBeforeStart: Object.freeze<TaskErrorInfo>({
    name: 'WorkerStoppedError',
    message: 'The worker stopped before it could start the task.',
  }),
  /** The worker stopped and the attempt's grace period ran out. */
  stoppedInGrace: Object.freeze<TaskErrorInfo>({
    name: 'WorkerStoppedError',
    message: 'The worker stopped and its grace period ran out.',
  }),
  /** The task's record is gone: it will never end by itself. */
  notFound: Object.freeze<TaskErrorInfo>({
    name: 'TaskNotFoundError',
    message: 'The task record is gone: its retention ran out, or it was lost with the data (a restart or failover).',
  }),
});
