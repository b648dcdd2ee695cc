import { finalize, map, mergeMap, of, type MonoTypeOperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  LockBusyError,
  LockTimeoutError,
  withLock,
  type LeaseAttempt,
  type LockOptions,
  type SyncBackend,
} from 'rx-sync';
import { createTestBackend } from 'rx-sync/testing';
import { atFrame, CLEAN, inspectAt, TIMING } from '../../support/marbleHelpers';

// Frames below follow TIMING: validity 18 (20 − 2) from each request, renewals every 6 frames.

function locked<T>(backend: SyncBackend, holder: string, options: LockOptions = {}): MonoTypeOperatorFunction<T> {
  return withLock<T>(backend, 'k', { ...TIMING, holder, ...options });
}

describe('withLock', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  describe('with marble backend replies', () => {
    it('subscribes to the source when the grant arrives, and unsubscribes it when a renewal is refused', () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const memory = createTestBackend();
        const grant = cold<LeaseAttempt>('--(g|)', { g: { granted: true, token: 1 } });
        const refusal = cold<boolean>('-(f|)', { f: false });
        const release = cold<boolean>('-(t|)', { t: true });
        const backend: SyncBackend = {
          ...memory,
          tryAcquire: () => grant,
          renew: () => refusal,
          release: () => release,
        };
        const source = hot('  -a--b--c--d--e-');
        const sourceSubs = '  --^------!     ';
        const grantSubs = '   ^-!            ';
        const refusalSubs = ' --------^!     '; // renewal sent at 2 + 6, refused at 9
        const releaseSubs = ' ---------^!    '; // released once the source is stopped
        const expected = '    ----b--c-|     ';
        expectObservable(source.pipe(locked(backend, 'a'))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(sourceSubs);
        expectSubscriptions(grant.subscriptions).toBe(grantSubs);
        expectSubscriptions(refusal.subscriptions).toBe(refusalSubs);
        expectSubscriptions(release.subscriptions).toBe(releaseSubs);
        expectObservable(inspectAt(memory, 11)).toBe('11ms (c|)', { c: CLEAN });
      });
    });

    it('never subscribes to the source when no grant arrives before acquireTimeout', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const memory = createTestBackend();
        const grant = cold<LeaseAttempt>('-');
        const release = cold<boolean>('-(t|)', { t: false });
        const backend: SyncBackend = { ...memory, tryAcquire: () => grant, release: () => release };
        const source = cold('-a-|');
        const expected = '   -----#';
        expectObservable(source.pipe(locked(backend, 'a', { acquireTimeout: 5 }))).toBe(
          expected,
          undefined,
          new LockTimeoutError('k', 5),
        );
        expectSubscriptions(source.subscriptions).toBe([]);
        expectSubscriptions(grant.subscriptions).toBe('^----!');
        expectSubscriptions(release.subscriptions).toBe('-----^!');
        expectObservable(inspectAt(memory, 7)).toBe('7ms (c|)', { c: CLEAN });
      });
    });
  });

  describe('on the memory backend', () => {
    it('releases when the source completes: a waiting contender runs in the same frame', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const jobA = cold('--a--b|');
        const jobB = cold('      -c|');
        expectObservable(jobA.pipe(locked(backend, 'a'))).toBe('--a--b|');
        expectObservable(jobB.pipe(locked(backend, 'b')), '-^').toBe('-------c|');
        expectSubscriptions(jobA.subscriptions).toBe('^-----!');
        expectSubscriptions(jobB.subscriptions).toBe('------^-!');
        expectObservable(inspectAt(backend, 9)).toBe('9ms (c|)', { c: CLEAN });
      });
    });

    it('unsubscribes the source and completes at the next renewal when the lock was expired', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const source = hot('-a-b-c-d-e-f-g-h-|');
        const sourceSubs = '^-----------!     ';
        const expected = '  -a-b-c-d-e-f|     ';
        atFrame(10, () => backend.expireLock('k'));
        expectObservable(source.pipe(locked(backend, 'a'))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(sourceSubs);
        expectObservable(inspectAt(backend, 20)).toBe('20ms (c|)', { c: CLEAN });
      });
    });

    it('stops the source at the validity deadline when the holder is cut off; the waiter runs when the lease ends', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const jobA = hot('-a 9ms b 9ms c 9ms d|');
        const jobB = hot('-w 9ms x 9ms y 9ms z|');
        atFrame(4, () => backend.partition('a'));
        // Acquired at 2: stopped at 2 + 18 = 20; the waiter acquires at 2 + 20 = 22.
        expectObservable(jobA.pipe(locked(backend, 'a')), '--^ 40ms !').toBe('11ms b 8ms |');
        expectObservable(jobB.pipe(locked(backend, 'b')), '---^ 40ms !').toBe('31ms z|');
        expectSubscriptions(jobA.subscriptions).toBe('--^ 17ms !');
        expectSubscriptions(jobB.subscriptions).toBe('22ms ^ 9ms !');
        expectObservable(inspectAt(backend, 45)).toBe('45ms (c|)', { c: CLEAN });
      });
    });

    it("errors with the source's error and releases: a waiting contender runs in the same frame", () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const jobA = cold('-a-#');
        const jobB = cold('   -c|');
        expectObservable(jobA.pipe(locked(backend, 'a'))).toBe('-a-#');
        expectObservable(jobB.pipe(locked(backend, 'b')), '-^').toBe('----c|');
        expectSubscriptions(jobA.subscriptions).toBe('^--!');
        expectSubscriptions(jobB.subscriptions).toBe('---^-!');
        expectObservable(inspectAt(backend, 6)).toBe('6ms (c|)', { c: CLEAN });
      });
    });

    it('errors with LockBusyError without subscribing to the source when wait is false and the lock is busy', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const jobA = cold('-----------|');
        const jobB = cold('-c|');
        expectObservable(jobA.pipe(locked(backend, 'a'))).toBe('-----------|');
        // a acquired at 0 and renewed at 6: its lease ends at 26, 19 after frame 7.
        expectObservable(jobB.pipe(locked(backend, 'b', { wait: false })), '-------^').toBe(
          '-------#',
          undefined,
          new LockBusyError('k', 'a', 19),
        );
        expectSubscriptions(jobA.subscriptions).toBe('^----------!');
        expectSubscriptions(jobB.subscriptions).toBe([]);
        expectObservable(inspectAt(backend, 12)).toBe('12ms (c|)', { c: CLEAN });
      });
    });

    it('errors with LockTimeoutError without subscribing to the source when acquireTimeout runs out', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const jobA = cold('----------------|');
        const jobB = cold('-c|');
        expectObservable(jobA.pipe(locked(backend, 'a'))).toBe('----------------|');
        expectObservable(jobB.pipe(locked(backend, 'b', { acquireTimeout: 9 })), '--^').toBe(
          '-----------#',
          undefined,
          new LockTimeoutError('k', 9),
        );
        expectSubscriptions(jobA.subscriptions).toBe('^---------------!');
        expectSubscriptions(jobB.subscriptions).toBe([]);
        expectObservable(inspectAt(backend, 17)).toBe('17ms (c|)', { c: CLEAN });
      });
    });

    it('releases on early unsubscription: a waiting contender runs in the same frame', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const job = hot('  --a--b--c--d--e--|');
        const aUnsub = '   ^------!          ';
        const aExpected = '--a--b            ';
        const bUnsub = '   -^ 12ms !         ';
        const bExpected = '--------c--d      ';
        expectObservable(job.pipe(locked(backend, 'a')), aUnsub).toBe(aExpected);
        expectObservable(job.pipe(locked(backend, 'b')), bUnsub).toBe(bExpected);
        expectSubscriptions(job.subscriptions).toBe(['^------!', '-------^------!']);
        expectObservable(inspectAt(backend, 14)).toBe('14ms (c|)', { c: CLEAN });
      });
    });

    it('runs each subscription of one guarded Observable under its own hold of the lock, one after the other', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const source = cold('-a-b|');
        const guarded = source.pipe(locked(backend, 'a'));
        expectObservable(guarded).toBe('-a-b|');
        expectObservable(guarded, '--^').toBe('-----a-b|');
        expectSubscriptions(source.subscriptions).toBe(['^---!', '----^---!']);
        expectObservable(inspectAt(backend, 9)).toBe('9ms (c|)', { c: CLEAN });
      });
    });

    describe('sources', () => {
      it('never: holds the lock until unsubscribed', () => {
        scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
          const backend = createTestBackend();
          const source = cold('-');
          const unsub = '      ^ 30ms !';
          expectObservable(source.pipe(locked(backend, 'a')), unsub).toBe('-');
          expectSubscriptions(source.subscriptions).toBe(unsub);
          expectObservable(inspectAt(backend, 30)).toBe('30ms (i|)', { i: { leasesHeld: 1, watchers: 0 } });
          expectObservable(inspectAt(backend, 31)).toBe('31ms (c|)', { c: CLEAN });
        });
      });

      it('empty: completes and releases at once', () => {
        scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
          const backend = createTestBackend();
          const source = cold('|');
          expectObservable(source.pipe(locked(backend, 'a')), '--^').toBe('--|');
          expectSubscriptions(source.subscriptions).toBe('--(^!)');
          expectObservable(inspectAt(backend, 3)).toBe('3ms (c|)', { c: CLEAN }); // cold marbles complete in a later action of frame 2
        });
      });

      it('single value', () => {
        scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
          const backend = createTestBackend();
          const source = cold('(a|)');
          expectObservable(source.pipe(locked(backend, 'a')), '--^').toBe('--(a|)');
          expectSubscriptions(source.subscriptions).toBe('--(^!)');
          expectObservable(inspectAt(backend, 3)).toBe('3ms (c|)', { c: CLEAN }); // cold marbles complete in a later action of frame 2
        });
      });

      it('multiple values', () => {
        scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
          const backend = createTestBackend();
          const source = cold('-a-b-c|');
          expectObservable(source.pipe(locked(backend, 'a'))).toBe('-a-b-c|');
          expectSubscriptions(source.subscriptions).toBe('^-----!');
          expectObservable(inspectAt(backend, 7)).toBe('7ms (c|)', { c: CLEAN });
        });
      });

      it('error', () => {
        scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
          const backend = createTestBackend();
          const source = cold('-a-#', undefined, new Error('job failed'));
          expectObservable(source.pipe(locked(backend, 'a'))).toBe('-a-#', undefined, new Error('job failed'));
          expectSubscriptions(source.subscriptions).toBe('^--!');
          expectObservable(inspectAt(backend, 4)).toBe('4ms (c|)', { c: CLEAN });
        });
      });

      it('a callback that throws', () => {
        scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
          const backend = createTestBackend();
          const source = cold('-a-b-c|');
          const failing = source.pipe(
            map((value) => {
              if (value === 'b') throw new Error('bad value');
              return value;
            }),
          );
          expectObservable(failing.pipe(locked(backend, 'a'))).toBe('-a-#', undefined, new Error('bad value'));
          expectSubscriptions(source.subscriptions).toBe('^--!');
          expectObservable(inspectAt(backend, 4)).toBe('4ms (c|)', { c: CLEAN });
        });
      });
    });

    it('unsubscribes the source while the lock is still held, then releases it', () => {
      const heldWhenSourceStopped: number[] = [];
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const source = hot('--a--b--');
        const guarded = source.pipe(
          finalize(() => heldWhenSourceStopped.push(backend.inspect().leasesHeld)),
          locked(backend, 'a'),
        );
        expectObservable(guarded, '^----!').toBe('--a--');
        expectSubscriptions(source.subscriptions).toBe('^----!');
        expectObservable(inspectAt(backend, 5)).toBe('5ms (c|)', { c: CLEAN });
      });
      expect(heldWhenSourceStopped).toEqual([1]);
    });

    it('does not break unsubscription chains', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const source = hot('--a--b--c--|');
        const unsub = '     ^----!      ';
        const result = source.pipe(
          mergeMap((value) => of(value)),
          locked(backend, 'a'),
          mergeMap((value) => of(value)),
        );
        expectObservable(result, unsub).toBe('--a--');
        expectSubscriptions(source.subscriptions).toBe(unsub);
        expectObservable(inspectAt(backend, 5)).toBe('5ms (c|)', { c: CLEAN });
      });
    });

    it('checks key and options when the operator is created', () => {
      const backend = createTestBackend();
      expect(() => withLock(backend, '')).toThrow(TypeError);
      expect(() => withLock(backend, '')).toThrow(/`key`/);
      expect(() => withLock(backend, 'k', { renewInterval: 0 })).toThrow(RangeError);
      expect(() => withLock(backend, 'k', { renewInterval: 0 })).toThrow(/`renewInterval`/);
      expect(() => withLock({} as SyncBackend, 'k')).toThrow(/`backend`/);
      expect(backend.inspect()).toEqual(CLEAN);
    });
  });
});
