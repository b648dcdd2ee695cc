import {
  defer,
  EMPTY,
  finalize,
  firstValueFrom,
  forkJoin,
  interval,
  map,
  of,
  repeat,
  Subject,
  switchMap,
  take,
  takeUntil,
  throwError,
  timeout,
  timer,
  toArray,
  type Observable,
} from 'rxjs';
import {
  changes,
  createLeader,
  createLock,
  createStore,
  keyValue,
  leader,
  leadership,
  lock,
  LockBusyError,
  LockTimeoutError,
  NotHeldError,
  SyncError,
  VersionConflictError,
  whileHeld,
  whileLeader,
  withLock,
  type ChangeEvent,
  type Item,
  type Leader,
  type LeaseAttempt,
  type LeaseEvent,
  type LeaseHolder,
  type SyncBackend,
  type Vacancy,
} from 'rx-sync';
import { leadershipLeaseKey, lockLeaseKey } from '../../src/internal/leaseKeys.js';
import { randomId, Recorder, show, single, spyOnAttempts, waitUntil } from '../support/testKit.js';

/** Options of {@link describeBackendContract}. */
export interface BackendContractOptions<B extends SyncBackend> {
  /** Called after each test, after the leak checks, with the backend `createBackend` gave for it. */
  readonly teardown?: (backend: B) => Promise<void> | void;
  /**
   * Multiplies every lease duration, time-to-live and wait of the suite (a slow or remote backend
   * may want 2 or 3). @defaultValue 1
   */
  readonly timeScale?: number;
  /**
   * Tests to skip, by exact title, each with the reason (a known bug and where its failing test
   * lives). A title that matches no test is an error, so the list cannot go stale silently.
   */
  readonly skip?: Readonly<Record<string, string>>;
  /**
   * Whether the backend announces a lease that lapsed without renewal with an `expired` lease event.
   * When `false`, the suite accepts that no such event comes (waiters and `leader()` then learn of
   * the lapse by polling, as DESIGN.md's "push, then poll" allows) but still checks every event
   * that does come. @defaultValue true
   */
  readonly announcesLeaseExpiry?: boolean;
  /**
   * Whether `changes()` reports the changes of different keys in the order they were applied. When
   * `false` (Redis Cluster: the changes of keys in different store shards come from different
   * masters), the suite checks the order of each key's changes and that every change comes once.
   * @defaultValue true
   */
  readonly ordersChangesAcrossKeys?: boolean;
}

/**
 * The behaviour every {@link SyncBackend} must have, as one jest `describe`: the raw contract of
 * `src/backend.ts`, then the primitives built on it (locks, leadership, the watched store and the
 * Promise facade), end to end.
 *
 * @remarks
 * The suite runs in real time, so that it can run against a real server: `createBackend` is
 * called before each test and `teardown` after it; every test uses fresh random key names, so
 * tests may share a server with other suites; nothing waits a fixed time: every wait is for an
 * event or a polled state, bounded by a generous timeout, and no assertion measures a wall-clock
 * duration. Where a test checks the exact events of a watch (`leaseEvents`, `changes`), it first
 * "warms the watch up" with a probe write, since a networked backend cannot say when its
 * subscription took effect. What the suite does demand of watches is the ordering rule that
 * `keyValue()`, `leader()` and waiting contenders rely on: a watch is live once a read
 * (`get`, `list`, `readLease`) or `tryAcquire` subscribed after it has been answered.
 * After each test (and after unsubscribing whatever it left subscribed), every lock and
 * leadership key it used must be free (`readLease` gives `undefined`), and every tenure must have
 * ended with `released`, not `expired`, unless the test let a lease lapse on purpose.
 *
 * @param name - The backend's name in test titles.
 * @param createBackend - Makes the backend for one test.
 * @param options - Teardown, time scale, known failures and lease-expiry announcements.
 */
