import type { Observable } from 'rxjs';
import type { TaskErrorInfo, TaskState } from '../taskBackend.js';

/**
 * One step in the life of a submitted task, as emitted by {@link submit}.
 *
 * @remarks
 * `queued` comes first (with the id), then for each attempt `started`, any `progress` values the
 * handler reports, and `retrying` when the attempt failed and another will run (never after a
 * `NonRetryableError`); `succeeded` carries the result and is the last value before completion.
 * Failure and cancellation are errors (`TaskFailedError`, `TaskCancelledError`), not events.
 *
 * Who sees what:
 * - The submitter of a task it created sees every event, in order, from `queued` on, on every
 *   backend: the backend follows the task before any worker can claim it.
 * - A submitter that found an existing task by its `idempotencyKey` comes late: it sees `queued`,
 *   then the state the task is in (the current attempt's `started`, or the outcome), then every
 *   event from there on. Earlier attempts and earlier `progress` values are not replayed.
 * - On Redis, events published while the pub/sub connection was down (a reconnect, a failover)
 *   are made up from the task's record once it is back, as for a late follower: `progress` values
 *   of that time are lost, and the attempts of that time are told by their last state (`started`
 *   of the attempt running now, or `retrying` with the last error); the outcome is never lost.
 *   That is what a follower needs to act on (where the task is, and how it ended), without keeping
 *   every event of every task on the server.
 *
 * @example
 * ```ts
 * import { submit, type TaskEvent } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * submit<number>(createMemoryBackend(), 'sum', [1, 2]).subscribe((event: TaskEvent<number>) => {
 *   if (event.type === 'succeeded') console.log(event.result);
 * });
 * ```
 */
export type TaskEvent<Result = unknown> =
  | { readonly type: 'queued'; readonly id: string }
  | { readonly type: 'started'; readonly id: string; readonly attempt: number; readonly worker: string }
  | { readonly type: 'progress'; readonly id: string; readonly attempt: number; readonly value: unknown }
  | {
      readonly type: 'retrying';
      readonly id: string;
      readonly attempt: number;
      readonly error: TaskErrorInfo;
      readonly delay: number;
    }
  | { readonly type: 'succeeded'; readonly id: string; readonly result: Result };

/**
 * What a handler gets besides its input: the attempt's identity, its abort signal and a way to
 * report progress.
 *
 * @remarks
 * A failed attempt is retried while attempts remain (`attempt` counts them); to fail the task at
 * once, throw a {@link NonRetryableError}.
 *
 * @example
 * ```ts
 * import type { TaskContext } from 'rx-sync';
 *
 * async function resize(input: { w: number }, context: TaskContext): Promise<string> {
 *   context.progress(50);
 *   if (context.signal.aborted) throw context.signal.reason;
 *   return `resized to ${input.w} (attempt ${context.attempt}, token ${context.token})`;
 * }
 * ```
 */
export interface TaskContext {
  /** The task id. */
  readonly id: string;
  /** The task name. */
  readonly name: string;
  /** The number of this attempt: 1 for the first run. */
  readonly attempt: number;
  /**
   * Fencing token of this attempt's claim: strictly greater than every earlier attempt's of this
   * task. Pass it to storage that should reject a stalled attempt's late writes.
   */
  readonly token: number;
  /**
   * Aborted when the attempt must stop: its `timeout` ran out (reason `TaskTimeoutError`), the
   * task was cancelled (`TaskCancelledError`), its lease was lost, or the worker stopped and the
   * grace period ran out.
   */
  readonly signal: AbortSignal;
  /**
   * Reports a progress value (a JSON value) to the submitter; ignored once the attempt is over.
   * A plain function: it may be destructured from the context.
   */
  readonly progress: (value: unknown) => void;
}

/**
 * A task handler: takes the input and returns the result as a value, a Promise or an Observable
 * (its last value). Throwing, rejecting or erroring fails the attempt, which is retried while
 * attempts remain; failing with a {@link NonRetryableError} fails the task at once.
 */
export type TaskHandler<Input = never, Result = unknown> = (
  input: Input,
  context: TaskContext,
) => Result | PromiseLike<Result> | Observable<Result>;

/**
 * Handlers by task name, as {@link worker} takes them. A handler that throws, rejects or errors
 * fails its attempt (retried while attempts remain); with a {@link NonRetryableError}, the task.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler has its own input type
export type TaskHandlers = Readonly<Record<string, TaskHandler<any, unknown>>>;

/** A task as {@link task} reads it: its record with input and result parsed. */
export interface TaskInfo {
  readonly id: string;
  readonly name: string;
  readonly state: TaskState;
  readonly input: unknown;
  /** The number of the current or last attempt; `0` before the first. */
  readonly attempt: number;
  /** The result, once `succeeded`. */
  readonly result?: unknown;
  /** The last attempt's error. */
  readonly error?: TaskErrorInfo;
  /** The worker running it or that ran the last attempt. */
  readonly worker?: string;
  readonly idempotencyKey?: string;
}

/**
 * What a worker did, as emitted by {@link worker}: an attempt `started`, `succeeded`, `failed`
 * (`retry` tells whether the backend will run it again: `false` on the last attempt and after a
 * `NonRetryableError`), or `abandoned` (cancelled, lease lost, or aborted when the worker stopped).
 */
export type WorkerEvent =
  | { readonly type: 'started'; readonly id: string; readonly name: string; readonly attempt: number }
  | { readonly type: 'succeeded'; readonly id: string; readonly name: string; readonly attempt: number }
  | {
      readonly type: 'failed';
      readonly id: string;
      readonly name: string;
      readonly attempt: number;
      readonly error: TaskErrorInfo;
      readonly retry: boolean;
    }
  | {
      readonly type: 'abandoned';
      readonly id: string;
      readonly name: string;
      readonly attempt: number;
      readonly reason: 'cancelled' | 'lease-lost' | 'stopped';
    };
