import { concatMap, delay, forkJoin, map, of, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  worker,
  type ClaimRequest,
  type CompletedTasks,
  type TaskBackend,
  type TaskCompletion,
  type TaskPolicy,
  type TaskRecord,
  type WorkerEvent,
} from 'rx-sync';
import { createTestBackend } from 'rx-sync/testing';
import { atFrame } from '../../support/marbleHelpers';
import { WORKER_TIMING } from './taskHelpers';

const POLICY: TaskPolicy = { attempts: 3, retryDelay: 10, maxRetryDelay: 10, retryJitter: 0, timeout: Infinity };
const started = (id: string): WorkerEvent => ({ type: 'started', id, name: 'job', attempt: 1 });
const succeeded = (id: string): WorkerEvent => ({ type: 'succeeded', id, name: 'job', attempt: 1 });

/**
 * A worker on a backend with the fused `completeTasks` (as the Redis backend has): the successes
 * of one turn go out together, the next tasks come with their reply, and claims that come back
 * after the worker stopped are handed back at once rather than left to lapse.
 */
describe('worker with completeTasks', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  /**
   * The test backend with a completeTasks whose reply takes `latency` frames; it claims in the same
   * step unless `claiming` is false. Every call is recorded, as `[frame, ids completed, limit]`.
   */
  function fusedBackend(latency: number, claiming = true) {
    const memory = createTestBackend();
    const calls: [number, string[], number | undefined][] = [];
    const fused: TaskBackend = {
      ...memory,
      completeTasks: (completions: readonly TaskCompletion[], next: ClaimRequest | undefined) => {
        calls.push([scheduler.now(), completions.map(({ id }) => id), next?.limit]);
        return forkJoin(completions.map(({ id, token, result }) => memory.completeTask(id, token, result))).pipe(
          concatMap((completed) =>
            next && claiming
              ? memory.claim(next).pipe(map((claims): CompletedTasks => ({ completed, claims })))
              : of<CompletedTasks>({ completed }),
          ),
          delay(latency),
        );
      },
    };
    return { memory, fused, calls };
  }

  it('starts the next task when the completion replies, in the same step', () => {
    const { memory, fused } = fusedBackend(2);
    const seen: [number, WorkerEvent][] = [];
    scheduler.run(() => {
      for (let n = 0; n < 2; n++) memory.enqueue(request()).subscribe();
      const pool = worker(fused, { job: slowJob }, { ...WORKER_TIMING, concurrency: 1, pollInterval: 1_000 });
      const subscription = pool.subscribe((event) => seen.push([scheduler.now(), event]));
      atFrame(10, () => subscription.unsubscribe());
    });
    // task-1 is claimed at 0 and done at 1; its completion replies at 3 with task-2, done at 4.
    expect(seen).toEqual([
      [0, started('task-1')],
      [3, succeeded('task-1')],
      [3, started('task-2')], // started from the same reply
      [6, succeeded('task-2')],
    ]);
  });

  it('hands back, in its place, a task whose claim came with a completion after the worker stopped', () => {
    const { memory, fused } = fusedBackend(5);
    const seen: WorkerEvent[] = [];
    const records: (TaskRecord | undefined)[] = [];
    scheduler.run(() => {
      for (let n = 0; n < 2; n++) memory.enqueue(request()).subscribe();
      const pool = worker(fused, { job: slowJob }, { ...WORKER_TIMING, concurrency: 1, gracePeriod: 0 });
      const subscription = pool.subscribe((event) => seen.push(event));
      atFrame(2, () => subscription.unsubscribe()); // task-1's completion (and task-2's claim) still in flight
      atFrame(20, () => {
        expect(memory.tasksRunning()).toBe(0);
        for (const id of ['task-1', 'task-2']) memory.readTask(id).subscribe((record) => records.push(record));
      });
    });
    expect(seen).toEqual([started('task-1')]);
    expect(records).toMatchObject([
      { id: 'task-1', state: 'succeeded' },
      { id: 'task-2', state: 'queued', attempt: 1, error: { name: 'WorkerStoppedError' } },
    ]);
  });

  it('reports the successes of one turn in one step, with the claims of the slots they free', () => {
    const { memory, fused, calls } = fusedBackend(2);
    const seen: [number, WorkerEvent][] = [];
    scheduler.run(() => {
      for (let n = 0; n < 5; n++) memory.enqueue(request()).subscribe();
      const pool = worker(fused, { job: () => 'done' }, { ...WORKER_TIMING, concurrency: 3, pollInterval: 1_000 });
      const subscription = pool.subscribe((event) => seen.push([scheduler.now(), event]));
      atFrame(10, () => subscription.unsubscribe());
    });
    // The claim at 0 brings tasks 1 to 3, which succeed at once: one report of the three, which
    // claims three more (two are left), and its reply at 2 starts them; their report goes out at 2.
    expect(calls).toEqual([
      [0, ['task-1', 'task-2', 'task-3'], 3],
      [2, ['task-4', 'task-5'], 3],
    ]);
    expect(seen.filter(([, event]) => event.type === 'succeeded').map(([frame, event]) => [frame, event.id])).toEqual([
      [2, 'task-1'],
      [2, 'task-2'],
      [2, 'task-3'],
      [4, 'task-4'],
      [4, 'task-5'],
    ]);
  });

  it('reports a long turn in batches of ten, each claiming for the slots free and not yet asked for', () => {
    const { memory, fused, calls } = fusedBackend(2);
    scheduler.run(() => {
      for (let n = 0; n < 14; n++) memory.enqueue(request()).subscribe();
      const pool = worker(fused, { job: () => 'done' }, { ...WORKER_TIMING, concurrency: 12, pollInterval: 1_000 });
      const subscription = pool.subscribe();
      atFrame(10, () => subscription.unsubscribe());
    });
    const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `task-${from + i}`);
    // Each handler returns at once, so its slot is free before the next task starts. The first ten
    // successes go out as soon as the tenth comes, and ask for all twelve slots; the last two at
    // the end of the turn, asking for none (no slot is asked for twice). Both replies come at 2.
    expect(calls).toEqual([
      [0, ids(1, 10), 12],
      [0, ids(11, 12), undefined],
      [2, ids(13, 14), 12],
    ]);
  });

  it('completes after a shutdown once the last report has replied', () => {
    const { memory, fused } = fusedBackend(2);
    const seen: [number, string][] = [];
    scheduler.run(({ hot }) => {
      for (let n = 0; n < 2; n++) memory.enqueue(request()).subscribe();
      const shutdown = hot<void>('--x');
      const pool = worker(fused, { job: slowJob }, { ...WORKER_TIMING, concurrency: 2, shutdown });
      pool.subscribe({
        next: (event) => seen.push([scheduler.now(), `${event.type} ${event.id}`]),
        complete: () => seen.push([scheduler.now(), 'complete']),
      });
    });
    // Both start at 0 and succeed at 1; the shutdown comes at 2, while their report is in flight; it
    // replies at 3, and the worker completes with it.
    expect(seen).toEqual([
      [0, 'started task-1'],
      [0, 'started task-2'],
      [3, 'succeeded task-1'],
      [3, 'succeeded task-2'],
      [3, 'complete'],
    ]);
  });

  it('claims on its own after a report whose backend could not claim in the same step', () => {
    const { memory, fused, calls } = fusedBackend(2, false);
    const seen: [number, WorkerEvent][] = [];
    scheduler.run(() => {
      for (let n = 0; n < 2; n++) memory.enqueue(request()).subscribe();
      const pool = worker(fused, { job: () => 'done' }, { ...WORKER_TIMING, concurrency: 1, pollInterval: 1_000 });
      const subscription = pool.subscribe((event) => seen.push([scheduler.now(), event]));
      atFrame(10, () => subscription.unsubscribe());
    });
    expect(calls).toEqual([
      [0, ['task-1'], 1],
      [2, ['task-2'], 1], // task-2 claimed by a claim of its own at 2, once the report replied without claims
    ]);
    expect(seen).toEqual([
      [0, started('task-1')],
      [2, succeeded('task-1')],
      [2, started('task-2')],
      [4, succeeded('task-2')],
    ]);
  });
});

/** A handler that takes one frame. */
function slowJob() {
  return timer(1).pipe(map(() => 'done'));
}

function request() {
  return { name: 'job', input: 'null', policy: POLICY, retention: 1_000 };
}