export function describeBackendContract<B extends SyncBackend>(
  name: string,
  createBackend: () => B | Promise<B>,
  options: BackendContractOptions<B> = {},
): void {
  describe(`SyncBackend contract: ${name}`, () => {
    const scale = options.timeScale ?? 1;
    const announcesLeaseExpiry = options.announcesLeaseExpiry ?? true;
    const ordersChangesAcrossKeys = options.ordersChangesAcrossKeys ?? true;
    const ms = (duration: number): number => Math.round(duration * scale);
    /** Bound of every single wait for an event or a state. */
    const WAIT = ms(5_000);
    /** A lease or time-to-live that must outlive the steps of a test. */
    const LONG = ms(20_000);
    /** A lease or time-to-live that a test waits out. */
    const SHORT = ms(200);
    /** Timing of the primitives: short leases, quick retries. */
    const TIMING = Object.freeze({ leaseDuration: ms(600), retryDelay: ms(10), maxRetryDelay: ms(100) });
    const TEST_TIMEOUT = ms(30_000);

    const titles = new Set<string>();
    const test = (title: string, body: () => Promise<void>): void => {
      titles.add(title);
      const reason = options.skip?.[title];
      if (reason !== undefined) it.skip(`${title} [skipped: ${reason}]`, body);
      else it(title, body, TEST_TIMEOUT);
    };

    let backend: B;
    let ctx: ContractContext;

    beforeEach(async () => {
      backend = await createBackend();
      ctx = new ContractContext(backend, WAIT, announcesLeaseExpiry);
    }, TEST_TIMEOUT);

    afterEach(async () => {
      try {
        ctx?.stopStreams();
        await ctx?.verifyFreed();
      } finally {
        ctx?.close();
        if (backend !== undefined) await options.teardown?.(backend);
      }
    }, TEST_TIMEOUT);

    /** Records a stream for the test; afterEach unsubscribes whatever the test left subscribed. */
    const record = <T>(source: Observable<T>, label: string, keep?: (value: T) => boolean): Recorder<T> =>
      ctx.record(source, label, keep);

    /** The first vacancy `turns` heard that names `place` (its turn, or the lease granted to it). */
    const turnOf = async (turns: Recorder<Vacancy>, place: string, what: string): Promise<Vacancy> => {
      await turns.until((r) => r.values.some((vacancy) => vacancy.next === place), what);
      return turns.values.find((vacancy) => vacancy.next === place)!;
    };
    const granted = (attempt: LeaseAttempt, what = 'tryAcquire'): number => {
      if (!attempt.granted) throw new Error(`${what} was refused: ${show(attempt)}`);
      return attempt.token;
    };
    const claim = (holder: string, leaseDuration: number, value?: string) => ({
      owner: `${holder}-${randomId()}${randomId()}`,
      holder,
      leaseDuration,
      ...(value !== undefined && { value }),
    });

    describe('leases (raw contract)', () => {
      test('tryAcquire grants a free lease with a fencing token, readLease shows it', async () => {
        const key = ctx.leaseKey('grant');
        expect(await single(backend.readLease(key), WAIT)).toBeUndefined();
        const a = claim('node-a', LONG, 'addr-a');
        const attempt = await single(backend.tryAcquire(key, a), WAIT);
        const token = granted(attempt);
        expect(Number.isSafeInteger(token)).toBe(true);
        expect(token).toBeGreaterThan(0);
        const holder = await single(backend.readLease(key), WAIT);
        expect(holder).toEqual({ holder: 'node-a', token, value: 'addr-a', expiresIn: expect.any(Number) });
        expectExpiresIn(holder, LONG);
        expect(await single(backend.release(key, a.owner), WAIT)).toBe(true);
        expect(await single(backend.readLease(key), WAIT)).toBeUndefined();
      });

      test('tryAcquire refuses another owner and says who holds the lease', async () => {
        const key = ctx.leaseKey('refuse');
        const a = claim('node-a', LONG, 'addr-a');
        const token = granted(await single(backend.tryAcquire(key, a), WAIT));
        const refused = await single(backend.tryAcquire(key, claim('node-b', LONG, 'addr-b')), WAIT);
        expect(refused).toEqual({
          granted: false,
          current: { holder: 'node-a', token, value: 'addr-a', expiresIn: expect.any(Number) },
          retryIn: expect.any(Number),
        });
        if (!refused.granted) expectExpiresIn(refused.current, LONG);
        // A holder without a public value: `current` has no value either.
        const c = claim('node-c', LONG);
        expect(await single(backend.release(key, a.owner), WAIT)).toBe(true);
        const tokenC = granted(await single(backend.tryAcquire(key, c), WAIT));
        const refusedD = await single(backend.tryAcquire(key, claim('node-d', LONG)), WAIT);
        expect(refusedD.granted).toBe(false);
        if (!refusedD.granted) {
          expect(refusedD.current?.holder).toBe('node-c');
          expect(refusedD.current?.token).toBe(tokenC);
          expect(refusedD.current?.value).toBeUndefined();
        }
        expect(await single(backend.release(key, c.owner), WAIT)).toBe(true);
      });

      test('tryAcquire is idempotent for the owner that holds the lease, and extends it', async () => {
        const key = ctx.leaseKey('idempotent');
        const a = claim('node-a', ms(2_000));
        const token = granted(await single(backend.tryAcquire(key, a), WAIT));
        const again = await single(backend.tryAcquire(key, { ...a, leaseDuration: LONG }), WAIT);
        expect(again).toEqual({ granted: true, token });
        const holder = await single(backend.readLease(key), WAIT);
        expect(holder?.token).toBe(token);
        expect(holder?.expiresIn).toBeGreaterThan(ms(2_000));
        expect(await single(backend.release(key, a.owner), WAIT)).toBe(true);
      });

      test('renew and release are owner-checked', async () => {
        const key = ctx.leaseKey('owner-checked');
        const a = claim('node-a', ms(2_000));
        const stranger = claim('node-b', LONG);
        const token = granted(await single(backend.tryAcquire(key, a), WAIT));
        expect(await single(backend.renew(key, stranger.owner, LONG), WAIT)).toBe(false);
        expect(await single(backend.release(key, stranger.owner), WAIT)).toBe(false);
        expect((await single(backend.readLease(key), WAIT))?.token).toBe(token);
        expect(await single(backend.renew(key, a.owner, LONG), WAIT)).toBe(true);
        const renewed = await single(backend.readLease(key), WAIT);
        expect(renewed?.token).toBe(token);
        expect(renewed?.expiresIn).toBeGreaterThan(ms(2_000));
        expect(await single(backend.release(key, a.owner), WAIT)).toBe(true);
        expect(await single(backend.release(key, a.owner), WAIT)).toBe(false);
        expect(await single(backend.renew(key, a.owner, LONG), WAIT)).toBe(false);
        expect(await single(backend.readLease(key), WAIT)).toBeUndefined();
      });

      test('a lease lapses after its leaseDuration without renewal, with an expired event', async () => {
        const key = ctx.leaseKey('lapse', { mayExpire: true });
        const events = await ctx.readyLeaseEvents(key);
        const a = claim('node-a', SHORT);
        const token = granted(await single(backend.tryAcquire(key, a), WAIT));
        await leaseFree(backend, key, WAIT, `the lease of ${key} to lapse`);
        const acquired = { type: 'acquired', key, holder: 'node-a', token };
        const expired = { type: 'expired', key, token };
        if (announcesLeaseExpiry) {
          await events.until(
            (r) => r.values.some((event) => event.type === 'expired'),
            `report "expired" for token ${token}`,
          );
          expect(events.values).toEqual([acquired, expired]);
        } else {
          expect([[acquired], [acquired, expired]]).toContainEqual(events.values);
        }
        expect(await single(backend.renew(key, a.owner, LONG), WAIT)).toBe(false);
        const again = granted(await single(backend.tryAcquire(key, a), WAIT)); // the same owner starts a new tenure
        expect(again).toBeGreaterThan(token);
        expect(await single(backend.release(key, a.owner), WAIT)).toBe(true);
      });

      test('a stale owner can neither renew, release nor update after its lease lapsed and another took it', async () => {
        const key = ctx.leaseKey('stale', { mayExpire: true });
        const a = claim('node-a', SHORT);
        const b = claim('node-b', LONG);
        const tokenA = granted(await single(backend.tryAcquire(key, a), WAIT));
        await leaseFree(backend, key, WAIT, `the lease of ${key} to lapse`);
        const tokenB = granted(await single(backend.tryAcquire(key, b), WAIT));
        expect(tokenB).toBeGreaterThan(tokenA);
        expect(await single(backend.renew(key, a.owner, LONG), WAIT)).toBe(false);
        expect(await single(backend.release(key, a.owner), WAIT)).toBe(false);
        expect(await single(backend.updateLease(key, a.owner, 'stale'), WAIT)).toBe(false);
        expect(await single(backend.readLease(key), WAIT)).toEqual({
          holder: 'node-b',
          token: tokenB,
          expiresIn: expect.any(Number),
        });
        expect(await single(backend.release(key, b.owner), WAIT)).toBe(true);
      });

      test('release then acquire mints a strictly greater token, for any owner', async () => {
        const key = ctx.leaseKey('tokens');
        const tokens: number[] = [];
        const same = claim('node-same', LONG);
        for (const next of [claim('node-a', LONG), same, same, claim('node-b', LONG)]) {
          tokens.push(granted(await single(backend.tryAcquire(key, next), WAIT)));
          expect(await single(backend.release(key, next.owner), WAIT)).toBe(true);
        }
        expect(tokens).toEqual([...tokens].sort((x, y) => x - y));
        expect(new Set(tokens).size).toBe(tokens.length);
        const otherKey = ctx.leaseKey('tokens-other');
        const other = claim('node-a', LONG);
        expect(granted(await single(backend.tryAcquire(otherKey, other), WAIT))).toBeGreaterThan(0);
        expect(await single(backend.release(otherKey, other.owner), WAIT)).toBe(true);
      });

      test('updateLease replaces the public value, for the owner only', async () => {
        const key = ctx.leaseKey('update');
        const a = claim('node-a', LONG);
        const token = granted(await single(backend.tryAcquire(key, a), WAIT));
        expect(await single(backend.updateLease(key, claim('node-b', LONG).owner, 'forged'), WAIT)).toBe(false);
        expect((await single(backend.readLease(key), WAIT))?.value).toBeUndefined();
        expect(await single(backend.updateLease(key, a.owner, 'v1'), WAIT)).toBe(true);
        expect(await single(backend.readLease(key), WAIT)).toEqual({
          holder: 'node-a',
          token,
          value: 'v1',
          expiresIn: expect.any(Number),
        });
        expect(await single(backend.updateLease(key, a.owner, 'v2'), WAIT)).toBe(true);
        expect((await single(backend.readLease(key), WAIT))?.value).toBe('v2');
        expect(await single(backend.release(key, a.owner), WAIT)).toBe(true);
        expect(await single(backend.updateLease(key, a.owner, 'v3'), WAIT)).toBe(false);
      });

      test('leaseEvents reports acquired, updated, released and expired, in order', async () => {
        const key = ctx.leaseKey('events', { mayExpire: true });
        const events = await ctx.readyLeaseEvents(key);
        const a = claim('node-a', LONG, 'a1');
        const b = claim('node-b', SHORT);
        const tokenA = granted(await single(backend.tryAcquire(key, a), WAIT));
        expect(await single(backend.tryAcquire(key, claim('node-c', LONG)), WAIT)).toMatchObject({ granted: false });
        expect(await single(backend.updateLease(key, a.owner, 'a2'), WAIT)).toBe(true);
        expect(await single(backend.release(key, a.owner), WAIT)).toBe(true);
        const tokenB = granted(await single(backend.tryAcquire(key, b), WAIT));
        const expected = [
          { type: 'acquired', key, holder: 'node-a', token: tokenA, value: 'a1' },
          { type: 'updated', key, holder: 'node-a', token: tokenA, value: 'a2' },
          { type: 'released', key, token: tokenA },
          { type: 'acquired', key, holder: 'node-b', token: tokenB },
        ];
        const expired = { type: 'expired', key, token: tokenB };
        if (announcesLeaseExpiry) {
          await events.until((r) => r.values.length >= 5, 'report five events');
          expect(events.values).toEqual([...expected, expired]);
        } else {
          await events.until((r) => r.values.length >= 4, 'report four events');
          await leaseFree(backend, key, WAIT, `the lease of ${key} to lapse`);
          expect([expected, [...expected, expired]]).toContainEqual(events.values);
        }
      });

      test('a leaseEvents() watch is live once a readLease or tryAcquire subscribed after it is answered', async () => {
        // leader() and waiting contenders rely on this: they watch, then read or ask, and must miss no event.
        const key = ctx.leaseKey('watch-then-read');
        const afterRead = record(backend.leaseEvents(key), 'leaseEvents (then readLease)');
        expect(await single(backend.readLease(key), WAIT)).toBeUndefined();
        const a = claim('node-a', LONG);
        const token = granted(await single(backend.tryAcquire(key, a), WAIT));
        const afterAttempt = record(backend.leaseEvents(key), 'leaseEvents (then tryAcquire)');
        expect(await single(backend.tryAcquire(key, claim('node-b', LONG)), WAIT)).toMatchObject({ granted: false });
        expect(await single(backend.release(key, a.owner), WAIT)).toBe(true);
        await afterRead.until((r) => r.values.length >= 2, 'report acquired and released');
        await afterAttempt.until((r) => r.values.some((event) => event.type === 'released'), 'report released');
        expect(afterRead.values).toEqual([
          { type: 'acquired', key, holder: 'node-a', token },
          { type: 'released', key, token },
        ]);
        // An event published before the watch may still reach it (pub/sub trails the replies), but
        // nothing published after the answered request may be missed.
        expect(afterAttempt.values).toContainEqual({ type: 'released', key, token });
      });

      test('a contender in line takes a place; a free lease goes to the first in line, whom the release names', async () => {
        const key = ctx.leaseKey('line');
        const a = claim('node-a', LONG);
        const b = { ...claim('node-b', LONG), placeDuration: LONG };
        const c = { ...claim('node-c', LONG), placeDuration: LONG };
        const vacancies = record(backend.vacancies(key), 'vacancies');
        const tokenA = granted(await single(backend.tryAcquire(key, a), WAIT));
        const refusedB = await single(backend.tryAcquire(key, b), WAIT);
        const refusedC = await single(backend.tryAcquire(key, c), WAIT);
        expect(refusedB).toMatchObject({
          granted: false,
          current: { holder: 'node-a', token: tokenA },
          place: expect.any(String),
        });
        expect(refusedC).toMatchObject({ granted: false, current: { holder: 'node-a' }, place: expect.any(String) });
        const placeB = (refusedB as { place: string }).place;
        const placeC = (refusedC as { place: string }).place;
        expect(placeC).not.toBe(placeB);
        // A waiter with a place hears the vacancies that name it (it may hear others too).
        const turnsB = record(backend.vacancies(key, placeB), 'vacancies of b');
        const turnsC = record(backend.vacancies(key, placeC), 'vacancies of c');
        // Asking again keeps the place (and, as any attempt, is answered after the watches above).
        expect(await single(backend.tryAcquire(key, b), WAIT)).toMatchObject({ place: placeB });

        expect(await single(backend.release(key, a.owner), WAIT)).toBe(true);
        const turnB = await turnOf(turnsB, placeB, 'name the first in line');
        let tokenB: number;
        if (turnB.granted) {
          // Handed on: b holds the lease without asking, for no longer than its place would have
          // held the line up; its asking again is granted the same tenure.
          tokenB = turnB.granted.token;
          expect(turnB.granted.leaseDuration).toBeGreaterThan(0);
          expect(turnB.granted.leaseDuration).toBeLessThanOrEqual(LONG);
          expect(await single(backend.tryAcquire(key, c), WAIT)).toMatchObject({
            granted: false,
            current: { holder: 'node-b', token: tokenB },
            place: placeC,
          });
          expect(granted(await single(backend.tryAcquire(key, b), WAIT), 'the first in line')).toBe(tokenB);
        } else {
          // Free, but kept for the first in line: the second is refused, without a holder.
          const kept = await single(backend.tryAcquire(key, c), WAIT);
          expect(kept).toMatchObject({ granted: false, place: placeC });
          expect(kept).not.toHaveProperty('current');
          if (!kept.granted) expect(kept.retryIn).toBeGreaterThan(0);
          tokenB = granted(await single(backend.tryAcquire(key, b), WAIT), 'the first in line');
        }
        expect(tokenB).toBeGreaterThan(tokenA);

        expect(await single(backend.release(key, b.owner), WAIT)).toBe(true);
        const turnC = await turnOf(turnsC, placeC, 'name the next in line');
        const tokenC =
          turnC.granted?.token ?? granted(await single(backend.tryAcquire(key, c), WAIT), 'the next in line');
        expect(tokenC).toBeGreaterThan(tokenB);
        expect(await single(backend.release(key, c.owner), WAIT)).toBe(true);
        // Nobody in line: the release names nobody.
        await vacancies.until((r) => r.values.some((vacancy) => vacancy.next === undefined), 'a vacancy for anyone');
      });

      test('a contender without a place takes a free lease even when others wait in line', async () => {
        const key = ctx.leaseKey('barge', { mayExpire: true });
        const a = claim('node-a', SHORT);
        const b = { ...claim('node-b', LONG), placeDuration: LONG };
        const barger = claim('node-x', LONG);
        granted(await single(backend.tryAcquire(key, a), WAIT));
        expect(await single(backend.tryAcquire(key, b), WAIT)).toMatchObject({ granted: false });
        // a's lease lapses (a release may hand it to b at once): free, kept for b, who does not ask.
        await leaseFree(backend, key, WAIT, "a's lease to lapse");
        granted(await single(backend.tryAcquire(key, barger), WAIT), 'a contender without a place');
        expect(await single(backend.tryAcquire(key, b), WAIT)).toMatchObject({
          granted: false,
          current: { holder: 'node-x' },
        });
        expect(await single(backend.release(key, barger.owner), WAIT)).toBe(true);
        expect(await single(backend.tryAcquire(key, b), WAIT)).toMatchObject({ granted: true });
        expect(await single(backend.release(key, b.owner), WAIT)).toBe(true);
      });

      test('a place not refreshed in time lapses, and the lease goes to the next in line', async () => {
        const key = ctx.leaseKey('place-lapses', { mayExpire: true });
        const a = claim('node-a', LONG);
        const gone = { ...claim('node-gone', LONG), placeDuration: SHORT };
        const next = { ...claim('node-next', LONG), placeDuration: LONG };
        granted(await single(backend.tryAcquire(key, a), WAIT));
        expect(await single(backend.tryAcquire(key, gone), WAIT)).toMatchObject({ granted: false });
        expect(await single(backend.tryAcquire(key, next), WAIT)).toMatchObject({ granted: false });
        expect(await single(backend.release(key, a.owner), WAIT)).toBe(true);
        // The first in line never asks again (it died): once its place lapsed (or the lease a
        // release handed it, which lasts no longer), the next one is served.
        const refused = await single(backend.tryAcquire(key, next), WAIT);
        if (!refused.granted) {
          if (refused.current) {
            expect(refused.current.holder).toBe('node-gone');
            expect(refused.current.expiresIn).toBeLessThanOrEqual(SHORT);
          }
          expect(refused.retryIn).toBeLessThanOrEqual(SHORT);
          await waitUntil(
            async () => (await single(backend.tryAcquire(key, next), WAIT)).granted,
            WAIT,
            'the next in line is granted once the dead waiter lost its place',
          );
        }
        expect(await single(backend.release(key, next.owner), WAIT)).toBe(true);
      });

      test('a waiter that gives up leaves the line, and the next in line is named', async () => {
        const key = ctx.leaseKey('leave-line');
        const a = claim('node-a', LONG);
        const b = { ...claim('node-b', LONG), placeDuration: LONG };
        const c = { ...claim('node-c', LONG), placeDuration: LONG };
        granted(await single(backend.tryAcquire(key, a), WAIT));
        expect(await single(backend.tryAcquire(key, b), WAIT)).toMatchObject({ granted: false });
        const refusedC = await single(backend.tryAcquire(key, c), WAIT);
        const placeC = (refusedC as { place: string }).place;
        const turnsC = record(backend.vacancies(key, placeC), 'vacancies of c');
        expect(await single(backend.tryAcquire(key, c), WAIT)).toMatchObject({ place: placeC }); // after the watch
        expect(await single(backend.release(key, a.owner), WAIT)).toBe(true);
        // b gives up: it leaves the line, and releases what a release may have handed it.
        await single(backend.release(key, b.owner), WAIT);
        const turnC = await turnOf(turnsC, placeC, 'name the next in line');
        if (!turnC.granted) granted(await single(backend.tryAcquire(key, c), WAIT), 'the next in line');
        expect(await single(backend.release(key, c.owner), WAIT)).toBe(true);
      });

      test('leaseEvents of one key does not report other keys', async () => {
        const key = ctx.leaseKey('events-mine');
        const otherKey = ctx.leaseKey('events-mine-other');
        const events = await ctx.readyLeaseEvents(key);
        const other = claim('node-x', LONG);
        const mine = claim('node-a', LONG);
        granted(await single(backend.tryAcquire(otherKey, other), WAIT));
        expect(await single(backend.release(otherKey, other.owner), WAIT)).toBe(true);
        const token = granted(await single(backend.tryAcquire(key, mine), WAIT));
        expect(await single(backend.release(key, mine.owner), WAIT)).toBe(true);
        await events.until((r) => r.values.length >= 2, 'report two events');
        expect(events.values).toEqual([
          { type: 'acquired', key, holder: 'node-a', token },
          { type: 'released', key, token },
        ]);
      });
    });

    describe('store (raw contract)', () => {
      test('get, put and delete one key', async () => {
        const key = ctx.name('item');
        expect(await single(backend.get(key), WAIT)).toBeUndefined();
        const first = await single(backend.put(key, 'v1'), WAIT);
        expect(first).toEqual({ key, value: 'v1', version: expect.any(Number) });
        expect(Number.isSafeInteger(first.version)).toBe(true);
        expect(first.version).toBeGreaterThan(0);
        expect(await single(backend.get(key), WAIT)).toEqual(first);
        const second = await single(backend.put(key, ''), WAIT);
        expect(second).toEqual({ key, value: '', version: expect.any(Number) });
        expect(second.version).toBeGreaterThan(first.version);
        expect(await single(backend.get(key), WAIT)).toEqual(second);
        expect(await single(backend.delete(key), WAIT)).toBe(true);
        expect(await single(backend.get(key), WAIT)).toBeUndefined();
        expect(await single(backend.delete(key), WAIT)).toBe(false);
      });

      test('values are kept exactly, whatever their characters', async () => {
        const key = ctx.name('exact');
        const value = 'line 1\nline 2\t"quoted" \\ é ✓ 🙂 {tag} %s \u0000 end';
        expect((await single(backend.put(key, value), WAIT)).value).toBe(value);
        expect((await single(backend.get(key), WAIT))?.value).toBe(value);
        expect(await single(backend.delete(key), WAIT)).toBe(true);
      });

      test('list returns the live items under a prefix, sorted by key', async () => {
        const root = ctx.name('list');
        const written = new Map<string, Item>();
        for (const suffix of ['/b', '/a', '/c/1', '/a2', '/a/nested', 'x']) {
          const item = await single(backend.put(`${root}${suffix}`, `value${suffix}`), WAIT);
          written.set(item.key, item);
        }
        await single(backend.put(`${ctx.name('elsewhere')}/a`, 'elsewhere'), WAIT);
        const expected = (keys: string[]): Item[] => keys.map((key) => written.get(key) as Item);
        expect(await single(backend.list(`${root}/`), WAIT)).toEqual(
          expected([`${root}/a`, `${root}/a/nested`, `${root}/a2`, `${root}/b`, `${root}/c/1`]),
        );
        expect(await single(backend.list(root), WAIT)).toEqual(
          expected([`${root}/a`, `${root}/a/nested`, `${root}/a2`, `${root}/b`, `${root}/c/1`, `${root}x`]),
        );
        expect(await single(backend.list(`${root}/a`), WAIT)).toEqual(
          expected([`${root}/a`, `${root}/a/nested`, `${root}/a2`]),
        );
        expect(await single(backend.list(`${root}/nothing/`), WAIT)).toEqual([]);
        expect(await single(backend.delete(`${root}/a2`), WAIT)).toBe(true);
        expect(await single(backend.list(`${root}/a`), WAIT)).toEqual(expected([`${root}/a`, `${root}/a/nested`]));
      });

      test('put with ifVersion writes only when the version matches', async () => {
        const key = ctx.name('cas');
        const first = await single(backend.put(key, 'v1'), WAIT);
        const second = await single(backend.put(key, 'v2', { ifVersion: first.version }), WAIT);
        expect(second).toEqual({ key, value: 'v2', version: expect.any(Number) });
        expect(second.version).toBeGreaterThan(first.version);
        const conflict = await failureOf(backend.put(key, 'v3', { ifVersion: first.version }));
        expectVersionConflict(conflict, key, first.version, second.version);
        expect(await single(backend.get(key), WAIT)).toEqual(second);
        const missing = ctx.name('cas-missing');
        expectVersionConflict(
          await failureOf(backend.put(missing, 'x', { ifVersion: first.version })),
          missing,
          first.version,
          0,
        );
        expect(await single(backend.get(missing), WAIT)).toBeUndefined();
      });

      test('put with ifVersion 0 creates only', async () => {
        const key = ctx.name('create-only');
        const created = await single(backend.put(key, 'first', { ifVersion: 0 }), WAIT);
        expect(created).toEqual({ key, value: 'first', version: expect.any(Number) });
        expectVersionConflict(await failureOf(backend.put(key, 'second', { ifVersion: 0 })), key, 0, created.version);
        expect(await single(backend.get(key), WAIT)).toEqual(created);
        expect(await single(backend.delete(key), WAIT)).toBe(true);
        const recreated = await single(backend.put(key, 'again', { ifVersion: 0 }), WAIT);
        expect(recreated.version).toBeGreaterThan(created.version);
      });

      test('delete with ifVersion deletes only when the version matches', async () => {
        const key = ctx.name('cad');
        const first = await single(backend.put(key, 'v1'), WAIT);
        const second = await single(backend.put(key, 'v2'), WAIT);
        expectVersionConflict(
          await failureOf(backend.delete(key, { ifVersion: first.version })),
          key,
          first.version,
          second.version,
        );
        expect(await single(backend.get(key), WAIT)).toEqual(second);
        expect(await single(backend.delete(key, { ifVersion: second.version }), WAIT)).toBe(true);
        expect(await single(backend.get(key), WAIT)).toBeUndefined();
        expectVersionConflict(
          await failureOf(backend.delete(key, { ifVersion: second.version })),
          key,
          second.version,
          0,
        );
        expect(await single(backend.delete(key, { ifVersion: 0 }), WAIT)).toBe(false);
      });

      test('timeToLive removes the item with an expired change event', async () => {
        const root = ctx.name('ttl');
        const key = `${root}/k`;
        const events = await ctx.readyChanges(`${root}/`);
        const item = await single(backend.put(key, 'brief', { timeToLive: SHORT }), WAIT);
        await events.until((r) => r.values.some((event) => event.type === 'expired'), 'report the expiry');
        expect(events.values).toEqual([
          { type: 'put', key, version: item.version, item },
          { type: 'expired', key, version: expect.any(Number) },
        ]);
        expect((events.values[1] as ChangeEvent).version).toBeGreaterThan(item.version);
        expect(await single(backend.get(key), WAIT)).toBeUndefined();
        expect(await single(backend.list(`${root}/`), WAIT)).toEqual([]);
        expect(await single(backend.delete(key), WAIT)).toBe(false);
        const again = await single(backend.put(key, 'again', { ifVersion: 0 }), WAIT);
        expect(again.version).toBeGreaterThan((events.values[1] as ChangeEvent).version);
      });

      test('a write without timeToLive clears an earlier timeToLive', async () => {
        const root = ctx.name('ttl-cleared');
        const events = await ctx.readyChanges(`${root}/`);
        await single(backend.put(`${root}/kept`, 'brief', { timeToLive: SHORT }), WAIT);
        const kept = await single(backend.put(`${root}/kept`, 'for good'), WAIT);
        // A sentinel written later with the same time-to-live: once it has expired, so would have `kept`.
        await single(backend.put(`${root}/sentinel`, 'brief', { timeToLive: SHORT }), WAIT);
        await events.until(
          (r) => r.values.some((event) => event.type === 'expired' && event.key === `${root}/sentinel`),
          'report the sentinel expiry',
        );
        expect(await single(backend.get(`${root}/kept`), WAIT)).toEqual(kept);
        expect(events.values.filter((event) => event.key === `${root}/kept`).map((event) => event.type)).toEqual([
          'put',
          'put',
        ]);
      });

      test('versions grow strictly across overwrite, delete and re-create', async () => {
        const root = ctx.name('versions');
        const key = `${root}/k`;
        const events = await ctx.readyChanges(`${root}/`);
        const v1 = await single(backend.put(key, 'a'), WAIT);
        const v2 = await single(backend.put(key, 'b'), WAIT);
        expect(await single(backend.delete(key), WAIT)).toBe(true);
        const v3 = await single(backend.put(key, 'c'), WAIT);
        const v4 = await single(backend.put(key, 'd', { ifVersion: v3.version }), WAIT);
        expect(await single(backend.delete(key, { ifVersion: v4.version }), WAIT)).toBe(true);
        await events.until((r) => r.values.length >= 6, 'report six changes');
        expect(events.values.map((event) => event.type)).toEqual(['put', 'put', 'deleted', 'put', 'put', 'deleted']);
        const versions = events.values.map((event) => event.version);
        expect(versions.slice(0, 2)).toEqual([v1.version, v2.version]);
        expect(versions.slice(3, 5)).toEqual([v3.version, v4.version]);
        for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1] as number);
      });

      test('changes(prefix) reports the writes under the prefix only, in order', async () => {
        // Where changes of different keys may come in another order, each key's must not.
        const inOrder = (changes: readonly ChangeEvent[]): readonly ChangeEvent[] =>
          ordersChangesAcrossKeys ? changes : [...changes].sort((a, b) => a.key.localeCompare(b.key));
        const root = ctx.name('changes');
        const events = await ctx.readyChanges(`${root}/a/`);
        const a1 = await single(backend.put(`${root}/a/1`, 'x'), WAIT);
        await single(backend.put(`${root}/b/1`, 'not mine'), WAIT);
        await single(backend.put(`${root}/a`, 'not under a/'), WAIT);
        const a2 = await single(backend.put(`${root}/a/2`, 'y'), WAIT);
        const a1b = await single(backend.put(`${root}/a/1`, 'x2', { ifVersion: a1.version }), WAIT);
        await failureOf(backend.put(`${root}/a/1`, 'lost', { ifVersion: a1.version })); // a failed write is no change
        expect(await single(backend.delete(`${root}/a/2`), WAIT)).toBe(true);
        expect(await single(backend.delete(`${root}/a/2`), WAIT)).toBe(false); // nothing deleted: no change
        expect(await single(backend.delete(`${root}/b/1`), WAIT)).toBe(true);
        const a3 = await single(backend.put(`${root}/a/3`, 'z'), WAIT);
        await events.until((r) => r.values.length >= 5, 'report the five changes');
        expect(inOrder(events.values)).toEqual(
          inOrder([
            { type: 'put', key: `${root}/a/1`, version: a1.version, item: a1 },
            { type: 'put', key: `${root}/a/2`, version: a2.version, item: a2 },
            { type: 'put', key: `${root}/a/1`, version: a1b.version, item: a1b },
            { type: 'deleted', key: `${root}/a/2`, version: expect.any(Number) as number },
            { type: 'put', key: `${root}/a/3`, version: a3.version, item: a3 },
          ]),
        );
      });

      test('a changes() watch is live once a read subscribed after it is answered', async () => {
        // keyValue() relies on this: it watches, then reads, and must miss no write in between.
        const root = ctx.name('watch-then-read');
        const events = record(backend.changes(`${root}/`), 'changes');
        expect(await single(backend.get(`${root}/other`), WAIT)).toBeUndefined();
        const item = await single(backend.put(`${root}/k`, 'v'), WAIT);
        await events.until((r) => r.values.length > 0, 'report the put');
        expect(events.values).toEqual([{ type: 'put', key: `${root}/k`, version: item.version, item }]);
      });

      test('every method is cold: nothing happens before subscription', async () => {
        const key = ctx.name('cold');
        const leaseKey = ctx.leaseKey('cold');
        const owner = claim('node-a', LONG);
        backend.put(key, 'never');
        backend.tryAcquire(leaseKey, owner);
        expect(await single(backend.get(key), WAIT)).toBeUndefined();
        expect(await single(backend.readLease(leaseKey), WAIT)).toBeUndefined();
        const item = await single(backend.put(key, 'kept'), WAIT);
        backend.delete(key);
        backend.put(key, 'overwritten');
        expect(await single(backend.get(key), WAIT)).toEqual(item);
        const token = granted(await single(backend.tryAcquire(leaseKey, owner), WAIT));
        backend.release(leaseKey, owner.owner);
        expect((await single(backend.readLease(leaseKey), WAIT))?.token).toBe(token);
        expect(await single(backend.release(leaseKey, owner.owner), WAIT)).toBe(true);
      });

      test('bad arguments throw at call time, before anything is sent', () => {
        const key = ctx.name('validation');
        const ok = claim('node-a', LONG);
        expect(() => backend.get('')).toThrow(TypeError);
        expect(() => backend.put('', 'v')).toThrow(TypeError);
        expect(() => backend.put(key, 42 as unknown as string)).toThrow(TypeError);
        expect(() => backend.put(key, 'v', { ifVersion: -1 })).toThrow(RangeError);
        expect(() => backend.put(key, 'v', { ifVersion: 1.5 })).toThrow(RangeError);
        expect(() => backend.put(key, 'v', { timeToLive: 0 })).toThrow(RangeError);
        expect(() => backend.delete(key, { ifVersion: -1 })).toThrow(RangeError);
        expect(() => backend.list(7 as unknown as string)).toThrow(TypeError);
        expect(() => backend.changes(7 as unknown as string)).toThrow(TypeError);
        expect(() => backend.tryAcquire('', ok)).toThrow(TypeError);
        expect(() => backend.tryAcquire(key, { ...ok, leaseDuration: 0 })).toThrow(RangeError);
        expect(() => backend.tryAcquire(key, { ...ok, holder: '' })).toThrow(TypeError);
        expect(() => backend.renew(key, ok.owner, -1)).toThrow(RangeError);
        expect(() => backend.readLease('')).toThrow(TypeError);
        expect(() => backend.leaseEvents('')).toThrow(TypeError);
        return Promise.resolve();
      });

      test('now() reads a clock close to this process clock', async () => {
        const before = Date.now();
        const now = await single(backend.now(), WAIT);
        const after = Date.now();
        expect(typeof now).toBe('number');
        expect(now).toBeGreaterThan(before - 10_000);
        expect(now).toBeLessThan(after + 10_000);
      });
    });

    describe('locks (end to end)', () => {
      test('lock: concurrent contenders take turns; critical sections never overlap; tokens increase', async () => {
        const key = ctx.lockName('mutex');
        const contenders = 5;
        const log: { who: number; what: 'enter' | 'exit'; token: number; valid: boolean }[] = [];
        let inside = 0;
        let mostInside = 0;
        const contender = (who: number): Observable<number> =>
          lock(backend, key, { ...TIMING, holder: `contender-${who}`, acquireTimeout: WAIT * 2 }).pipe(
            switchMap((lease) =>
              defer(async () => {
                inside++;
                mostInside = Math.max(mostInside, inside);
                log.push({ who, what: 'enter', token: lease.token, valid: lease.isValid() });
                await firstValueFrom(timer(ms(5))); // spans several turns of the event loop
                await Promise.resolve();
                log.push({ who, what: 'exit', token: lease.token, valid: lease.isValid() });
                inside--;
                return lease.token;
              }),
            ),
            take(1),
          );
        const tokens = await firstValueFrom(
          forkJoin(Array.from({ length: contenders }, (_, who) => contender(who))).pipe(
            timeout({
              first: WAIT * 3,
              with: () => throwError(() => new Error(`contenders did not all finish; log: ${show(log)}`)),
            }),
          ),
        );
        expect(mostInside).toBe(1);
        expect(log).toHaveLength(2 * contenders);
        for (let i = 0; i < log.length; i += 2) {
          const enter = log[i];
          const exit = log[i + 1];
          expect(enter).toMatchObject({ what: 'enter', valid: true });
          expect(exit).toMatchObject({ what: 'exit', who: enter?.who, token: enter?.token, valid: true });
        }
        const order = log.filter((entry) => entry.what === 'enter').map((entry) => entry.token);
        for (let i = 1; i < order.length; i++) expect(order[i]).toBeGreaterThan(order[i - 1] as number);
        expect(new Set(log.map((entry) => entry.who)).size).toBe(contenders);
        expect([...tokens].sort((x, y) => x - y)).toEqual(order);
      });

      test('lock: waiters get the lock in the order they asked for it, each woken by the release before it', async () => {
        const key = ctx.lockName('fifo');
        const spy = spyOnAttempts(backend);
        const holder = record(lock(spy.backend, key, { ...TIMING, leaseDuration: LONG, holder: 'holder' }), 'holder');
        await holder.nth(0);
        const served: string[] = [];
        const waiters = Array.from({ length: 5 }, (_, index) => `waiter-${index}`);
        const ends: Promise<void>[] = [];
        for (const name of waiters) {
          const waiter = record(
            lock(spy.backend, key, { ...TIMING, leaseDuration: LONG, holder: name, acquireTimeout: WAIT * 2 }).pipe(
              take(1),
              map((lease) => served.push(lease.holder)),
            ),
            name,
          );
          ends.push(waiter.completion(WAIT * 2));
          await spy.refusedFor(name, WAIT); // in line before the next one asks
        }
        holder.stop();
        await Promise.all(ends);
        expect(served).toEqual(waiters);
      });

      test('lock: contenders that ask again at once all get their turns (no starvation)', async () => {
        const key = ctx.lockName('no-starvation');
        const contenders = 4;
        const total = 120;
        const counts = Array.from({ length: contenders }, () => 0);
        let served = 0;
        const loop = (who: number): Observable<unknown> =>
          defer(
            () =>
              lock(backend, key, { ...TIMING, holder: `contender-${who}`, acquireTimeout: WAIT * 2 }).pipe(
                take(1),
                map(() => {
                  counts[who]!++;
                  served++;
                }),
              ),
            // On the next turn of the event loop (a synchronous backend would otherwise serve one
            // contender all its turns before the others subscribed).
          ).pipe(repeat({ delay: () => (served < total ? timer(0) : EMPTY) }));
        await firstValueFrom(
          forkJoin(Array.from({ length: contenders }, (_, who) => loop(who))).pipe(timeout(WAIT * 6)),
        );
        expect(Math.max(...counts) / Math.min(...counts)).toBeLessThanOrEqual(1.5);
      });

      test('lock: a waiter is woken by the release and acquires with a greater token', async () => {
        const key = ctx.lockName('wake');
        const spy = spyOnAttempts(backend);
        // The holder's lease is long, so the waiter cannot get the lock by polling for its lapse:
        // only the release event can wake it within the wait.
        const holder = record(
          lock(spy.backend, key, { ...TIMING, leaseDuration: ms(60_000), holder: 'holder' }),
          'holder',
        );
        const held = await holder.nth(0);
        const waiter = record(
          lock(spy.backend, key, {
            ...TIMING,
            holder: 'waiter',
            retryDelay: ms(60_000),
            maxRetryDelay: ms(60_000),
            acquireTimeout: Infinity,
          }),
          'waiter',
        );
        // Once an attempt sent while the waiter watched the key is refused, its watch is live.
        await spy.refusedFor('waiter', WAIT, { watching: true });
        expect(waiter.values).toEqual([]);
        expect(held.isValid()).toBe(true);
        holder.stop();
        expect(held.isValid()).toBe(false);
        const lease = await waiter.nth(0);
        expect(lease).toMatchObject({ key, holder: 'waiter' });
        expect(lease.token).toBeGreaterThan(held.token);
        expect(lease.isValid()).toBe(true);
        waiter.stop();
        expect(lease.isValid()).toBe(false);
      });

      test('lock: acquireTimeout ends the wait with LockTimeoutError and leaves the holder alone', async () => {
        const key = ctx.lockName('timeout');
        const holder = record(lock(backend, key, { ...TIMING, holder: 'holder' }), 'holder');
        const held = await holder.nth(0);
        const acquireTimeout = ms(300);
        const waiter = record(lock(backend, key, { ...TIMING, holder: 'waiter', acquireTimeout }), 'waiter');
        const error = await waiter.failure();
        expect(error).toBeInstanceOf(LockTimeoutError);
        expect(error).toBeInstanceOf(SyncError);
        expect(error).toMatchObject({ name: 'LockTimeoutError', key, acquireTimeout, transient: true });
        expect(waiter.values).toEqual([]);
        expect(holder.ended).toBe(false);
        expect(await single(backend.readLease(lockLeaseKey(key)), WAIT)).toMatchObject({
          holder: 'holder',
          token: held.token,
        });
        holder.stop();
      });

      test('lock: with wait false, a busy lock fails at once with LockBusyError naming the holder', async () => {
        const key = ctx.lockName('busy');
        const holder = record(lock(backend, key, { ...TIMING, holder: 'holder' }), 'holder');
        const held = await holder.nth(0);
        const impatient = record(lock(backend, key, { ...TIMING, holder: 'impatient', wait: false }), 'impatient');
        const error = await impatient.failure();
        expect(error).toBeInstanceOf(LockBusyError);
        expect(error).toMatchObject({ name: 'LockBusyError', key, holder: 'holder', transient: true });
        const { expiresIn } = error as LockBusyError;
        expect(expiresIn).toBeGreaterThan(0);
        expect(expiresIn).toBeLessThanOrEqual(TIMING.leaseDuration);
        expect(holder.ended).toBe(false);
        expect((await single(backend.readLease(lockLeaseKey(key)), WAIT))?.token).toBe(held.token);
        holder.stop();
        const free = record(lock(backend, key, { ...TIMING, holder: 'impatient', wait: false }), 'free');
        expect((await free.nth(0)).token).toBeGreaterThan(held.token);
        free.stop();
      });

      test('withLock: runs the source while holding the lock and releases it when the source completes', async () => {
        const key = ctx.lockName('with-lock');
        const seen: (LeaseHolder | undefined)[] = [];
        const source = defer(() => backend.readLease(lockLeaseKey(key))).pipe(
          map((holder) => {
            seen.push(holder);
            return holder?.holder;
          }),
        );
        const values = await firstValueFrom(
          source.pipe(withLock(backend, key, { ...TIMING, holder: 'worker' }), toArray(), timeout(WAIT)),
        );
        expect(values).toEqual(['worker']);
        await leaseFree(backend, lockLeaseKey(key), WAIT, 'the lock to be released');
        const again = await firstValueFrom(of(1, 2, 3).pipe(withLock(backend, key, TIMING), toArray(), timeout(WAIT)));
        expect(again).toEqual([1, 2, 3]);
      });

      test('withLock: does not start the source before the lock is free', async () => {
        const key = ctx.lockName('with-lock-wait');
        const spy = spyOnAttempts(backend);
        const holder = record(lock(spy.backend, key, { ...TIMING, holder: 'holder' }), 'holder');
        await holder.nth(0);
        let started = 0;
        const work = record(
          defer(() => {
            started++;
            return of('done');
          }).pipe(withLock(spy.backend, key, { ...TIMING, holder: 'worker' })),
          'work',
        );
        await spy.refusedFor('worker', WAIT);
        expect(started).toBe(0);
        holder.stop();
        await work.completion();
        expect(started).toBe(1);
        expect(work.values).toEqual(['done']);
      });

      test('withLock: a source error is passed on and the lock released', async () => {
        const key = ctx.lockName('with-lock-error');
        const failure = new Error('work failed');
        const work = record(
          timer(ms(5)).pipe(
            switchMap(() => throwError(() => failure)),
            withLock(backend, key, TIMING),
          ),
          'work',
        );
        expect(await work.failure()).toBe(failure);
        await leaseFree(backend, lockLeaseKey(key), WAIT, 'the lock to be released');
      });

      test('withLock: unsubscribing stops the source and releases the lock', async () => {
        const key = ctx.lockName('with-lock-unsubscribe');
        let stopped = false;
        const work = record(
          interval(ms(5)).pipe(
            finalize(() => (stopped = true)),
            withLock(backend, key, TIMING),
          ),
          'work',
        );
        await work.nth(2);
        expect((await single(backend.readLease(lockLeaseKey(key)), WAIT))?.token).toEqual(expect.any(Number));
        work.stop();
        expect(stopped).toBe(true);
      });
      test('whileHeld: hands the work the lease and releases when the work completes', async () => {
        const key = ctx.lockName('while-held');
        const result = await firstValueFrom(
          lock(backend, key, { ...TIMING, holder: 'worker' }).pipe(
            whileHeld((lease) =>
              backend
                .readLease(lockLeaseKey(key))
                .pipe(map((current) => ({ token: lease.token, current, valid: lease.isValid() }))),
            ),
            toArray(),
            timeout(WAIT),
          ),
        );
        expect(result).toEqual([
          {
            token: expect.any(Number),
            current: { holder: 'worker', token: result[0]?.token, expiresIn: expect.any(Number) },
            valid: true,
          },
        ]);
        await leaseFree(backend, lockLeaseKey(key), WAIT, 'the lock to be released');
      });
    });

    describe('leadership (end to end)', () => {
      test('leadership: hands over to the next candidate when the leader resigns', async () => {
        const group = ctx.groupName('handoff');
        const spy = spyOnAttempts(backend);
        const a = record(leadership(spy.backend, group, { ...TIMING, candidate: 'node-a', value: 'addr-a' }), 'node-a');
        const termA = await a.nth(0);
        expect(termA).toMatchObject({ group, candidate: 'node-a', value: 'addr-a', term: expect.any(Number) });
        expect(termA.isValid()).toBe(true);
        const b = record(leadership(spy.backend, group, { ...TIMING, candidate: 'node-b' }), 'node-b');
        await spy.refusedFor('node-b', WAIT);
        expect(b.values).toEqual([]);
        a.stop();
        expect(termA.isValid()).toBe(false);
        const termB = await b.nth(0);
        expect(termB).toMatchObject({ group, candidate: 'node-b', term: expect.any(Number) });
        expect(termB.value).toBeUndefined();
        expect(termB.term).toBeGreaterThan(termA.term);
        expect(await single(termA.proclaim('too late'), WAIT)).toBe(false);
        expect(await single(termB.proclaim('addr-b'), WAIT)).toBe(true);
        b.stop();
        expect(b.completed).toBe(false); // resigned by unsubscribing, not lost
      });

      test('leader: follows elections, proclaimed values, resignations and lapsed leases', async () => {
        const group = ctx.groupName('follow', { mayExpire: true });
        const key = leadershipLeaseKey(group);
        const follow = record(leader(backend, group), 'leader()');
        await follow.until((r) => r.values.length > 0 && r.last === undefined, 'show no leader');
        const a = record(leadership(backend, group, { ...TIMING, candidate: 'node-a', value: 'addr-a' }), 'node-a');
        const termA = await a.nth(0);
        await follow.until((r) => r.last?.candidate === 'node-a', 'show node-a');
        expect(follow.last).toEqual({ group, candidate: 'node-a', term: termA.term, value: 'addr-a' });
        expect(await single(termA.proclaim('addr-a2'), WAIT)).toBe(true);
        await follow.until((r) => r.last?.value === 'addr-a2', 'show the proclaimed value');
        const b = record(leadership(backend, group, { ...TIMING, candidate: 'node-b' }), 'node-b');
        a.stop();
        const termB = await b.nth(0);
        await follow.until((r) => r.last?.candidate === 'node-b', 'show node-b');
        expect(follow.last).toEqual({ group, candidate: 'node-b', term: termB.term });
        b.stop();
        await follow.until((r) => r.last === undefined, 'show no leader after resignation');
        // A leader that dies without resigning: a raw lease that nobody renews.
        const ghost = claim('ghost', SHORT);
        const ghostToken = granted(await single(backend.tryAcquire(key, ghost), WAIT));
        await follow.until((r) => r.last?.candidate === 'ghost', 'show the ghost');
        expect(follow.last).toEqual({ group, candidate: 'ghost', term: ghostToken });
        await follow.until((r) => r.last === undefined, 'show no leader after the lease lapsed');
        const terms = follow.values
          .filter((current): current is Leader => current !== undefined)
          .map((current) => current.term);
        for (let i = 1; i < terms.length; i++) expect(terms[i]).toBeGreaterThanOrEqual(terms[i - 1] as number);
        expect(follow.errored || follow.completed).toBe(false);
        follow.stop();
      });

      test('whileLeader: runs work only while leading and stops it when leadership ends', async () => {
        const group = ctx.groupName('while-leader');
        const spy = spyOnAttempts(backend);
        const log: string[] = [];
        const running = new Set<string>();
        let overlap = false;
        const work = (who: string): Observable<number> =>
          defer(() => {
            if (running.size > 0) overlap = true;
            running.add(who);
            log.push(`${who} start`);
            return interval(ms(5)).pipe(
              finalize(() => {
                running.delete(who);
                log.push(`${who} stop`);
              }),
            );
          });
        const resignA = new Subject<void>();
        const a = record(
          work('a').pipe(
            whileLeader(leadership(spy.backend, group, { ...TIMING, candidate: 'a' }).pipe(takeUntil(resignA))),
          ),
          'a',
        );
        await a.nth(1);
        const b = record(
          work('b').pipe(whileLeader(leadership(spy.backend, group, { ...TIMING, candidate: 'b' }))),
          'b',
        );
        await spy.refusedFor('b', WAIT);
        expect(log).toEqual(['a start']);
        resignA.next();
        expect(a.completed).toBe(true);
        expect(log.slice(0, 2)).toEqual(['a start', 'a stop']); // a synchronous backend may elect b at once
        const ticksOfA = a.values.length;
        await b.nth(1);
        expect(log).toEqual(['a start', 'a stop', 'b start']);
        expect(a.values).toHaveLength(ticksOfA);
        expect(overlap).toBe(false);
        b.stop();
        expect(log).toEqual(['a start', 'a stop', 'b start', 'b stop']);
      });
    });

    describe('watched store (end to end)', () => {
      test('keyValue: emits the current value, then every write in version order', async () => {
        const key = ctx.name('kv');
        const initial = await single(backend.put(key, 'v0'), WAIT);
        const watched = keyValue(backend, key);
        const values = record(watched, 'keyValue');
        expect(await values.nth(0)).toEqual(initial);
        const written: (Item | undefined)[] = [initial];
        for (const value of ['v1', 'v2']) written.push(await single(backend.put(key, value), WAIT));
        expect(await single(backend.delete(key), WAIT)).toBe(true);
        written.push(undefined);
        written.push(await single(backend.put(key, 'v3', { ifVersion: 0 }), WAIT));
        await values.until((r) => r.values.length >= written.length, `emit ${written.length} values`);
        expect(values.values).toEqual(written);
        const late = record(watched, 'late keyValue subscriber');
        expect(late.values).toEqual([written[written.length - 1]]); // the latest, at once
        late.stop();
        values.stop();
        const fresh = record(keyValue(backend, ctx.name('kv-absent')), 'keyValue of an absent key');
        expect(await fresh.nth(0)).toBeUndefined();
        fresh.stop();
      });

      test('keyValue: converges to the last write under concurrent writers', async () => {
        const key = ctx.name('kv-converge');
        const values = record(keyValue(backend, key), 'keyValue');
        await values.nth(0);
        const writer = async (who: string): Promise<void> => {
          for (let i = 0; i < 5; i++) {
            await single(backend.put(key, `${who}${i}`), WAIT);
            if (i === 2 && who === 'w1') await single(backend.delete(key), WAIT);
          }
        };
        await Promise.all(['w1', 'w2', 'w3'].map(writer));
        const final = await single(backend.get(key), WAIT);
        expect(final).toBeDefined();
        await values.until((r) => r.last?.version === final?.version, `reach version ${final?.version}`);
        expect(values.last).toEqual(final);
        const versions = values.values.filter((item): item is Item => item !== undefined).map((item) => item.version);
        for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1] as number);
        values.stop();
      });

      test('changes: reports puts, deletes and expiries under a prefix, shared by its subscribers', async () => {
        const root = ctx.name('changes-e2e');
        const probe = `${root}/~probe`;
        const notProbe = (event: ChangeEvent): boolean => event.key !== probe;
        const watch = changes(backend, `${root}/`);
        const first = record(watch, 'changes', notProbe);
        const second = record(watch, 'changes (second subscriber)', notProbe);
        await ctx.warmUpChanges(first, probe);
        const put = await single(backend.put(`${root}/x`, '1'), WAIT);
        const brief = await single(backend.put(`${root}/y`, '2', { timeToLive: SHORT }), WAIT);
        expect(await single(backend.delete(`${root}/x`), WAIT)).toBe(true);
        await first.until((r) => r.values.some((event) => event.type === 'expired'), 'report the expiry');
        const expected = [
          { type: 'put', key: `${root}/x`, version: put.version, item: put },
          { type: 'put', key: `${root}/y`, version: brief.version, item: brief },
          { type: 'deleted', key: `${root}/x`, version: expect.any(Number) },
          { type: 'expired', key: `${root}/y`, version: expect.any(Number) },
        ];
        expect(first.values).toEqual(expected);
        expect(second.values).toEqual(first.values);
        first.stop();
        second.stop();
      });
    });

    describe('Promise facade (end to end)', () => {
      test('createStore: put, get, list, delete and compare-and-set', async () => {
        const store = createStore(backend);
        const root = ctx.name('facade-store');
        const written = await store.put(`${root}/foo`, 'bar');
        expect(written).toEqual({ key: `${root}/foo`, value: 'bar', version: expect.any(Number) });
        const swapped = await store.put(`${root}/foo`, 'baz', { ifVersion: written.version });
        expect(await store.get(`${root}/foo`)).toEqual(swapped);
        const conflict = await store.put(`${root}/foo`, 'lost', { ifVersion: written.version }).then(
          () => undefined,
          (error: unknown) => error,
        );
        expectVersionConflict(conflict, `${root}/foo`, written.version, swapped.version);
        const other = await store.put(`${root}/bar`, 'qux');
        expect(await store.list(`${root}/`)).toEqual([other, swapped]);
        expect(await store.delete(`${root}/foo`, { ifVersion: swapped.version })).toBe(true);
        expect(await store.delete(`${root}/foo`)).toBe(false);
        expect(await store.get(`${root}/foo`)).toBeUndefined();
      });

      test('createLock: acquire waits for release; releasing a lock not held rejects with NotHeldError', async () => {
        const id = ctx.lockName('facade-lock');
        // A long lease: the test never waits one out, and a busy machine must not end the first early.
        const locker = createLock(backend, { ...TIMING, leaseDuration: LONG });
        const first = await within(locker.acquire(id), WAIT, 'first acquire');
        expect(first).toMatchObject({ key: id, token: expect.any(Number) });
        expect(first.isValid()).toBe(true);
        let secondSettled = false;
        const secondPending = locker.acquire(id).finally(() => (secondSettled = true));
        expect(await single(backend.readLease(lockLeaseKey(id)), WAIT)).toMatchObject({ token: first.token });
        expect(secondSettled).toBe(false);
        await locker.release(id);
        await within(first.lost, WAIT, 'first.lost');
        const second = await within(secondPending, WAIT, 'second acquire');
        expect(second.token).toBeGreaterThan(first.token);
        await locker.release(id);
        await within(second.lost, WAIT, 'second.lost');
        await expect(locker.release(id)).rejects.toBeInstanceOf(NotHeldError);
        await expect(locker.release(ctx.lockName('never-acquired'))).rejects.toMatchObject({
          name: 'NotHeldError',
          transient: false,
        });
      });

      test('createLeader: elect waits for resignation; resigning twice rejects with NotHeldError', async () => {
        const group = ctx.groupName('facade-leader');
        const elector = createLeader(backend, { group, ...TIMING });
        const a = await within(elector.elect('node-a'), WAIT, 'elect node-a');
        expect(a.term).toMatchObject({ group, candidate: 'node-a', term: expect.any(Number) });
        let bSettled = false;
        const bPending = elector.elect('node-b').finally(() => (bSettled = true));
        const current = await single(backend.readLease(leadershipLeaseKey(group)), WAIT);
        expect(current).toMatchObject({ holder: 'node-a', token: a.term.term });
        expect(bSettled).toBe(false);
        await a.resign();
        await within(a.revoked, WAIT, 'a.revoked');
        const b = await within(bPending, WAIT, 'elect node-b');
        expect(b.term.term).toBeGreaterThan(a.term.term);
        await expect(a.resign()).rejects.toBeInstanceOf(NotHeldError);
        await b.resign();
        await within(b.revoked, WAIT, 'b.revoked');
      });
    });

    describe('suite configuration', () => {
      it('skips only tests that exist', () => {
        const unknown = Object.keys(options.skip ?? {}).filter((title) => !titles.has(title));
        expect(unknown).toEqual([]);
      });
    });

    /** Resolves with the error the request fails with; rejects when it succeeds. */
    async function failureOf(request: Observable<unknown>): Promise<unknown> {
      return single(request, WAIT).then(
        (value) => {
          throw new Error(`expected the request to fail, but it gave ${show(value)}`);
        },
        (error: unknown) => error,
      );
    }
  });
}

