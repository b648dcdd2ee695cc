import type { Observable } from 'rxjs';
import { assertTaskBackend } from '../internal/taskArguments.js';
import { assertLongNameWithin, limitsOf } from '../internal/limits.js';
import type { TaskBackend } from '../taskBackend.js';

/**
 * Cancels a task by id: a queued task is removed from the queue, a running one is aborted (its
 * handler's `signal` with `TaskCancelledError`). Emits `true` when it was cancelled, `false` when
 * it had already finished or does not exist, then completes.
 *
 * @remarks
 * ```
 * cancelTask(b, id):  (t|)
 * submit(...):        q--s--#     #: TaskCancelledError for everyone following the task
 * ```
 * Unsubscribing from the {@link submit} that created a task does the same.
 *
 * @example
 * ```ts
 * import { cancelTask, submit } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * submit(backend, 'report', null).subscribe({
 *   next: (event) => { if (event.type === 'queued') cancelTask(backend, event.id).subscribe(console.log); },
 *   error: (error: unknown) => console.log(String(error)),
 * });
 * ```
 *
 * @param backend - Where the task queue lives.
 * @param id - The task id.
 * @returns A cold Observable of one boolean.
 * @throws TypeError, at call time, for a bad id.
 */
export function cancelTask(backend: TaskBackend, id: string): Observable<boolean> {
  assertTaskBackend(backend);
  assertLongNameWithin(limitsOf(backend), id, 'id');
  return backend.cancelTask(id);
}
