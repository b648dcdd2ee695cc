import { map, type Observable } from 'rxjs';
import { fromJson } from '../internal/json.js';
import { assertTaskBackend } from '../internal/taskArguments.js';
import { assertLongNameWithin, limitsOf } from '../internal/limits.js';
import type { TaskBackend } from '../taskBackend.js';
import type { TaskInfo } from './TaskEvent.js';

/**
 * Looks a task up by id: emits its {@link TaskInfo} (state, input, attempt, result or last error)
 * or `undefined` when there is no such task (never submitted, or its retention ran out), then
 * completes.
 *
 * @remarks
 * ```
 * task(b, id):  (i|)
 * ```
 * One read of the backend's record: a snapshot that replays nothing (the attempt counted so far,
 * the last worker and the last error; no earlier attempts, no progress values). To follow a task
 * as it runs, keep the stream {@link submit} returned; from elsewhere, submit again with the same
 * `idempotencyKey`, which follows the existing task as a late follower (see {@link TaskEvent}: its
 * current state, then every event). Errors with the backend's error when the backend fails.
 *
 * @example
 * ```ts
 * import { submit, task } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * submit(backend, 'report', { month: 5 }, { cancelOnUnsubscribe: false }).subscribe((event) => {
 *   if (event.type === 'queued') task(backend, event.id).subscribe((info) => console.log(info?.state));
 * });
 * ```
 *
 * @param backend - Where the task queue lives.
 * @param id - The task id (from the `queued` event).
 * @returns A cold Observable of one {@link TaskInfo} or `undefined`.
 * @throws TypeError, at call time, for a bad id.
 */
export function task(backend: TaskBackend, id: string): Observable<TaskInfo | undefined> {
  assertTaskBackend(backend);
  assertLongNameWithin(limitsOf(backend), id, 'id');
  return backend.readTask(id).pipe(
    map(
      (record) =>
        record && {
          id: record.id,
          name: record.name,
          state: record.state,
          input: fromJson(record.input),
          attempt: record.attempt,
          ...(record.result !== undefined && { result: fromJson(record.result) }),
          ...(record.error !== undefined && { error: record.error }),
          ...(record.worker !== undefined && { worker: record.worker }),
          ...(record.idempotencyKey !== undefined && { idempotencyKey: record.idempotencyKey }),
        },
    ),
  );
}