/** How long one warm-up round waits for its probe before writing it again. */
const PROBE_WAIT = 250;

/** The keys and watches of one test, and the check that it left every lease free. */
class ContractContext {
  private readonly id = `rxc-${randomId()}`;
  private readonly tracked = new Map<string, { readonly events: Recorder<LeaseEvent>; readonly mayExpire: boolean }>();
  private readonly watches: { stop(): void }[] = [];
  private readonly streams: { stop(): void }[] = [];

  constructor(
    private readonly backend: SyncBackend,
    private readonly wait: number,
    private readonly announcesLeaseExpiry: boolean,
  ) {}

  /** A fresh store key (or prefix) for this test. */
  name(label: string): string {
    return `${this.id}:${label}`;
  }

  /** A fresh raw lease key, checked to be free after the test. */
  leaseKey(label: string, options: { mayExpire?: boolean } = {}): string {
    const key = `${this.id}:lease:${label}`;
    this.track(key, options.mayExpire ?? false);
    return key;
  }

  /** A fresh lock name, whose lease is checked to be free after the test. */
  lockName(label: string, options: { mayExpire?: boolean } = {}): string {
    const name = `${this.id}:${label}`;
    this.track(lockLeaseKey(name), options.mayExpire ?? false);
    return name;
  }

  /** A fresh leadership group, whose lease is checked to be free after the test. */
  groupName(label: string, options: { mayExpire?: boolean } = {}): string {
    const name = `${this.id}:${label}`;
    this.track(leadershipLeaseKey(name), options.mayExpire ?? false);
    return name;
  }

