import { firstValueFrom, lastValueFrom, throwError, type Observable } from 'rxjs';
import { BackendUnavailableError, submit, task, type TaskBackend, type TaskRecord } from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';

/**
 * Regression: a submit whose following failed (a transient backend error while it read the task,
 * as during a failover) cancelled the task it had enqueued, so a resubmit with the same
 * idempotency key found it cancelled. A backend error ends the following, never the task.
 */
it('a backend error while following ends the submit, not the task: a resubmit with its key follows it', async () => {
  const memory = createMemoryBackend();
  let failReads = 1;
  const backend: TaskBackend = {
    ...memory,
    name: memory.name,
    readTask: (id: string): Observable<TaskRecord | undefined> =>
      failReads-- > 0 ? throwError(() => new BackendUnavailableError('memory', 'readTask')) : memory.readTask(id),
  };
  const options = { idempotencyKey: 'order-1' };
  await expect(lastValueFrom(submit(backend, 'job', 1, options))).rejects.toBeInstanceOf(BackendUnavailableError);

  const queued = await firstValueFrom(submit(backend, 'job', 1, options));
  expect(await firstValueFrom(task(backend, queued.id))).toMatchObject({ state: 'queued' });
});
