import { delay, map, NEVER, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  submit,
  TaskFailedError,
  TaskStalledError,
  worker,
  type ClaimRequest,
  type TaskContext,
  type TaskPolicy,
  type TaskEvent,
  type WorkerEvent,
} from 'rx-sync';
import { createTestBackend } from 'rx-sync/testing';
import { atFrame, CLEAN } from '../../support/marbleHelpers';
import { at, onAbort, WORKER_TIMING } from './taskHelpers';

const POLICY: TaskPolicy = { attempts: 1, retryDelay: 10, maxRetryDelay: 10, retryJitter: 0, timeout: Infinity };
const started = (id: string, attempt = 1, name = 'job'): WorkerEvent => ({ type: 'started', id, name, attempt });
const succeeded = (id: string, attempt = 1, name = 'job'): WorkerEvent => ({ type: 'succeeded', id, name, attempt });

describe('worker', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('runs at most `concurrency` tasks at once, oldest first, and takes the next when one ends', () => {
    const backend = createTestBackend();
    const running: number[] = [];
    scheduler.run(({ expectObservable }) => {
      for (const n of [1, 2, 3]) expectObservable(submit(backend, 'job', n), '^ 20ms !');
      const job = (n: number) => {
        running.push(backend.tasksRunning());
        return timer(5).pipe(map(() => n));
      };
      expectObservable(worker(backend, { job }, { ...WORKER_TIMING, concurrency: 2 }), '-^ 20ms !').toBe(
        '-(ab)-(cde)f',
        {
          a: started('task-1'),
          b: started('task-2'),
          c: succeeded('task-1'),
          d: started('task-3'),
          e: succeeded('task-2'),
          f: succeeded('task-3'),
        },
      );
    });
    expect(Math.max(...running)).toBe(2);
    expect(backend.inspect()).toEqual(CLEAN);
  });

  it('claims a task queued while its claim was in flight as soon as that claim replies, not at the next poll', () => {
    const memory = createTestBackend();
    const backend = { ...memory, claim: (request: ClaimRequest) => memory.claim(request).pipe(delay(3)) };
    const seen: [number, WorkerEvent][] = [];
    scheduler.run(() => {
      const pool = worker(backend, { job: () => 'done' }, { ...WORKER_TIMING, pollInterval: 1_000 });
      const subscription = pool.subscribe((event) => seen.push([scheduler.now(), event]));
      atFrame(1, () => memory.enqueue({ name: 'job', input: 'null', policy: POLICY, retention: 1_000 }).subscribe());
      atFrame(20, () => subscription.unsubscribe());
    });
    // The claim sent at 0 (the first poll) found nothing and replies at 3; the task's signal came at
    // 1, while every slot was asked for: the next claim goes out at 3 and brings it at 6.
    expect(seen).toEqual([
      [6, started('task-1')],
      [6, succeeded('task-1')],
    ]);
  });

  it('renews the claim of a long task, which then succeeds in its first attempt', () => {
    const backend = createTestBackend();
    scheduler.run(({ expectObservable }) => {
      const job = () => timer(50).pipe(map(() => 'done'));
      expectObservable(worker(backend, { job }, { ...WORKER_TIMING, name: 'w' }), '^ 60ms !');
      expectObservable(at(1, submit(backend, 'job', null))).toBe('-(qs) 46ms (v|)', {
        q: { type: 'queued', id: 'task-1' },
        s: { type: 'started', id: 'task-1', attempt: 1, worker: 'w' },
        v: { type: 'succeeded', id: 'task-1', result: 'done' },
      });
    });
  });

  it('runs a crashed worker’s task again once its claim lapses, with a higher token, never on two live claims', () => {
    const backend = createTestBackend();
    const aborts: string[] = [];
    const tokens: string[] = [];
    scheduler.run(({ expectObservable }) => {
      const stuck = (_: null, context: TaskContext) => {
        tokens.push(`a:${context.token}`);
        onAbort(
          context.signal,
          () => scheduler.now(),
          (entry) => aborts.push(entry),
        );
        return NEVER;
      };
      const quick = (_: null, context: TaskContext) => {
        tokens.push(`b:${context.token}`);
        return timer(4).pipe(map(() => 'recovered'));
      };
      atFrame(2, () => backend.crash('a')); // a's renewals, from frame 7 on, are lost
      expectObservable(worker(backend, { job: stuck }, { ...WORKER_TIMING, name: 'a' }), '^ 40ms !').toBe(
        '-s-----------------l',
        { s: started('task-1'), l: { type: 'abandoned', id: 'task-1', name: 'job', attempt: 1, reason: 'lease-lost' } },
      );
      // a gives the task up at 19 (1 + 18, its validity); the backend lets the claim lapse at 21.
      expectObservable(worker(backend, { job: quick }, { ...WORKER_TIMING, name: 'b' }), '---^ 40ms !').toBe(
        '---------------------s---d',
        { s: started('task-1', 2), d: succeeded('task-1', 2) },
      );
      const stalled = { name: 'TaskStalledError', message: 'The lease of attempt 1 lapsed.' };
      expectObservable(at(1, submit(backend, 'job', null))).toBe('-(qs)----------------(rt)(v|)', {
        q: { type: 'queued', id: 'task-1' } satisfies TaskEvent,
        s: { type: 'started', id: 'task-1', attempt: 1, worker: 'a' } satisfies TaskEvent,
        r: { type: 'retrying', id: 'task-1', attempt: 1, error: stalled, delay: 0 } satisfies TaskEvent,
        t: { type: 'started', id: 'task-1', attempt: 2, worker: 'b' } satisfies TaskEvent,
        v: { type: 'succeeded', id: 'task-1', result: 'recovered' } satisfies TaskEvent,
      });
    });
    expect(aborts).toEqual(['19:Error']);
    expect(tokens).toEqual(['a:1', 'b:2']);
  });

  it('fails a task whose claim lapsed on its last attempt with TaskStalledError', () => {
    const backend = createTestBackend();
    scheduler.run(({ expectObservable }) => {
      atFrame(3, () => backend.expireTask('task-1'));
      expectObservable(worker(backend, { job: () => NEVER }, { ...WORKER_TIMING, name: 'w' }), '-^ 10ms !').toBe(
        '-s-l',
        { s: started('task-1'), l: { type: 'abandoned', id: 'task-1', name: 'job', attempt: 1, reason: 'lease-lost' } },
      );
      const stalled = { name: 'TaskStalledError', message: 'The lease of attempt 1 lapsed.' };
      expectObservable(submit(backend, 'job', null, { attempts: 1 }).pipe(map((event) => event.type))).toBe(
        'qs-#',
        { q: 'queued', s: 'started' },
        new TaskFailedError('task-1', 'job', 1, stalled),
      );
    });
    expect(backend.tasksRunning()).toBe(0);
  });

  it('gives the TaskFailedError of a task whose last claim lapsed a TaskStalledError as its cause', () => {
    const backend = createTestBackend();
    let failure: unknown;
    scheduler.run(({ flush }) => {
      atFrame(3, () => backend.expireTask('task-1'));
      const pool = worker(backend, { job: () => NEVER }, { ...WORKER_TIMING, name: 'w' }).subscribe();
      atFrame(10, () => pool.unsubscribe()); // a live worker's poll would keep flush() from returning
      submit(backend, 'job', null, { attempts: 1 }).subscribe({ error: (error: unknown) => (failure = error) });
      flush();
    });
    expect(failure).toBeInstanceOf(TaskFailedError);
    const cause = (failure as TaskFailedError).cause;
    expect(cause).toBeInstanceOf(TaskStalledError);
    expect(cause).toMatchObject({
      id: 'task-1',
      task: 'job',
      attempt: 1,
      transient: true,
      code: 'RX_SYNC_TASK_STALLED',
    });
  });

  it('lets running tasks finish after unsubscription, and hands back those still running after the grace period', () => {
    const backend = createTestBackend();
    const aborts: string[] = [];
    scheduler.run(({ expectObservable }) => {
      const handlers = {
        short: () => timer(5).pipe(map(() => 'short done')),
        long: (_: null, context: TaskContext) => {
          onAbort(
            context.signal,
            () => scheduler.now(),
            (entry) => aborts.push(entry),
          );
          return NEVER;
        },
      };
      expectObservable(worker(backend, handlers, { ...WORKER_TIMING, name: 'w', concurrency: 2 }), '^-!').toBe(
        '-(ab)',
        {
          a: started('task-1', 1, 'short'),
          b: started('task-2', 1, 'long'),
        },
      );
      expectObservable(at(1, submit(backend, 'short', null))).toBe('-(qs)-(v|)', {
        q: { type: 'queued', id: 'task-1' },
        s: { type: 'started', id: 'task-1', attempt: 1, worker: 'w' },
        v: { type: 'succeeded', id: 'task-1', result: 'short done' },
      });
      const stopped = { name: 'WorkerStoppedError', message: 'The worker stopped and its grace period ran out.' };
      expectObservable(at(1, submit(backend, 'long', null)), '^ 30ms !').toBe('-(qs)-------r', {
        q: { type: 'queued', id: 'task-2' },
        s: { type: 'started', id: 'task-2', attempt: 1, worker: 'w' },
        r: { type: 'retrying', id: 'task-2', attempt: 1, error: stopped, delay: 0 },
      });
    });
    expect(aborts).toEqual(['12:Error']);
    expect(backend.tasksRunning()).toBe(0);
  });

  describe('shutdown', () => {
    it('claims nothing more, lets running tasks finish, hands back those past the grace period, then completes', () => {
      const backend = createTestBackend();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const handlers = {
          short: () => timer(5).pipe(map(() => 'short done')),
          long: () => NEVER,
        };
        const shutdown = hot('--x');
        const options = { ...WORKER_TIMING, name: 'w', concurrency: 3, shutdown };
        // Started at 1; shutdown at 2; short ends at 6; long is aborted at 2 + 10 and handed back,
        // and the worker completes then, with every attempt reported.
        expectObservable(worker(backend, handlers, options).pipe(map((event) => `${event.type}:${event.id}`))).toBe(
          '-(ab)-c-----(d|)',
          { a: 'started:task-1', b: 'started:task-2', c: 'succeeded:task-1', d: 'abandoned:task-2' },
        );
        expectSubscriptions(shutdown.subscriptions).toBe('^-!');
        expectObservable(at(1, submit(backend, 'short', null)).pipe(map((event) => event.type))).toBe('-(qs)-(v|)', {
          q: 'queued',
          s: 'started',
          v: 'succeeded',
        });
        expectObservable(at(1, submit(backend, 'long', null)).pipe(map((event) => event.type)), '^ 30ms !').toBe(
          '-(qs)-------r',
          { q: 'queued', s: 'started', r: 'retrying' },
        );
        // Submitted after the shutdown: nobody here takes it.
        expectObservable(at(3, submit(backend, 'short', null)).pipe(map((event) => event.type)), '^ 30ms !').toBe(
          '---q',
          { q: 'queued' },
        );
      });
      expect(backend.tasksRunning()).toBe(0);
    });

    it('completes at once when nothing is running, and stops polling', () => {
      const backend = createTestBackend();
      scheduler.run(({ hot, expectObservable }) => {
        const shutdown = hot('---x');
        expectObservable(worker(backend, { job: () => 'done' }, { ...WORKER_TIMING, shutdown })).toBe('---|');
      });
      expect(backend.inspect().watchers).toBe(0);
    });

    it('refuses a shutdown that is not an Observable, at call time', () => {
      const backend = createTestBackend();
      expect(() => worker(backend, { job: () => 'done' }, { shutdown: 'now' as never })).toThrow(
        /Expected `shutdown` to be an Observable/,
      );
    });
  });

  it('aborts running tasks at once on unsubscription when gracePeriod is 0', () => {
    const backend = createTestBackend();
    const aborts: string[] = [];
    scheduler.run(({ expectObservable }) => {
      const job = (_: null, context: TaskContext) => {
        onAbort(
          context.signal,
          () => scheduler.now(),
          (entry) => aborts.push(entry),
        );
        return NEVER;
      };
      expectObservable(worker(backend, { job }, { ...WORKER_TIMING, gracePeriod: 0 }), '-^--!').toBe('-s', {
        s: started('task-1'),
      });
      expectObservable(submit(backend, 'job', null).pipe(map((event) => event.type)), '^ 10ms !').toBe('qs--r', {
        q: 'queued',
        s: 'started',
        r: 'retrying',
      });
    });
    expect(aborts).toEqual(['4:Error']);
  });

  it('throws at call time for bad handlers or options', () => {
    const backend = createTestBackend();
    expect(() => worker(backend, {})).toThrow(TypeError);
    expect(() => worker(backend, { job: 'nope' } as never)).toThrow('Expected `handlers.job` to be a function');
    expect(() => worker(backend, { job: () => 1 }, { concurrency: 0 })).toThrow(RangeError);
    expect(() => worker(backend, { job: () => 1 }, { leaseDuration: 10, renewInterval: 10 })).toThrow(RangeError);
    expect(() => worker({} as never, { job: () => 1 })).toThrow('Expected `backend` to be a TaskBackend');
  });
});
