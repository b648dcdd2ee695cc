import { concat, firstValueFrom, lastValueFrom, take, throwError, type Observable } from 'rxjs';
import {
  BackendUnavailableError,
  submit,
  task,
  type TaskBackend,
  type TaskRequest,
  type TaskSubmission,
} from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';

/**
 * Regression: a submit whose following failed (a transient backend error after the enqueue, as
 * during a failover) cancelled the task it had enqueued, so a resubmit with the same idempotency
 * key found it cancelled. A backend error ends the following, never the task.
 */
it('a backend error while following ends the submit, not the task: a resubmit with its key follows it', async () => {
  const memory = createMemoryBackend();
  let failFollowing = 1;
  const backend: TaskBackend = {
    ...memory,
    name: memory.name,
    enqueueAndFollow: (request: TaskRequest): Observable<TaskSubmission> =>
      failFollowing-- > 0
        ? concat(
            memory.enqueueAndFollow(request).pipe(take(1)), // the reply, then the following breaks
            throwError(() => new BackendUnavailableError('memory', 'taskEvents')),
          )
        : memory.enqueueAndFollow(request),
  };
  const options = { idempotencyKey: 'order-1' };
  await expect(lastValueFrom(submit(backend, 'job', 1, options))).rejects.toBeInstanceOf(BackendUnavailableError);

  const queued = await firstValueFrom(submit(backend, 'job', 1, options));
  expect(await firstValueFrom(task(backend, queued.id))).toMatchObject({ state: 'queued' });
});