  /**
   * Watches the lease events of `key` and resolves once the watch is known to be live: a probe
   * lease was acquired and released until the watch reported it. `values` leaves the probes out.
   */
  async readyLeaseEvents(key: string): Promise<Recorder<LeaseEvent>> {
    const probeTokens = new Set<number>();
    const events = new Recorder(this.backend.leaseEvents(key), {
      within: this.wait,
      label: `leaseEvents(${key})`,
      keep: (event) => !probeTokens.has(event.token),
    });
    this.watches.push(events);
    const probe = { owner: `probe-${randomId()}${randomId()}`, holder: 'probe', leaseDuration: 60_000 };
    for (let round = 0; ; round++) {
      const attempt = await single(this.backend.tryAcquire(key, probe), this.wait, 'probe tryAcquire');
      if (!attempt.granted) throw new Error(`probe lease on ${key} refused: ${show(attempt)}`);
      probeTokens.add(attempt.token);
      await single(this.backend.release(key, probe.owner), this.wait, 'probe release');
      const seen = await events
        .until(
          (r) => r.all.some((event) => event.type === 'released' && event.token === attempt.token),
          'report the probe',
          PROBE_WAIT,
        )
        .then(
          () => true,
          () => false,
        );
      if (seen) return events;
      if (round * PROBE_WAIT > this.wait) throw new Error(`leaseEvents(${key}) never reported the probe lease`);
    }
  }

