import { map, NEVER, tap, type Observable } from 'rxjs';
import { TestScheduler, type RunHelpers } from 'rxjs/testing';
import {
  BackendUnavailableError,
  lock,
  LockBusyError,
  LockTimeoutError,
  type Lease,
  type LeaseAttempt,
  type SyncBackend,
  type Vacancy,
} from 'rx-sync';
import { createTestBackend } from 'rx-sync/testing';
import { atFrame, CLEAN, inspectAt, TIMING, toLeaseData, type LeaseData } from '../../support/marbleHelpers';

// Frames below follow TIMING: validity 18 (20 − 2) from each request, renewals every 6, failed
// renewals retried every 4, waiters polling at +4, +8, +16 (capped by the holder's expiresIn).

const lease = (holder: string, token: number): LeaseData => ({ key: 'k', holder, token });

/** Longest delay a Node.js timer accepts: longer ones fire after 1 ms (TimeoutOverflowWarning). */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

describe('lock', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('acquires a free lock at subscription and emits one Lease with token 1', () => {
    scheduler.run(({ expectObservable }) => {
      const backend = createTestBackend();
      const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(toLeaseData());
      const aSubs = '     --^ 30ms !';
      const expected = '  --a        ';
      expectObservable(a, aSubs).toBe(expected, { a: lease('a', 1) });
      expectObservable(inspectAt(backend, 33)).toBe('33ms (c|)', { c: CLEAN });
    });
  });

  it('keeps the lock well past leaseDuration by renewing every renewInterval', () => {
    scheduler.run(({ expectObservable }) => {
      const backend = createTestBackend();
      const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(toLeaseData());
      const probe = lock(backend, 'k', { ...TIMING, holder: 'p', wait: false });
      expectObservable(a, '^ 99ms !').toBe('a', { a: lease('a', 1) });
      // Renewed at 48 and 90: the lease ends 20 after the last renewal.
      expectObservable(probe, '50ms ^').toBe('50ms #', undefined, new LockBusyError('k', 'a', 18));
      expectObservable(probe, '95ms ^').toBe('95ms #', undefined, new LockBusyError('k', 'a', 15));
      expectObservable(inspectAt(backend, 100)).toBe('100ms (c|)', { c: CLEAN });
    });
  });

  it('lets a waiter acquire in the same frame as the holder releases', () => {
    scheduler.run(({ expectObservable }) => {
      const backend = createTestBackend();
      const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(toLeaseData());
      const w = lock(backend, 'k', { ...TIMING, holder: 'w' }).pipe(toLeaseData());
      const aSubs = '     ^-------!            ';
      const aExpected = ' a                    ';
      const wSubs = '     --^ 20ms !           ';
      const wExpected = ' --------w            ';
      expectObservable(a, aSubs).toBe(aExpected, { a: lease('a', 1) });
      expectObservable(w, wSubs).toBe(wExpected, { w: lease('w', 2) });
      expectObservable(inspectAt(backend, 23)).toBe('23ms (c|)', { c: CLEAN });
    });
  });

  it('gives every new holder a strictly greater token, also after the lock was free', () => {
    scheduler.run(({ expectObservable }) => {
      const backend = createTestBackend();
      const contender = (holder: string): Observable<LeaseData> =>
        lock(backend, 'k', { ...TIMING, holder }).pipe(toLeaseData());
      expectObservable(contender('a'), '^----!           ').toBe('a               ', { a: lease('a', 1) });
      expectObservable(contender('b'), '-^--------!      ').toBe('-----b          ', { b: lease('b', 2) });
      expectObservable(contender('c'), '-------^--------!').toBe('----------c     ', { c: lease('c', 3) });
      expectObservable(contender('a'), '20ms ^---!').toBe('20ms a', { a: lease('a', 4) });
      expectObservable(inspectAt(backend, 30)).toBe('30ms (c|)', { c: CLEAN });
    });
  });

  it('each subscription of one lock Observable is a separate contender', () => {
    scheduler.run(({ expectObservable }) => {
      const backend = createTestBackend();
      const shared = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(toLeaseData());
      expectObservable(shared, '^---!      ').toBe('a          ', { a: lease('a', 1) });
      expectObservable(shared, '-^ 10ms !  ').toBe('----b      ', { b: lease('a', 2) });
      expectObservable(inspectAt(backend, 12)).toBe('12ms (c|)', { c: CLEAN });
    });
  });

  describe('acquireTimeout', () => {
    it('errors with LockTimeoutError exactly acquireTimeout after subscription', () => {
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(toLeaseData());
        const w = lock(backend, 'k', { ...TIMING, holder: 'w', acquireTimeout: 7 }).pipe(toLeaseData());
        const wSubs = '     ---^        ';
        const wExpected = ' ----------# ';
        expectObservable(a, '^ 40ms !').toBe('a', { a: lease('a', 1) });
        expectObservable(w, wSubs).toBe(wExpected, undefined, new LockTimeoutError('k', 7));
        expectObservable(inspectAt(backend, 41)).toBe('41ms (c|)', { c: CLEAN });
      });
    });

    it('does not limit how long the lock is held once acquired', () => {
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        const a = lock(backend, 'k', { ...TIMING, holder: 'a', acquireTimeout: 5 }).pipe(toLeaseData());
        expectObservable(a, '^ 49ms !').toBe('a', { a: lease('a', 1) });
        expectObservable(inspectAt(backend, 50)).toBe('50ms (c|)', { c: CLEAN });
      });
    });
  });

  describe('wait: false', () => {
    it('errors at once with LockBusyError naming the holder and when its lease ends', () => {
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(toLeaseData());
        const w = lock(backend, 'k', { ...TIMING, holder: 'w', wait: false }).pipe(toLeaseData());
        expectObservable(a, '^ 20ms !').toBe('a', { a: lease('a', 1) });
        // a renewed at 6: its lease ends at 26, 17 after frame 9.
        expectObservable(w, '---------^').toBe('---------#', undefined, new LockBusyError('k', 'a', 17));
        expectObservable(inspectAt(backend, 21)).toBe('21ms (c|)', { c: CLEAN });
      });
    });

    it('acquires a free lock', () => {
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        const w = lock(backend, 'k', { ...TIMING, holder: 'w', wait: false }).pipe(toLeaseData());
        expectObservable(w, '--^---!').toBe('--w', { w: lease('w', 1) });
        expectObservable(inspectAt(backend, 6)).toBe('6ms (c|)', { c: CLEAN });
      });
    });
  });

  describe('losing the lock', () => {
    it('completes at the next renewal when the lease was expired, and the waiter gets it at the expiry frame', () => {
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(toLeaseData());
        const w = lock(backend, 'k', { ...TIMING, holder: 'w' }).pipe(toLeaseData());
        const probe = lock(backend, 'k', { ...TIMING, holder: 'p', wait: false });
        const aExpected = ' a-----------|     '; // renewals at 6 (granted) and 12 (refused)
        const wSubs = '     ---^ 30ms !       ';
        const wExpected = ' ----------w       ';
        atFrame(10, () => backend.expireLock('k'));
        expectObservable(a, '^ 30ms !').toBe(aExpected, { a: lease('a', 1) });
        expectObservable(w, wSubs).toBe(wExpected, { w: lease('w', 2) });
        // a's release on completion did not free w's lock: w holds it since 10 (lease ends at 30).
        expectObservable(probe, '--------------^').toBe('--------------#', undefined, new LockBusyError('k', 'w', 16));
        expectObservable(inspectAt(backend, 34)).toBe('34ms (c|)', { c: CLEAN });
      });
    });

    it.each(['partition', 'failRequests', 'crash'] as const)(
      '%s: completes exactly at the validity deadline, and the waiter gets the lock exactly when the lease ends',
      (fault) => {
        scheduler.run(({ expectObservable }) => {
          const backend = createTestBackend();
          const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(toLeaseData());
          const w = lock(backend, 'k', { ...TIMING, holder: 'w' }).pipe(toLeaseData());
          atFrame(4, () => backend[fault]('a'));
          // Acquired at 2: valid until 2 + 18 = 20; the backend keeps the lease until 2 + 20 = 22.
          expectObservable(a, '--^ 40ms !').toBe('--a 17ms |', { a: lease('a', 1) });
          expectObservable(w, '---^ 40ms !').toBe('22ms w', { w: lease('w', 2) });
          expectObservable(inspectAt(backend, 45)).toBe('45ms (c|)', { c: CLEAN });
        });
      },
    );

    it('failRequests healed before the deadline: a retried renewal succeeds and the lock is kept', () => {
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(toLeaseData());
        const probe = lock(backend, 'k', { ...TIMING, holder: 'p', wait: false });
        atFrame(4, () => backend.failRequests('a')); // renewals at 6 and 10 fail
        atFrame(12, () => backend.heal('a')); // the retry at 14 succeeds; renewals at 20, 26, 32…
        expectObservable(a, '^ 59ms !').toBe('a', { a: lease('a', 1) });
        expectObservable(probe, '30ms ^').toBe('30ms #', undefined, new LockBusyError('k', 'a', 16));
        expectObservable(inspectAt(backend, 60)).toBe('60ms (c|)', { c: CLEAN });
      });
    });

    it('isValid() is true while held and false from the validity deadline on', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        let held: Lease | undefined;
        const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(
          tap((value) => (held = value)),
          toLeaseData(),
        );
        const samples = hot('-----s 11ms ss 5ms s|');
        const expected = '   -----t 11ms tf 5ms f|';
        const sampleSubs = ' ^ 24ms !';
        atFrame(2, () => backend.partition('a'));
        expectObservable(a, '^ 30ms !').toBe('a 17ms |', { a: lease('a', 1) });
        expectObservable(samples.pipe(map(() => held?.isValid()))).toBe(expected, { t: true, f: false });
        expectSubscriptions(samples.subscriptions).toBe(sampleSubs);
        expectObservable(inspectAt(backend, 31)).toBe('31ms (c|)', { c: CLEAN });
      });
    });

    it('isValid() is false once the lock is released by unsubscription', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        let held: Lease | undefined;
        const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(tap((value) => (held = value)));
        const samples = hot('----s----s|');
        const expected = '   ----t----f|';
        const sampleSubs = ' ^---------!';
        expectObservable(a.pipe(toLeaseData()), '^-------!').toBe('a', { a: lease('a', 1) });
        expectObservable(samples.pipe(map(() => held?.isValid()))).toBe(expected, { t: true, f: false });
        expectSubscriptions(samples.subscriptions).toBe(sampleSubs);
        expectObservable(inspectAt(backend, 8)).toBe('8ms (c|)', { c: CLEAN });
      });
    });
  });

  describe('backend replies', () => {
    it('measures validity from when the request was sent, not from when the reply came', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const memory = createTestBackend();
        const grant = cold<LeaseAttempt>('---(g|)', { g: { granted: true, token: 7 } });
        const renewal = cold<boolean>('-'); // never answered
        const backend: SyncBackend = { ...memory, tryAcquire: () => grant, renew: () => renewal };
        const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(toLeaseData());
        const expected = '    ---a 14ms |'; // sent at 0: valid until 18, not 3 + 18
        const grantSubs = '   ^--!';
        // first renewal at 3 + 6; no reply within renewInterval, so asked again at 15; abandoned at the deadline
        const renewalSubs = [' ---------^-----!', ' ---------------^--!'];
        expectObservable(a).toBe(expected, { a: lease('a', 7) });
        expectSubscriptions(grant.subscriptions).toBe(grantSubs);
        expectSubscriptions(renewal.subscriptions).toBe(renewalSubs);
        expectObservable(inspectAt(memory, 19)).toBe('19ms (c|)', { c: CLEAN });
      });
    });

    // A grant that came, or may still come, too late is given back and asked for again after a
    // backoff, not at once: behind a link slower than the validity, asking again at once renewed an
    // unusable grant and locked everyone else out (found by the fault suite's latency fault).
    it('abandons an attempt whose reply could only come after the validity it could give, gives it back and asks again after a backoff', () => {
      const releases: number[] = [];
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const memory = createTestBackend();
        const grant = cold<LeaseAttempt>('19ms (g|)', { g: { granted: true, token: 7 } });
        const backend: SyncBackend = {
          ...memory,
          tryAcquire: () => grant,
          release: (key, owner) => {
            releases.push(scheduler.now());
            return memory.release(key, owner);
          },
        };
        const a = lock(backend, 'k', { ...TIMING, holder: 'a', acquireTimeout: 50 }).pipe(toLeaseData());
        expectObservable(a).toBe('50ms #', undefined, new LockTimeoutError('k', 50));
        // abandoned at 18, asked again at 18 + 4 and at 40 + 8; the acquire timeout ends it at 50
        expectSubscriptions(grant.subscriptions).toBe(['^ 17ms !', '22ms ^ 17ms !', '48ms ^ 1ms !']);
        expectObservable(inspectAt(memory, 50)).toBe('50ms (c|)', { c: CLEAN });
      });
      expect(releases).toEqual([18, 40, 50]); // each abandoned attempt, and the end
    });

    it('without lease events, a waiter polls and still acquires exactly when the lease ends', () => {
      scheduler.run(({ expectObservable }) => {
        const memory = createTestBackend();
        const backend: SyncBackend = { ...memory, leaseEvents: () => NEVER };
        const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(toLeaseData());
        const w = lock(backend, 'k', { ...TIMING, holder: 'w' }).pipe(toLeaseData());
        atFrame(1, () => memory.crash('a'));
        // w polls at 2, 6, 14, then at 20 (capped by expiresIn), when a's lease ends.
        expectObservable(a, '^ 30ms !').toBe('a 17ms |', { a: lease('a', 1) });
        expectObservable(w, '--^ 30ms !').toBe('20ms w', { w: lease('w', 2) });
        expectObservable(inspectAt(memory, 33)).toBe('33ms (c|)', { c: CLEAN });
      });
    });

    // Regression: a contender already waiting errored on the first poll a failover cost it (seen on
    // a Cluster with ioredis 6: "Too many Cluster redirections"), and a campaign that waits for ever died.
    it('keeps waiting through polls that a transient backend failure costs, and acquires when the lease is free', () => {
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(toLeaseData());
        const w = lock(backend, 'k', { ...TIMING, holder: 'w' }).pipe(toLeaseData());
        atFrame(2, () => backend.failRequests('w'));
        atFrame(12, () => backend.heal('w'));
        // a releases at 15: w, woken by the release, acquires at once.
        expectObservable(a, '^ 14ms !').toBe('a', { a: lease('a', 1) });
        expectObservable(w, '^ 30ms !').toBe('15ms w', { w: lease('w', 2) });
      });
    });

    it('ends a wait whose polls all failed with LockTimeoutError, the backend failure as its cause', () => {
      let failure: unknown;
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        const a = lock(backend, 'k', { ...TIMING, holder: 'a' }).pipe(toLeaseData());
        const w = lock(backend, 'k', { ...TIMING, holder: 'w', acquireTimeout: 30 });
        atFrame(2, () => backend.failRequests('w'));
        expectObservable(a, '^ 40ms !').toBe('a', { a: lease('a', 1) });
        atFrame(1, () => w.subscribe({ error: (error: unknown) => (failure = error) }));
      });
      expect(failure).toBeInstanceOf(LockTimeoutError);
      expect((failure as LockTimeoutError).cause).toBeInstanceOf(BackendUnavailableError);
    });

    it('errors with the backend error when the backend fails while acquiring', () => {
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        backend.failRequests('w');
        const w = lock(backend, 'k', { ...TIMING, holder: 'w' }).pipe(toLeaseData());
        expectObservable(w, '---^').toBe('---#', undefined, new BackendUnavailableError('memory', 'tryAcquire'));
        expectObservable(inspectAt(backend, 4)).toBe('4ms (c|)', { c: CLEAN });
      });
    });
  });

  // A backend may hand a released lease to the waiter first in line in the same step (Redis does),
  // telling it with the vacancy that names its place.
  describe('a lease granted on release', () => {
    const refusal: LeaseAttempt = {
      granted: false,
      current: { holder: 'a', token: 1, expiresIn: 100 },
      retryIn: 4,
      place: 'p',
    };
    const grantedIn = (token: number, leaseDuration: number): Vacancy => ({
      next: 'p',
      granted: { token, leaseDuration },
    });
    /** A `tryAcquire` that refuses with `refused` (a frame after each call) twice, then answers with `then`. */
    const refusingTwice = (
      cold: RunHelpers['cold'],
      refused: LeaseAttempt,
      then: Observable<LeaseAttempt>,
    ): SyncBackend['tryAcquire'] => {
      let attempts = 0;
      return () => (++attempts <= 2 ? cold<LeaseAttempt>('-(r|)', { r: refused }) : then);
    };

    it('is held at once, valid from the last refused attempt, and renewed a third of the way into what is left of it', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const memory = createTestBackend();
        const refused = cold<LeaseAttempt>('-(r|)', { r: refusal });
        const vacancies = cold<Vacancy>('----v', { v: grantedIn(9, 12) });
        const renewed = cold<boolean>('-(t|)', { t: true });
        const backend: SyncBackend = {
          ...memory,
          tryAcquire: () => refused,
          vacancies: () => vacancies,
          renew: () => renewed,
        };
        const b = lock(backend, 'k', { ...TIMING, holder: 'b' }).pipe(toLeaseData());
        // refused at 1 (sent at 0), watches, asks again at 1 (refused at 2); granted at 5: valid
        // until 1 + 12 − 2 = 11, so renewed at 5 + (11 − 5) / 3 = 7, then every 6 after a reply
        expectObservable(b, '^ 17ms !').toBe('-----b', { b: lease('b', 9) });
        expectSubscriptions(refused.subscriptions).toBe(['^!', '-^!']);
        expectSubscriptions(vacancies.subscriptions).toBe('-^---!');
        expectSubscriptions(renewed.subscriptions).toBe(['-------^!', '--------------^!']);
      });
    });

    it('gives it back when it came too late to count on, and asks again after a backoff', () => {
      const releases: number[] = [];
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const memory = createTestBackend();
        const asked = cold<LeaseAttempt>('-(g|)', { g: { granted: true, token: 10 } });
        const backend: SyncBackend = {
          ...memory,
          tryAcquire: refusingTwice(cold, refusal, asked),
          // told at 3 (it listens from 1) of a grant valid until 1 + 3 − 2 = 2 only
          vacancies: () => cold<Vacancy>('--v', { v: grantedIn(9, 3) }),
          release: (key, owner) => {
            releases.push(scheduler.now());
            return memory.release(key, owner);
          },
        };
        const b = lock(backend, 'k', { ...TIMING, holder: 'b' }).pipe(toLeaseData());
        // given back at 3, asked again after retryDelay (4) at 7, granted at 8
        expectObservable(b, '^ 9ms !').toBe('--------b', { b: lease('b', 10) });
        expectSubscriptions(asked.subscriptions).toBe('-------^!');
      });
      expect(releases).toEqual([3, 10]); // the late grant, and the end
    });

    it('asks instead of taking a grant no newer than a refusal it has had (a late message of a grant that ended since)', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const memory = createTestBackend();
        const asked = cold<LeaseAttempt>('-(g|)', { g: { granted: true, token: 10 } });
        const backend: SyncBackend = {
          ...memory,
          // refused when the last token minted was 9: a grant of token 9 came before that refusal
          tryAcquire: refusingTwice(cold, { ...refusal, minted: 9 }, asked),
          vacancies: () => cold<Vacancy>('--v', { v: grantedIn(9, 12) }),
        };
        const b = lock(backend, 'k', { ...TIMING, holder: 'b' }).pipe(toLeaseData());
        // told at 3, asks at once, granted at 4
        expectObservable(b, '^ 9ms !').toBe('----b', { b: lease('b', 10) });
        expectSubscriptions(asked.subscriptions).toBe('---^!');
      });
    });

    it('stops the clock of an attempt still on its way, which would otherwise give the lease back when it lapses', () => {
      const releases: number[] = [];
      scheduler.run(({ cold, expectObservable }) => {
        const memory = createTestBackend();
        const backend: SyncBackend = {
          ...memory,
          tryAcquire: refusingTwice(cold, refusal, cold<LeaseAttempt>('-')),
          // the refresh sent at 6 has no reply yet at 8; it would lapse at 6 + 18 = 24
          vacancies: () => cold<Vacancy>('-------v', { v: grantedIn(9, 12) }),
          renew: () => cold<boolean>('-(t|)', { t: true }),
          release: (key, owner) => {
            releases.push(scheduler.now());
            return memory.release(key, owner);
          },
        };
        const b = lock(backend, 'k', { ...TIMING, holder: 'b' }).pipe(toLeaseData());
        expectObservable(b, '^ 29ms !').toBe('--------b', { b: lease('b', 9) });
      });
      expect(releases).toEqual([30]); // at the unsubscription only
    });
  });

  describe('call-time checks', () => {
    function recordingBackend(): { backend: SyncBackend; calls: string[] } {
      const calls: string[] = [];
      const target = createTestBackend();
      const backend = Object.fromEntries(
        Object.entries(target).map(([name, member]) => [
          name,
          typeof member === 'function'
            ? (...args: unknown[]) => {
                calls.push(name);
                return (member as (...inner: unknown[]) => unknown)(...args);
              }
            : member,
        ]),
      ) as unknown as SyncBackend;
      return { backend, calls };
    }

    it('is cold: nothing reaches the backend before subscription', () => {
      const { backend, calls } = recordingBackend();
      const unsubscribed = lock(backend, 'k', TIMING);
      expect(calls).toEqual([]);
      scheduler.run(({ expectObservable }) => {
        expectObservable(unsubscribed.pipe(map((value) => value.token)), '^!').toBe('1', { 1: 1 });
      });
      expect(calls).toContain('tryAcquire');
    });

    it.each([
      ['an empty key', '', undefined, TypeError, /`key`/],
      ['a key that is not a string', 42, undefined, TypeError, /`key`/],
      ['a key with control characters', 'a\nb', undefined, TypeError, /`key`.*control characters/],
      ['a key longer than 1024 characters', 'k'.repeat(1025), undefined, RangeError, /`key`.*1024/],
      ['a negative leaseDuration', 'k', { leaseDuration: -1 }, RangeError, /`leaseDuration`/],
      [
        'a renewInterval past the validity',
        'k',
        { leaseDuration: 20, driftMargin: 2, renewInterval: 18 },
        RangeError,
        /`renewInterval`/,
      ],
      [
        'a driftMargin as long as the lease',
        'k',
        { leaseDuration: 20, driftMargin: 20, renewInterval: 1 },
        RangeError,
        /`driftMargin`/,
      ],
      ['a zero acquireTimeout', 'k', { acquireTimeout: 0 }, RangeError, /`acquireTimeout`/],
      ['a non-boolean wait', 'k', { wait: 'no' }, TypeError, /`wait`/],
      ['an empty holder', 'k', { holder: '' }, TypeError, /`holder`/],
      ['options that are not an object', 'k', 'fast', TypeError, /`options`/],
    ])('throws at call time for %s', (_case, key, options, errorClass, message) => {
      const { backend, calls } = recordingBackend();
      const call = (): Observable<Lease> => lock(backend, key as string, options as never);
      expect(call).toThrow(errorClass);
      expect(call).toThrow(message);
      expect(calls).toEqual([]);
    });

    it('throws TypeError at call time for something that is not a backend', () => {
      expect(() => lock({} as SyncBackend, 'k')).toThrow(TypeError);
      expect(() => lock(null as unknown as SyncBackend, 'k')).toThrow(/`backend`/);
    });

    // Node caps timer delays at 2^31 − 1 ms (about 24.8 days): a longer one fires after 1 ms
    // (TimeoutOverflowWarning), so a 30-day lease or acquire timeout would once end at once.
    it('refuses at call time a leaseDuration longer than a Node.js timer can wait (2^31 − 1 ms)', () => {
      expect(() => lock(createTestBackend(), 'k', { leaseDuration: MAX_TIMER_DELAY + 10_000 })).toThrow(
        /`leaseDuration`.*up to 2147483647/,
      );
    });

    it('refuses at call time an acquireTimeout longer than a Node.js timer can wait, and allows Infinity', () => {
      const backend = createTestBackend();
      expect(() => lock(backend, 'k', { acquireTimeout: MAX_TIMER_DELAY + 1 })).toThrow(/`acquireTimeout`/);
      expect(() => lock(backend, 'k', { acquireTimeout: Infinity })).not.toThrow();
    });
  });
});
