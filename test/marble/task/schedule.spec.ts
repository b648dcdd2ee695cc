import { TestScheduler } from 'rxjs/testing';
import { schedule, type ScheduledTick } from 'rx-sync';
import { createTestBackend } from 'rx-sync/testing';
import { atFrame, TIMING } from '../../support/marbleHelpers';

const tick = (n: number, id: number, created = true): ScheduledTick => ({
  tick: n,
  at: n * 10,
  id: `task-${id}`,
  created,
});

describe('schedule', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  const options = (candidate: string, catchUp = 0) => ({
    interval: 10,
    catchUp,
    input: { report: 'daily' },
    leadership: { ...TIMING, candidate },
  });

  it('submits every tick once while leader; a successor finds the current tick already submitted', () => {
    const backend = createTestBackend();
    scheduler.run(({ expectObservable }) => {
      // a leads from 0 and resigns at 26; b, waiting since 1, is elected at once.
      expectObservable(schedule(backend, 'cron', 'report', options('a')), '^ 25ms !').toBe('x 9ms y 9ms z', {
        x: tick(0, 1),
        y: tick(1, 2),
        z: tick(2, 3),
      });
      expectObservable(schedule(backend, 'cron', 'report', options('b')), '-^ 43ms !').toBe('26ms p 3ms q 9ms r', {
        p: tick(2, 3, false),
        q: tick(3, 4),
        r: tick(4, 5),
      });
    });
  });

  it('neither repeats nor skips a tick when the leader crashes and the failover outlasts an interval (catchUp)', () => {
    const backend = createTestBackend();
    scheduler.run(({ expectObservable }) => {
      // a's node dies at 25 (crash, then its schedule stops at 26): its last renewal (24) keeps the
      // lease until 44, when b is elected; with catchUp 1, b submits tick 3 (at 30, missed) and tick 4.
      atFrame(25, () => backend.crash('a'));
      expectObservable(schedule(backend, 'cron', 'report', options('a')), '^ 25ms !').toBe('x 9ms y 9ms z', {
        x: tick(0, 1),
        y: tick(1, 2),
        z: tick(2, 3),
      });
      expectObservable(schedule(backend, 'cron', 'report', options('b', 1)), '-^ 53ms !').toBe('44ms (pq) 2ms r', {
        p: tick(3, 4),
        q: tick(4, 5),
        r: tick(5, 6),
      });
    });
  });

  it('throws at call time for a bad interval or retention', () => {
    const backend = createTestBackend();
    expect(() => schedule(backend, 'cron', 'report', { interval: 0 })).toThrow(RangeError);
    expect(() => schedule(backend, 'cron', 'report', { interval: 100, task: { retention: 50 } })).toThrow(
      'Expected `task.retention` (50) to be at least `interval` (100)',
    );
    expect(() => schedule(backend, 'cron', 'report', { interval: 100, input: () => 1 })).toThrow(TypeError);
  });
});