  /**
   * Watches `backend.changes(prefix)` and resolves once the watch is known to be live (see
   * {@link warmUpChanges}). `values` leaves the probe key out.
   */
  async readyChanges(prefix: string): Promise<Recorder<ChangeEvent>> {
    const probe = `${prefix}~probe-${randomId()}`;
    const events = new Recorder(this.backend.changes(prefix), {
      within: this.wait,
      label: `changes(${prefix})`,
      keep: (event) => event.key !== probe,
    });
    this.watches.push(events);
    await this.warmUpChanges(events, probe);
    return events;
  }

  /** Writes and deletes `probe` until `watch` has reported it, so that the watch is known to be live. */
  async warmUpChanges(watch: Recorder<ChangeEvent>, probe: string): Promise<void> {
    for (let round = 0; ; round++) {
      const item = await single(this.backend.put(probe, 'probe'), this.wait, 'probe put');
      await single(this.backend.delete(probe), this.wait, 'probe delete');
      const seen = await watch
        .until(
          (r) => r.all.some((event) => event.key === probe && event.type === 'deleted' && event.version > item.version),
          'report the probe',
          PROBE_WAIT,
        )
        .then(
          () => true,
          () => false,
        );
      if (seen) return;
      if (round * PROBE_WAIT > this.wait) throw new Error(`changes() never reported the probe write of ${probe}`);
    }
  }

