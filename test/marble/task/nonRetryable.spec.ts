import { lastValueFrom, map, tap, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  NonRetryableError,
  submit,
  task,
  TaskFailedError,
  worker,
  type TaskContext,
  type TaskEvent,
  type WorkerEvent,
} from 'rx-sync';
import { createTestBackend } from 'rx-sync/testing';
import { CLEAN } from '../../support/marbleHelpers';
import { RETRY_TIMING, WORKER_TIMING } from './taskHelpers';

const W = { ...WORKER_TIMING, name: 'w' };
const queued: TaskEvent = { type: 'queued', id: 'task-1' };
const started = (attempt: number): TaskEvent => ({ type: 'started', id: 'task-1', attempt, worker: 'w' });
const workerStarted = (attempt: number): WorkerEvent => ({ type: 'started', id: 'task-1', name: 'job', attempt });
const workerFailed = (attempt: number, error: { name: string; message: string }, retry: boolean): WorkerEvent => ({
  type: 'failed',
  id: 'task-1',
  name: 'job',
  attempt,
  error,
  retry,
});

/** An error class of the same name from "another copy" of rx-sync: not `instanceof` ours. */
class ForeignNonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
}

describe('NonRetryableError in a task handler', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('fails the task at its first attempt of 3 when thrown: no retrying, the message as written', () => {
    const backend = createTestBackend();
    const stored = { name: 'NonRetryableError', message: 'Width must be positive.' };
    let calls = 0;
    let failure: unknown;
    scheduler.run(({ expectObservable }) => {
      const job = (): string => {
        calls++;
        throw new NonRetryableError('Width must be positive.', { cause: new Error('w = -1') });
      };
      expectObservable(worker(backend, { job }, W), '--^ 10ms !').toBe('--(sf)', {
        s: workerStarted(1),
        f: workerFailed(1, stored, false),
      });
      const followed = submit(backend, 'job', null, { ...RETRY_TIMING, attempts: 3 }).pipe(
        tap({ error: (error: unknown) => (failure = error) }),
      );
      expectObservable(followed).toBe(
        'q-(s#)',
        { q: queued, s: started(1) },
        new TaskFailedError('task-1', 'job', 1, stored),
      );
      expectObservable(
        task(backend, 'task-1').pipe(
          map((info) => info && { state: info.state, attempt: info.attempt, error: info.error }),
        ),
        '------^',
      ).toBe('------(i|)', { i: { state: 'failed', attempt: 1, error: stored } });
    });
    expect(calls).toBe(1);
    expect(failure).toBeInstanceOf(TaskFailedError);
    expect(failure).toMatchObject({ attempts: 1, lastError: stored });
    expect((failure as TaskFailedError).message).toBe(
      'Task "job" (task-1) failed after 1 attempt: NonRetryableError: Width must be positive. The handler marked it as not retryable.',
    );
    expect(backend.inspect()).toEqual(CLEAN);
    expect(backend.tasksRunning()).toBe(0);
  });

  it('fails the task at once when the handler’s Observable errors with it, and subscribes to it once', () => {
    const backend = createTestBackend();
    const stored = { name: 'NonRetryableError', message: 'bad input' };
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const output = cold('--#', undefined, new NonRetryableError('bad input'));
      expectObservable(worker(backend, { job: () => output }, W), '--^ 20ms !').toBe('--s-f', {
        s: workerStarted(1),
        f: workerFailed(1, stored, false),
      });
      expectObservable(submit(backend, 'job', null, { ...RETRY_TIMING, attempts: 3 })).toBe(
        'q-s-#',
        { q: queued, s: started(1) },
        new TaskFailedError('task-1', 'job', 1, stored),
      );
      expectSubscriptions(output.subscriptions).toBe('--^-!');
    });
    expect(backend.tasksRunning()).toBe(0);
  });

  it.each([
    {
      kind: 'a plain object { name }',
      thrown: { name: 'NonRetryableError' },
      stored: { name: 'NonRetryableError', message: '{"name":"NonRetryableError"}' },
    },
    {
      kind: 'a plain object { name, message }',
      thrown: { name: 'NonRetryableError', message: 'from elsewhere' },
      stored: { name: 'NonRetryableError', message: 'from elsewhere' },
    },
    {
      kind: 'an Error of another copy of rx-sync',
      thrown: new ForeignNonRetryableError('from another copy'),
      stored: { name: 'NonRetryableError', message: 'from another copy' },
    },
  ])('recognises $kind by its name', ({ thrown, stored }) => {
    const backend = createTestBackend();
    let calls = 0;
    scheduler.run(({ expectObservable }) => {
      const job = (): string => {
        calls++;
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what another copy or a plain object throws
        throw thrown;
      };
      expectObservable(worker(backend, { job }, W), '--^ 10ms !').toBe('--(sf)', {
        s: workerStarted(1),
        f: workerFailed(1, stored, false),
      });
      expectObservable(submit(backend, 'job', null, { ...RETRY_TIMING, attempts: 3 })).toBe(
        'q-(s#)',
        { q: queued, s: started(1) },
        new TaskFailedError('task-1', 'job', 1, stored),
      );
    });
    expect(calls).toBe(1);
  });

  it('still retries a plain Error, and stops at the attempt that throws NonRetryableError', () => {
    const backend = createTestBackend();
    const boom = { name: 'Error', message: 'boom' };
    const stored = { name: 'NonRetryableError', message: 'gone for good' };
    let failure: unknown;
    scheduler.run(({ expectObservable }) => {
      const job = (_: null, { attempt }: TaskContext): string => {
        throw attempt === 1 ? new Error('boom') : new NonRetryableError('gone for good');
      };
      // Attempt 1 fails at 2 and is retried after 4 frames; attempt 2 fails at 6: no attempt 3.
      expectObservable(worker(backend, { job }, W), '--^ 20ms !').toBe('--(sf)(tg)', {
        s: workerStarted(1),
        f: workerFailed(1, boom, true),
        t: workerStarted(2),
        g: workerFailed(2, stored, false),
      });
      const followed = submit(backend, 'job', null, { ...RETRY_TIMING, attempts: 3 }).pipe(
        tap({ error: (error: unknown) => (failure = error) }),
      );
      expectObservable(followed).toBe(
        'q-(sr)(t#)',
        {
          q: queued,
          s: started(1),
          r: { type: 'retrying', id: 'task-1', attempt: 1, error: boom, delay: 4 },
          t: started(2),
        },
        new TaskFailedError('task-1', 'job', 2, stored),
      );
    });
    expect(failure).toMatchObject({ attempts: 2, lastError: stored });
  });

  it('retries a plain Error on every attempt, as before', () => {
    const backend = createTestBackend();
    const boom = { name: 'Error', message: 'boom' };
    scheduler.run(({ expectObservable }) => {
      const job = (): string => {
        throw new Error('boom');
      };
      expectObservable(
        worker(backend, { job }, W).pipe(map((event) => (event.type === 'failed' ? event.retry : event.type))),
        '--^ 30ms !',
      ).toBe('--(st)(st)----(sf)', { s: 'started', t: true, f: false });
      expectObservable(
        submit(backend, 'job', null, { ...RETRY_TIMING, attempts: 3 }).pipe(map((event) => event.type)),
      ).toBe(
        'q-(sr)(sr)----(s#)',
        { q: 'queued', s: 'started', r: 'retrying' },
        new TaskFailedError('task-1', 'job', 3, boom),
      );
    });
  });
});

describe('NonRetryableError from a Promise (real time: marbles cannot see Promise rejections)', () => {
  it('fails the task at its first attempt when the handler’s Promise rejects with it', async () => {
    const backend = createTestBackend();
    const stored = { name: 'NonRetryableError', message: 'rejected for good' };
    let calls = 0;
    const events: WorkerEvent[] = [];
    const pool = worker(
      backend,
      {
        job: async (): Promise<string> => {
          calls++;
          await Promise.resolve();
          throw new NonRetryableError('rejected for good');
        },
      },
      { name: 'w' },
    ).subscribe((event) => events.push(event));
    try {
      const followed = lastValueFrom(
        submit(backend, 'job', null, { attempts: 3, retryDelay: 1, retryJitter: 0 }).pipe(
          map((event) => event.type),
          toArray(),
        ),
      );
      await expect(followed).rejects.toBeInstanceOf(TaskFailedError);
      await expect(followed).rejects.toMatchObject({ attempts: 1, lastError: stored });
    } finally {
      pool.unsubscribe();
    }
    expect(calls).toBe(1);
    expect(events).toEqual([workerStarted(1), workerFailed(1, stored, false)]);
    expect(backend.tasksRunning()).toBe(0);
  });
});
