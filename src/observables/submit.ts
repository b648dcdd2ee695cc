import {
  concat,
  defer,
  filter,
  finalize,
  of,
  share,
  switchMap,
  take,
  tap,
  throwError,
  throwIfEmpty,
  type Observable,
} from 'rxjs';
import { BackendClosedError } from '../errors/BackendClosedError.js';
import { UnknownTaskError } from '../errors/UnknownTaskError.js';
import { assertNameWithin, limitsOf, toJsonWithin } from '../internal/limits.js';
import { assertTaskBackend } from '../internal/taskArguments.js';
import type { TaskBackend, TaskRequest, TaskSubmission } from '../taskBackend.js';
import { followTask } from './followTask.js';
import type { TaskEvent } from './TaskEvent.js';
import { resolveSubmitOptions, type SubmitOptions, type SubmitSettings } from './submitOptions.js';

/**
 * Submits a task by name and follows its life, as an Observable: queued, started, progress,
 * retrying, then the result and completion.
 *
 * @remarks
 * ```
 * submit(b, 'resize', input):  q--s-p-p--r----s-p--(v|)   q: queued  s: started  p: progress
 *                                                         r: retrying  v: succeeded (result)
 * every attempt failed:        q--s---r----s---#          #: TaskFailedError (last cause)
 * NonRetryableError thrown:    q--s---#                   (no retry, whatever attempts remain)
 * ```
 * Subscribing enqueues the task (nothing is enqueued before); any worker that handles the name
 * claims it (see {@link worker}). The stream emits {@link TaskEvent}s and completes after
 * `succeeded`. It errors with `TaskFailedError` when the last attempt failed (its `lastError` is
 * that attempt's error: a `TaskTimeoutError` when it ran longer than `timeout`), or when an
 * attempt failed with a {@link NonRetryableError} (no `retrying` event; `attempts` is the number
 * of that attempt, `lastError.name` is `'NonRetryableError'`), with
 * `TaskCancelledError` when the task was cancelled, with `UnknownTaskError` when `knownTasks` is
 * given and lacks the name, with the backend's error when the backend fails, and with
 * `BackendClosedError` when the backend is closed before the task ended (the task goes on).
 * Unsubscribing before the end cancels the task (unless `cancelOnUnsubscribe` is `false`): removed when still
 * queued, aborted through its handler's `signal` when running. With an `idempotencyKey` that an
 * existing task has, nothing is enqueued and the stream follows that task (it emits `queued` with
 * its id, then catches up on its state), and unsubscribing does not cancel it.
 *
 * The input must be a JSON value (so it reaches a worker on another node unchanged): anything
 * else (`undefined` inside an object, a function, a `bigint`, `NaN`, a `Date`, a cycle) throws
 * `TypeError` at call time. A top-level `undefined` input is sent as `null`.
 *
 * @example
 * ```ts
 * import { submit, worker } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * const workers = worker(backend, { double: (n: number) => n * 2 }).subscribe();
 * submit<number>(backend, 'double', 21).subscribe({
 *   next: (event) => console.log(event.type, event.type === 'succeeded' ? event.result : ''),
 *   complete: () => workers.unsubscribe(),
 * });
 * ```
 *
 * @param backend - Where the task queue lives.
 * @param name - The task name: which handler runs it.
 * @param input - The handler's input: a JSON value.
 * @param options - Retries, timeout, idempotency, retention; see {@link SubmitOptions}.
 * @returns A cold Observable of the task's {@link TaskEvent}s.
 * @throws TypeError or RangeError, at call time, for a bad name, input or option.
 * @see {@link worker} to run tasks; {@link task} to look one up; {@link cancelTask}.
 */
export function submit<Result = unknown>(
  backend: TaskBackend,
  name: string,
  input?: unknown,
  options?: SubmitOptions,
): Observable<TaskEvent<Result>> {
  assertTaskBackend(backend);
  const limits = limitsOf(backend);
  assertNameWithin(limits, name, 'name');
  return submitWith(backend, name, input, resolveSubmitOptions(options, { caller: 'submit' }, limits));
}

/**
 * {@link submit} with its options already resolved (by `createTaskRunner`'s `run`, whose command
 * holds them), for a backend and name already checked; checks the input.
 */
export function submitWith<Result>(
  backend: TaskBackend,
  name: string,
  input: unknown,
  settings: SubmitSettings,
): Observable<TaskEvent<Result>> {
  const limits = limitsOf(backend);
  const request: TaskRequest = {
    name,
    input: toJsonWithin(limits, input === undefined ? null : input, 'input'),
    policy: settings.policy,
    retention: settings.retention,
    ...(settings.idempotencyKey !== undefined && { idempotencyKey: settings.idempotencyKey }),
  };
  return defer(() => {
    const { knownTasks } = settings;
    if (knownTasks && !knownTasks.includes(name)) return throwError(() => new UnknownTaskError(name, knownTasks));
    return followSubmission<Result>(backend, request, settings.cancelOnUnsubscribe);
  });
}

/**
 * Enqueues and follows the task. A task this call created is followed from its first event (the
 * backend listens before the task can be claimed), so every event arrives. An existing task (its
 * idempotency key) is caught up from its record first: `queued`, then the state it is in (the
 * current attempt's `started`, or its outcome), then its events from there on (see
 * {@link followTask}). Unsubscribing before the end cancels a task this call created, unless
 * `cancelOnUnsubscribe` is false; a backend error ends the following, not the task.
 */
function followSubmission<Result>(
  backend: TaskBackend,
  request: TaskRequest,
  cancelOnUnsubscribe: boolean,
): Observable<TaskEvent<Result>> {
  return defer(() => {
    let created: string | undefined; // the id of the task this subscription enqueued
    let ended = false; // the stream completed or errored: nothing to cancel
    const submission = backend.enqueueAndFollow(request).pipe(share());
    return submission.pipe(
      filter((signal): signal is Extract<TaskSubmission, { type: 'enqueued' }> => signal.type === 'enqueued'),
      take(1),
      // The backend stopped telling (it was closed) before it replied.
      throwIfEmpty(() => new BackendClosedError(backend.name, 'submit')),
      switchMap(({ id, created: isNew }) => {
        if (isNew) created = id;
        const queued: TaskEvent<Result> = { type: 'queued', id };
        return concat(of(queued), followTask<Result>(backend, id, request.name, submission, isNew));
      }),
      tap({ complete: () => (ended = true), error: () => (ended = true) }),
      finalize(() => {
        if (created !== undefined && cancelOnUnsubscribe && !ended) {
          backend.cancelTask(created).subscribe({ error: ignore });
        }
      }),
    );
  });
}

function ignore(): void {
  // A failed cancel leaves the task to run; its result is kept for its retention.
}
