import type { Observable } from 'rxjs';
import type { BackendLimits } from './limits.js';

/**
 * How a task is retried and bounded, fixed at submit time and stored with the task, so that any
 * worker that claims it applies the same rules.
 */
export interface TaskPolicy {
  /** How many attempts in all (the first run included); `1` means no retry. */
  readonly attempts: number;
  /** Delay before the first retry, in ms; it doubles with every further retry up to `maxRetryDelay`. */
  readonly retryDelay: number;
  /** Longest delay between two attempts, in ms. */
  readonly maxRetryDelay: number;
  /** Fraction of each retry delay taken off at random (0 to 1). */
  readonly retryJitter: number;
  /** How long one attempt may run before its handler is aborted, in ms; `Infinity` for no limit. */
  readonly timeout: number;
}

/** What a submitter asks the backend to store. Input and result travel as JSON text. */
export interface TaskRequest {
  /** The handler name workers register. */
  readonly name: string;
  /** The input, as JSON text. */
  readonly input: string;
  readonly policy: TaskPolicy;
  /**
   * When set and a task of the same name with this key exists (queued, running or retained after
   * it finished), nothing is enqueued and that task's id is returned with `created: false`. Keys
   * are per task name.
   */
  readonly idempotencyKey?: string;
  /** How long the record (and its idempotency key) is kept after the task finished, in ms. */
  readonly retention: number;
}

/** The reply to {@link TaskBackend.enqueue}. */
export interface Enqueued {
  readonly id: string;
  /** `false` when the idempotency key named an existing task, whose id this is. */
  readonly created: boolean;
}

/**
 * What {@link TaskBackend.enqueueAndFollow} emits: first the enqueue's reply (`enqueued`), then the
 * task's events.
 */
export type TaskSubmission = ({ readonly type: 'enqueued' } & Enqueued) | TaskBackendEvent;

/** Where a task is in its life. `queued` includes a task waiting for its retry delay. */
export type TaskState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** An error as the backend stores it: plain data that survives JSON. */
export interface TaskErrorInfo {
  /** The error's `name` (`TypeError`, `TaskTimeoutError`, …). */
  readonly name: string;
  readonly message: string;
}

/** One task, as the backend stores it. */
export interface TaskRecord {
  readonly id: string;
  readonly name: string;
  /** The input, as JSON text. */
  readonly input: string;
  readonly state: TaskState;
  readonly policy: TaskPolicy;
  /** Attempts claimed so far (the number of the current or last attempt); `0` before the first. */
  readonly attempt: number;
  /** Public name of the worker running it (state `running`) or that ran the last attempt. */
  readonly worker?: string;
  /** The result, as JSON text, once `succeeded` (absent when the handler returned `undefined`). */
  readonly result?: string;
  /** The last attempt's error (after a failed attempt, and when `failed`). */
  readonly error?: TaskErrorInfo;
  /** Sequence number of the last event of this task: events with a higher `seq` are newer than this record. */
  readonly seq: number;
  readonly idempotencyKey?: string;
}

/** A task handed to a worker by {@link TaskBackend.claim}. */
export interface TaskClaim {
  readonly id: string;
  readonly name: string;
  /** The input, as JSON text. */
  readonly input: string;
  readonly policy: TaskPolicy;
  /** The number of this attempt: 1 for the first run. */
  readonly attempt: number;
  /**
   * Fencing token of this claim: strictly greater than every earlier claim's of the same task,
   * and the proof of ownership that renew, progress, complete and fail check.
   */
  readonly token: number;
}

/** What a worker asks {@link TaskBackend.claim} for, as one value. */
export interface ClaimRequest {
  readonly worker: string;
  readonly names: readonly string[];
  readonly leaseDuration: number;
  readonly limit: number;
}

/** One success that {@link TaskBackend.completeTasks} reports, as {@link TaskBackend.completeTask} would. */
export interface TaskCompletion {
  readonly id: string;
  /** The claim's fencing token. */
  readonly token: number;
  /** The result, as JSON text, or none. */
  readonly result: string | undefined;
}

/** The reply of {@link TaskBackend.completeTasks}. */
export interface CompletedTasks {
  /** For each completion, in order: whether it was still the running claim, and is now succeeded. */
  readonly completed: readonly boolean[];
  /**
   * The claims of `next`, made in the same step; absent when there was no `next` or the backend
   * could not claim in this step (then the worker claims as usual).
   */
  readonly claims?: readonly TaskClaim[];
}

/**
 * Something that happened to one task, pushed to everyone watching it. `seq` grows by one with
 * every event of the task (a Redis Streams entry id plays that part there).
 */
export type TaskBackendEvent =
  | { readonly type: 'queued'; readonly id: string; readonly seq: number }
  | {
      readonly type: 'started';
      readonly id: string;
      readonly seq: number;
      readonly attempt: number;
      readonly worker: string;
    }
  | {
      readonly type: 'progress';
      readonly id: string;
      readonly seq: number;
      readonly attempt: number;
      /** The progress value, as JSON text. */
      readonly value: string;
    }
  | {
      /** An attempt failed or its lease lapsed, and another attempt will run after `delay` ms. */
      readonly type: 'retrying';
      readonly id: string;
      readonly seq: number;
      readonly attempt: number;
      readonly error: TaskErrorInfo;
      readonly delay: number;
    }
  | { readonly type: 'succeeded'; readonly id: string; readonly seq: number; readonly result?: string }
  | {
      readonly type: 'failed';
      readonly id: string;
      readonly seq: number;
      readonly attempt: number;
      readonly error: TaskErrorInfo;
    }
  | { readonly type: 'cancelled'; readonly id: string; readonly seq: number };

