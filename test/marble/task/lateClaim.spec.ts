import { delay, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { submit, worker, type TaskBackend, type WorkerEvent } from 'rx-sync';
import { createTestBackend } from 'rx-sync/testing';
import { atFrame } from '../../support/marbleHelpers';
import { WORKER_TIMING } from './taskHelpers';

/**
 * A claim whose reply reaches the worker after the lease it grants could no longer be relied on
 * (leaseDuration 20 − driftMargin 2 = 18 frames from the request's start) is handed back at once,
 * not run: the backend may hand it to another worker at any moment. The same rule as a lock's grant
 * that comes too late (the renewal and the validity guard are the lease engine's).
 */
describe('worker: a claim granted too late to be used', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('is handed back without running, and runs on the next claim', () => {
    const memory = createTestBackend();
    let claims = 0;
    const slowFirstClaim: TaskBackend = {
      ...memory,
      claim: (request) => memory.claim(request).pipe(delay(++claims === 1 ? 19 : 0)),
    };
    const seen: [number, WorkerEvent][] = [];
    scheduler.run(({ expectObservable }) => {
      // The task is queued at 0; the worker comes at 1 and claims it at once, but the reply of that
      // first claim arrives at 1 + 19 = 20, past 1 + 18: handed back then, and claimed again at once.
      atFrame(1, () => {
        const pool = worker(slowFirstClaim, { job: () => 'done' }, { ...WORKER_TIMING, name: 'w' });
        const running = pool.subscribe((event) => seen.push([scheduler.now(), event]));
        atFrame(40, () => running.unsubscribe());
      });
      expectObservable(
        submit(memory, 'job', null).pipe(
          map((event) => ('attempt' in event ? `${event.type}#${event.attempt}` : event.type)),
        ),
      ).toBe('qs------------------(rtv|)', {
        q: 'queued',
        s: 'started#1',
        r: 'retrying#1',
        t: 'started#2',
        v: 'succeeded',
      });
    });
    expect(seen.map(([frame, event]) => [frame, event.type, event.attempt])).toEqual([
      [20, 'started', 2],
      [20, 'succeeded', 2],
    ]);
    expect(memory.tasksRunning()).toBe(0);
  });
});