  /** Checks that every tracked lease is free and that its tenures ended as the test intended. */
  async verifyFreed(): Promise<void> {
    const problems: string[] = [];
    for (const [key, { events, mayExpire }] of this.tracked) {
      try {
        await leaseFree(this.backend, key, this.wait, `lease "${key}" to be free after the test`);
        const ended = (recorder: Recorder<LeaseEvent>): boolean => {
          const ends = new Set(
            recorder.values
              .filter((event) => event.type === 'released' || event.type === 'expired')
              .map((event) => event.token),
          );
          return recorder.values.every((event) => event.type !== 'acquired' || ends.has(event.token));
        };
        // A lapse may go unannounced by some backends; a release never may.
        if (mayExpire && !this.announcesLeaseExpiry) continue;
        await events.until(ended, 'report the end (released, or expired when allowed) of every tenure');
        const expired = events.values.filter((event) => event.type === 'expired');
        if (!mayExpire && expired.length > 0) {
          problems.push(`lease "${key}" lapsed instead of being released: ${show(events.values)}`);
        }
      } catch (error: unknown) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (problems.length > 0) throw new Error(`leases left behind:\n${problems.join('\n')}`);
  }

  /** Records a stream of the test (see {@link Recorder}); {@link stopStreams} unsubscribes it. */
  record<T>(source: Observable<T>, label: string, keep?: (value: T) => boolean): Recorder<T> {
    const recorder = new Recorder(source, { within: this.wait, label, ...(keep && { keep }) });
    this.streams.push(recorder);
    return recorder;
  }

  /** Unsubscribes every stream the test recorded (what the test left subscribed, after a failure). */
  stopStreams(): void {
    for (const stream of this.streams) stream.stop();
  }

  /** Stops every watch of the test. */
  close(): void {
    this.stopStreams();
    for (const { events } of this.tracked.values()) events.stop();
    for (const watch of this.watches) watch.stop();
  }

  private track(key: string, mayExpire: boolean): void {
    if (this.tracked.has(key)) return;
    this.tracked.set(key, {
      events: new Recorder(this.backend.leaseEvents(key), { within: this.wait, label: `leaseEvents(${key})` }),
      mayExpire,
    });
  }
}

function expectExpiresIn(holder: LeaseHolder | undefined, leaseDuration: number): void {
  expect(holder).toBeDefined();
  expect(holder?.expiresIn).toBeGreaterThan(0);
  expect(holder?.expiresIn).toBeLessThanOrEqual(leaseDuration);
}

function expectVersionConflict(error: unknown, key: string, expectedVersion: number, actualVersion: number): void {
  expect(error).toBeInstanceOf(VersionConflictError);
  expect(error).toBeInstanceOf(SyncError);
  expect(error).toMatchObject({ name: 'VersionConflictError', key, expectedVersion, actualVersion, transient: false });
}

/** Resolves once `readLease(key)` finds the lease free, asking every 10 ms; rejects after `within` ms. */
function leaseFree(backend: SyncBackend, key: string, within: number, what: string): Promise<void> {
  const free = async (): Promise<boolean> =>
    (await single(backend.readLease(key), within, `readLease(${key})`)) === undefined;
  return waitUntil(free, within, what, 10);
}

/** Resolves as `promise` does, or rejects when it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return firstValueFrom(
    defer(() => promise).pipe(
      timeout({ first: ms, with: () => throwError(() => new Error(`${what} did not settle within ${ms} ms`)) }),
    ),
  );
}