/**
 * The contract a backend implements to run tasks: small, atomic and cold operations, in the
 * manner of {@link SyncBackend}, kept apart from it so a backend may support locks, leadership
 * and the store without tasks.
 *
 * @remarks
 * Every method returns a cold Observable that emits one reply and completes (`enqueueAndFollow`,
 * `taskEvents` and `taskSignals` stay open). The retry policy is data in the record; the backend only carries out
 * what a worker decides (`failTask` with or without a retry delay), except in one place: the
 * backend lets a claim lapse when its lease is not renewed, and then, by itself, queues the task
 * again (event `retrying`, delay 0) when attempts remain, or fails it (error name
 * `TaskStalledError`). That is the stalled-task recovery, and it uses the backend's clock only.
 * Owner-checked calls take the claim's `token`: a call with a token that is not the current
 * claim's replies `false` and changes nothing, so a stalled worker that wakes up can never
 * complete, fail or report progress for an attempt that is no longer its own. A task id is never
 * running on two live claims: a claim is only handed out when the previous one ended or lapsed.
 *
 * Two implementations: the memory backend (an in-process queue on RxJS timers) and the Redis
 * backend (Lua scripts over sorted sets per task name, events by pub/sub; see `rx-sync/redis`).
 *
 * @example
 * ```ts
 * import { createMemoryBackend } from 'rx-sync/memory';
 * import type { TaskBackend } from 'rx-sync';
 *
 * const backend: TaskBackend = createMemoryBackend();
 * const policy = { attempts: 1, retryDelay: 100, maxRetryDelay: 100, retryJitter: 0, timeout: Infinity };
 * backend.enqueue({ name: 'resize', input: '{"w":64}', policy, retention: 60_000 }).subscribe(({ id }) => console.log(id));
 * ```
 */
export interface TaskBackend {
  /** Short name for errors and logs: `memory`, `redis`. */
  readonly name: string;
  /**
   * What this backend accepts (name length, value size, lease bounds): rx-sync's functions check
   * their arguments against it at call time. A backend without it gets `DEFAULT_BACKEND_LIMITS`.
   */
  readonly limits?: BackendLimits;

  /** Stores a new queued task (or finds the one with the same idempotency key); signals idle workers. */
  enqueue(request: TaskRequest): Observable<Enqueued>;
  /**
   * {@link TaskBackend.enqueue} and {@link TaskBackend.taskEvents} in one subscription, so that a
   * submitter misses nothing of its task: emits `enqueued` (the reply) first, then the task's events,
   * and stays open. For a task it created, the backend follows before the task can be claimed, so
   * every event from `queued` (seq 1) on arrives, however fast a worker is; for an existing task
   * (its idempotency key), events from subscription on, as `taskEvents` gives them.
   */
  enqueueAndFollow(request: TaskRequest): Observable<TaskSubmission>;
  /**
   * Hands up to `request.limit` due queued tasks whose name is in `request.names` to
   * `request.worker`, oldest first, each with a lease of `request.leaseDuration` ms, a fresh token
   * and its attempt counted; emits `[]` when none is due. Publishes `started` for each.
   */
  claim(request: ClaimRequest): Observable<readonly TaskClaim[]>;
  /** Extends the claim's lease if `token` is still the running claim; `false` when it is not. */
  renewTask(id: string, token: number, leaseDuration: number): Observable<boolean>;
  /** Publishes a progress value (JSON text) if `token` is still the running claim. */
  reportProgress(id: string, token: number, value: string): Observable<boolean>;
  /** Marks the task succeeded with its result (JSON text, or none), if `token` is the running claim; starts retention. */
  completeTask(id: string, token: number, result: string | undefined): Observable<boolean>;
  /**
   * Optional fast path of a busy worker: {@link TaskBackend.completeTask} for each of
   * `completions` (each token-checked on its own: `completed[i]` tells of `completions[i]`), then,
   * with `next`, {@link TaskBackend.claim}, as one step (one round trip on a remote backend). A
   * backend that cannot do both at once (for `next.names` it cannot reach in the same step)
   * completes only, and replies without `claims`.
   */
  completeTasks?(completions: readonly TaskCompletion[], next: ClaimRequest | undefined): Observable<CompletedTasks>;
  /**
   * Ends the attempt of `token` with `error`: queued again after `retryDelay` ms (at the end of the
   * line; with `0`, handed back in its first place, as a lapsed claim is), or failed for good when
   * `retryDelay` is `undefined` (then retention starts). `false` when `token` is not the running claim.
   */
  failTask(id: string, token: number, error: TaskErrorInfo, retryDelay: number | undefined): Observable<boolean>;
  /**
   * Cancels a task that has not finished: a queued one will never run, a running one's claim ends
   * (its worker sees `cancelled` and its next renew fails). `false` when it had already finished
   * or does not exist.
   */
  cancelTask(id: string): Observable<boolean>;
  /** The task's record, or `undefined` (never existed, or retention ran out). */
  readTask(id: string): Observable<TaskRecord | undefined>;
  /** Every event of the task from subscription on. */
  taskEvents(id: string): Observable<TaskBackendEvent>;
  /**
   * Signals, from subscription on, that a task named in `names` may have become claimable (enqueued,
   * retry due, lease lapsed), so idle workers claim at once; workers poll as well.
   */
  taskSignals(names: readonly string[]): Observable<void>;
}
