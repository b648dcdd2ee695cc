import { createTaskRunner, submit, TaskFailedError, UnknownTaskError, type TaskContext } from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';
import { createTestBackend } from 'rx-sync/testing';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('createTaskRunner', () => {
  it('runs a command in its local pool and resolves with the result (go-sync task.Run)', async () => {
    const backend = createTestBackend();
    const runner = createTaskRunner(backend, {
      handlers: {
        add: async (input: { a: number; b: number }, context: TaskContext) => {
          context.progress('adding');
          await sleep(5);
          return input.a + input.b;
        },
      },
      concurrency: 4,
    });
    const sums = await Promise.all([1, 2, 3].map((a) => runner.run<number>({ name: 'add', input: { a, b: 10 } })));
    expect(sums).toEqual([11, 12, 13]);
    const info = await runner.get('task-1');
    expect(info).toMatchObject({ id: 'task-1', name: 'add', state: 'succeeded', input: { a: 1, b: 10 }, result: 11 });
    await runner.close();
    await expect(runner.run({ name: 'add', input: { a: 1, b: 1 } })).rejects.toThrow('closed');
    expect(backend.inspect()).toEqual({ leasesHeld: 0, watchers: 0 });
  });

  it('close() resolves once the running tasks have finished and been reported, and resolves at once without a pool', async () => {
    const backend = createTestBackend();
    let release: () => void = () => undefined;
    const runner = createTaskRunner(backend, {
      handlers: { slow: () => new Promise<string>((resolve) => (release = () => resolve('finished'))) },
    });
    const result = runner.run<string>({ name: 'slow', input: null });
    while (backend.tasksRunning() === 0) await sleep(1);
    let closed = false;
    const closing = runner.close().then(() => (closed = true));
    await sleep(20);
    expect(closed).toBe(false); // the task still runs
    release();
    await closing;
    expect(await result).toBe('finished');
    expect(await runner.get('task-1')).toMatchObject({ state: 'succeeded' });
    expect(backend.inspect()).toEqual({ leasesHeld: 0, watchers: 0 });
    await createTaskRunner(backend).close(); // no handlers, no pool
  });

  it('rejects with UnknownTaskError for a name none of its handlers has, and with TaskFailedError after the last attempt', async () => {
    const runner = createTaskRunner(createMemoryBackend(), {
      handlers: {
        broken: () => {
          throw new RangeError('out of range');
        },
      },
    });
    await expect(runner.run({ name: 'brokn' })).rejects.toBeInstanceOf(UnknownTaskError);
    const failure = runner.run({ name: 'broken', attempts: 2, retryDelay: 1, retryJitter: 0 });
    await expect(failure).rejects.toBeInstanceOf(TaskFailedError);
    await expect(failure).rejects.toMatchObject({
      attempts: 2,
      lastError: { name: 'RangeError', message: 'out of range' },
    });
    await runner.close();
  });

  it('aborts a handler at its timeout through the signal (real time)', async () => {
    const reasons: string[] = [];
    const runner = createTaskRunner(createMemoryBackend(), {
      handlers: {
        slow: (_: null, { signal }: TaskContext) =>
          new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => resolve('late'), 1_000);
            signal.addEventListener('abort', () => {
              clearTimeout(timer);
              reasons.push((signal.reason as Error).name);
              reject(signal.reason as Error);
            });
          }),
      },
    });
    await expect(runner.run({ name: 'slow', timeout: 20, attempts: 1 })).rejects.toMatchObject({
      name: 'TaskFailedError',
      lastError: { name: 'TaskTimeoutError' },
    });
    expect(reasons).toEqual(['TaskTimeoutError']);
    await runner.close();
  });

  it('cancels by id', async () => {
    const backend = createMemoryBackend();
    const runner = createTaskRunner(backend);
    const events = submit(backend, 'nobody-runs-this', null, { cancelOnUnsubscribe: false }).subscribe({
      error: () => undefined,
    });
    expect(await runner.cancel('task-1')).toBe(true);
    expect(await runner.cancel('task-1')).toBe(false);
    expect((await runner.get('task-1'))?.state).toBe('cancelled');
    events.unsubscribe();
    await runner.close();
  });

  it('throws at call time for bad options and commands', () => {
    const backend = createMemoryBackend();
    expect(() => createTaskRunner(backend, { concurrency: 0 })).toThrow(RangeError);
    expect(() => createTaskRunner(backend, { handlers: { a: 1 } as never })).toThrow(TypeError);
    const runner = createTaskRunner(backend);
    expect(() => runner.run({ name: '' })).toThrow(TypeError);
    expect(() => runner.run({ name: 'a', input: () => 1 })).toThrow(TypeError);
    expect(() => runner.run({ name: 'a', attempts: 0 })).toThrow(RangeError);
  });
});
