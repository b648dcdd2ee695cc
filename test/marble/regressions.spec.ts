import { map, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { leadership, lock, whileHeld } from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';
import { createTestBackend } from 'rx-sync/testing';
import { atFrame, TIMING } from '../support/marbleHelpers';

/**
 * Regression tests for bugs found in src while writing the marble and unit specs, kept so they
 * stay fixed.
 */

/** Longest delay a Node.js timer accepts: longer ones fire after 1 ms (TimeoutOverflowWarning). */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

describe('regressions', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  // src/operators/whileHeld.ts: `from(project(value))` runs inside ownership's `next` callback
  // without a try/catch, so an exception from project (or from `from()` given a bad value) is
  // reported by RxJS as an unhandled error instead of erroring the result; the lease stays held
  // until ownership ends on its own. RxJS operators with a project (switchMap, mergeMap) catch it.
  it('whileHeld: a project that throws errors the result and releases ownership at once', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const ownership = hot('-h-----|');
      const result = ownership.pipe(
        whileHeld((): string[] => {
          throw new Error('project failed');
        }),
      );
      expectObservable(result).toBe('-#', undefined, new Error('project failed'));
      expectSubscriptions(ownership.subscriptions).toBe('^!');
    });
  });

  // src/engine/leaseEngine.ts, acquire(): a waiting contender only reacts to vacancy events
  // while it waits (`onVacancy` is set in wait() and cleared by attempt()), and an attempt has no
  // deadline of its own. If one tryAcquire request is lost (partition; with Redis, a reply lost on
  // a dropped connection without a command timeout), the contender waits for that reply for ever:
  // it ignores the release of the leadership and never polls again. A candidate with the default
  // acquireTimeout (Infinity) is then stuck although the group has no leader.
  it('leaseEngine: a candidate whose campaign request was lost is elected after heal once the group is free', () => {
    let electedAt: number | undefined;
    scheduler.run(({ expectObservable }) => {
      scheduler.maxFrames = 1_000; // the stuck campaign keeps no timer; the leader's renewals end at 12
      const backend = createTestBackend();
      const a = leadership(backend, 'g', { ...TIMING, candidate: 'A' }).pipe(map((won) => won.term));
      const b = leadership(backend, 'g', { ...TIMING, candidate: 'B' });
      expectObservable(a, '^-----------!').toBe('1', { 1: 1 }); // A resigns at 12
      atFrame(1, () => {
        const campaign: Subscription = b.subscribe(() => (electedAt = scheduler.now()));
        atFrame(200, () => campaign.unsubscribe());
      });
      atFrame(3, () => backend.partition('B')); // B's poll at 5 is lost
      atFrame(8, () => backend.heal('B'));
    });
    expect(electedAt).toBeGreaterThanOrEqual(12);
  });

  // Node caps timer delays at 2^31 − 1 ms (a longer one fires after 1 ms), so a 30-day time to
  // live, lease or acquire timeout would end at once. They are refused at call time instead.
  describe('durations longer than a Node.js timer can wait (2^31 − 1 ms, about 24.8 days)', () => {
    it('memory store: a timeToLive above the limit is refused at call time', () => {
      const backend = createMemoryBackend();
      expect(() => backend.put('session', 'token', { timeToLive: MAX_TIMER_DELAY + 1 })).toThrow(RangeError);
      expect(() => backend.put('session', 'token', { timeToLive: MAX_TIMER_DELAY })).not.toThrow();
    });

    it('lock: a leaseDuration above the limit is refused at call time', () => {
      expect(() => lock(createMemoryBackend(), 'k', { leaseDuration: MAX_TIMER_DELAY + 10_000 })).toThrow(
        /`leaseDuration`.*up to 2147483647/,
      );
    });

    it('lock: an acquireTimeout above the limit is refused at call time, Infinity is allowed', () => {
      const backend = createMemoryBackend();
      expect(() => lock(backend, 'k', { acquireTimeout: MAX_TIMER_DELAY + 1 })).toThrow(/`acquireTimeout`/);
      expect(() => lock(backend, 'k', { acquireTimeout: Infinity })).not.toThrow();
    });
  });
});
