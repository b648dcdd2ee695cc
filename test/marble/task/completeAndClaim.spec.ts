import { concatMap, delay, map, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  worker,
  type ClaimRequest,
  type TaskBackend,
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
 * A worker on a backend with the fused `completeAndClaim` (as the Redis backend has): the next task
 * comes with the completion's reply, and claims that come back after the worker stopped are handed
 * back at once rather than left to lapse.
 */
describe('worker with completeAndClaim', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  /** The test backend with a completeAndClaim whose reply takes `latency` frames. */
  function fusedBackend(latency: number) {
    const memory = createTestBackend();
    const fused: TaskBackend = {
      ...memory,
      completeAndClaim: (id: string, token: number, result: string | undefined, next: ClaimRequest) =>
        memory.completeTask(id, token, result).pipe(
          concatMap((completed) =>
            memory
              .claim({ worker: next.worker, names: next.names, leaseDuration: next.leaseDuration, limit: next.limit })
              .pipe(map((claims) => ({ completed, claims }))),
          ),
          delay(latency),
        ),
    };
    return { memory, fused };
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
      [3, started('task-2')], // started from the reply, before the reply's own event
      [3, succeeded('task-1')],
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
});

/** A handler that takes one frame (a synchronous one completes inside the claim's reply, unfused). */
function slowJob() {
  return timer(1).pipe(map(() => 'done'));
}

function request() {
  return { name: 'job', input: 'null', policy: POLICY, retention: 1_000 };
}
