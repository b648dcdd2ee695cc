import { filter, map, NEVER, tap, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  cancelTask,
  submit,
  task,
  TaskCancelledError,
  TaskFailedError,
  UnknownTaskError,
  worker,
  type TaskContext,
  type TaskEvent,
} from 'rx-sync';
import { createTestBackend } from 'rx-sync/testing';
import { CLEAN } from '../../support/marbleHelpers';
import { at, onAbort, RETRY_TIMING, WORKER_TIMING } from './taskHelpers';

const W = { ...WORKER_TIMING, name: 'w' };
const queued = (id = 'task-1'): TaskEvent => ({ type: 'queued', id });
const started = (attempt: number, id = 'task-1'): TaskEvent => ({ type: 'started', id, attempt, worker: 'w' });
const succeeded = (result: unknown, id = 'task-1'): TaskEvent => ({ type: 'succeeded', id, result });
const boom = { name: 'Error', message: 'boom' };

describe('submit', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('runs the task on a worker: queued and started, then the result and completion', () => {
    const backend = createTestBackend();
    scheduler.run(({ cold, expectObservable }) => {
      const pool = worker(backend, { double: (n: number) => cold('---a--|', { a: n * 2 }) }, W);
      expectObservable(pool, '^ 30ms !').toBe('--s-----d', {
        s: { type: 'started', id: 'task-1', name: 'double', attempt: 1 },
        d: { type: 'succeeded', id: 'task-1', name: 'double', attempt: 1 },
      });
      // Enqueued at 2 and claimed in the same instant, before submit follows it: it catches up.
      expectObservable(at(2, submit<number>(backend, 'double', 21))).toBe('--(qs)--(v|)', {
        q: queued(),
        s: started(1),
        v: succeeded(42),
      });
    });
    expect(backend.inspect()).toEqual(CLEAN);
    expect(backend.tasksRunning()).toBe(0);
  });

  it('emits progress and retrying as they happen, and the result of the attempt that succeeded', () => {
    const backend = createTestBackend();
    scheduler.run(({ cold, expectObservable }) => {
      const handlers = {
        flaky: (_: null, context: TaskContext) =>
          context.attempt === 1
            ? cold('-#', undefined, new Error('boom'))
            : cold('-p-a|', { p: 'p', a: 'ok' }).pipe(
                tap((value) => value === 'p' && context.progress(50)),
                filter((value) => value !== 'p'),
              ),
      };
      expectObservable(submit(backend, 'flaky', null, { ...RETRY_TIMING, attempts: 2 })).toBe('q-sr---tp--(v|)', {
        q: queued(),
        s: started(1),
        t: started(2),
        r: { type: 'retrying', id: 'task-1', attempt: 1, error: boom, delay: 4 },
        p: { type: 'progress', id: 'task-1', attempt: 2, value: 50 },
        v: succeeded('ok'),
      });
      expectObservable(worker(backend, handlers, W), '--^ 20ms !').toBe('--sf---t---d', {
        s: { type: 'started', id: 'task-1', name: 'flaky', attempt: 1 },
        t: { type: 'started', id: 'task-1', name: 'flaky', attempt: 2 },
        f: { type: 'failed', id: 'task-1', name: 'flaky', attempt: 1, error: boom, retry: true },
        d: { type: 'succeeded', id: 'task-1', name: 'flaky', attempt: 2 },
      });
    });
    expect(backend.inspect()).toEqual(CLEAN);
  });

  it('retries with exponential backoff and errors with TaskFailedError when every attempt failed', () => {
    const backend = createTestBackend();
    scheduler.run(({ cold, expectObservable }) => {
      const always = () => cold('-#', undefined, new Error('boom'));
      expectObservable(submit(backend, 'always', null, { ...RETRY_TIMING, attempts: 3 })).toBe(
        'q-sr---tx-------u#',
        {
          q: queued(),
          s: started(1),
          r: { type: 'retrying', id: 'task-1', attempt: 1, error: boom, delay: 4 },
          t: started(2),
          x: { type: 'retrying', id: 'task-1', attempt: 2, error: boom, delay: 8 },
          u: started(3),
        },
        new TaskFailedError('task-1', 'always', 3, boom),
      );
      expectObservable(worker(backend, { always }, W), '--^ 20ms !');
    });
  });

  it('aborts an attempt at its timeout through the signal, retries it, then fails with the timeout as the cause', () => {
    const backend = createTestBackend();
    const aborts: string[] = [];
    scheduler.run(({ expectObservable }) => {
      const slow = (_: null, context: TaskContext) => {
        onAbort(
          context.signal,
          () => scheduler.now(),
          (entry) => aborts.push(entry),
        );
        return timer(50).pipe(map(() => 'late'));
      };
      const timedOut = {
        name: 'TaskTimeoutError',
        message: 'Task "slow" (task-1) ran longer than 10 ms and was aborted. Raise "timeout" if it needs more.',
      };
      expectObservable(submit(backend, 'slow', null, { retryDelay: 5, retryJitter: 0, attempts: 2, timeout: 10 })).toBe(
        'q-s---------r----t---------#',
        {
          q: queued(),
          s: started(1),
          t: started(2),
          r: { type: 'retrying', id: 'task-1', attempt: 1, error: timedOut, delay: 5 },
        },
        new TaskFailedError('task-1', 'slow', 2, timedOut),
      );
      expectObservable(worker(backend, { slow }, W), '--^ 40ms !');
    });
    expect(aborts).toEqual(['12:TaskTimeoutError', '27:TaskTimeoutError']);
  });

  it('fails with the error of a handler that throws synchronously', () => {
    const backend = createTestBackend();
    scheduler.run(({ expectObservable }) => {
      const handlers = {
        strict: (): string => {
          throw new TypeError('bad input');
        },
      };
      expectObservable(submit(backend, 'strict', null, { attempts: 1 })).toBe(
        'q-(s#)',
        { q: queued(), s: started(1) },
        new TaskFailedError('task-1', 'strict', 1, { name: 'TypeError', message: 'bad input' }),
      );
      expectObservable(worker(backend, handlers, W), '--^ 5ms !');
    });
    expect(backend.inspect()).toEqual(CLEAN);
  });

  it('removes a queued task when unsubscribed before it started', () => {
    const backend = createTestBackend();
    scheduler.run(({ expectObservable }) => {
      expectObservable(submit(backend, 'later', { n: 1 }), '^ 5ms !').toBe('q', { q: queued() });
      expectObservable(at(8, task(backend, 'task-1'))).toBe('--------(i|)', {
        i: { id: 'task-1', name: 'later', state: 'cancelled', input: { n: 1 }, attempt: 0 },
      });
      // A worker that comes later finds nothing to run.
      expectObservable(worker(backend, { later: () => 'ran' }, W), '---------^ 5ms !').toBe('-');
    });
  });

  it('aborts a running task when unsubscribed, through its signal', () => {
    const backend = createTestBackend();
    const aborts: string[] = [];
    scheduler.run(({ expectObservable }) => {
      const forever = (_: null, context: TaskContext) => {
        onAbort(
          context.signal,
          () => scheduler.now(),
          (entry) => aborts.push(entry),
        );
        return NEVER;
      };
      expectObservable(worker(backend, { forever }, W), '^ 20ms !').toBe('--s----a', {
        s: { type: 'started', id: 'task-1', name: 'forever', attempt: 1 },
        a: { type: 'abandoned', id: 'task-1', name: 'forever', attempt: 1, reason: 'cancelled' },
      });
      expectObservable(submit(backend, 'forever', null), '--^ 4ms !').toBe('--(qs)', { q: queued(), s: started(1) });
    });
    expect(aborts).toEqual(['7:TaskCancelledError']);
    expect(backend.tasksRunning()).toBe(0);
  });

  it('errors with TaskCancelledError when the task is cancelled by id', () => {
    const backend = createTestBackend();
    scheduler.run(({ expectObservable }) => {
      expectObservable(submit(backend, 'report', null)).toBe(
        'q---#',
        { q: queued() },
        new TaskCancelledError('task-1', 'report'),
      );
      expectObservable(at(4, cancelTask(backend, 'task-1'))).toBe('----(t|)', { t: true });
      expectObservable(at(6, cancelTask(backend, 'task-1'))).toBe('------(f|)', { f: false });
    });
    expect(backend.inspect()).toEqual(CLEAN);
  });

  it('follows the first task when the idempotency key is taken, and does not cancel it on unsubscribe', () => {
    const backend = createTestBackend();
    scheduler.run(({ expectObservable }) => {
      const once = (input: string) => timer(6).pipe(map(() => `ran ${input}`));
      expectObservable(worker(backend, { once }, W), '^ 30ms !').toBe('s-----d', {
        s: { type: 'started', id: 'task-1', name: 'once', attempt: 1 },
        d: { type: 'succeeded', id: 'task-1', name: 'once', attempt: 1 },
      });
      const first = submit(backend, 'once', 'first', { idempotencyKey: 'k' });
      const second = submit(backend, 'once', 'second', { idempotencyKey: 'k' });
      expectObservable(first).toBe('(qs)--(v|)', { q: queued(), s: started(1), v: succeeded('ran first') });
      expectObservable(at(2, second)).toBe('--(qs)(v|)', { q: queued(), s: started(1), v: succeeded('ran first') });
      expectObservable(at(3, second), '^ 3ms !').toBe('---(qs)', { q: queued(), s: started(1) });
      expectObservable(at(10, second)).toBe('----------(qv|)', { q: queued(), v: succeeded('ran first') });
    });
  });

  it('catches a late follower up from the record: a task waiting for its retry is told as queued, its retry as the next started', () => {
    const backend = createTestBackend();
    scheduler.run(({ cold, expectObservable }) => {
      const handlers = {
        flaky: (_: null, context: TaskContext) =>
          context.attempt === 1 ? cold('-#', undefined, new Error('boom')) : cold('------a|', { a: 'ok' }),
      };
      const options = { ...RETRY_TIMING, attempts: 2, idempotencyKey: 'k' };
      expectObservable(worker(backend, handlers, W), '--^ 20ms !').toBe('--sf---t------d', {
        s: { type: 'started', id: 'task-1', name: 'flaky', attempt: 1 },
        t: { type: 'started', id: 'task-1', name: 'flaky', attempt: 2 },
        f: { type: 'failed', id: 'task-1', name: 'flaky', attempt: 1, error: boom, retry: true },
        d: { type: 'succeeded', id: 'task-1', name: 'flaky', attempt: 2 },
      });
      expectObservable(submit(backend, 'flaky', null, options)).toBe('q-sr---t------(v|)', {
        q: queued(),
        s: started(1),
        r: { type: 'retrying', id: 'task-1', attempt: 1, error: boom, delay: 4 },
        t: started(2),
        v: succeeded('ok'),
      });
      // At 5 the task waits for its retry: no `retrying` (it is queued, as the record says).
      expectObservable(at(5, submit(backend, 'flaky', null, options))).toBe('-----q-t------(v|)', {
        q: queued(),
        t: started(2),
        v: succeeded('ok'),
      });
      expectObservable(at(9, submit(backend, 'flaky', null, options))).toBe('---------(qt)-(v|)', {
        q: queued(),
        t: started(2),
        v: succeeded('ok'),
      });
    });
  });

  it('errors with UnknownTaskError, enqueueing nothing, when knownTasks lacks the name', () => {
    const backend = createTestBackend();
    scheduler.run(({ expectObservable }) => {
      expectObservable(submit(backend, 'nope', null, { knownTasks: ['resize'] })).toBe(
        '#',
        undefined,
        new UnknownTaskError('nope', ['resize']),
      );
      expectObservable(at(1, task(backend, 'task-1'))).toBe('-(u|)', { u: undefined });
    });
  });
});
