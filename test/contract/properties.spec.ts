import fc from 'fast-check';
import type { Observable } from 'rxjs';
import { map, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  BackendUnavailableError,
  changes,
  keyValue,
  leader,
  leadership,
  lock,
  VersionConflictError,
  type ChangeEvent,
  type Item,
  type Leader,
  type LeaseHolder,
  type SyncBackend,
} from 'rx-sync';
import { createTestBackend, type TestBackend } from 'rx-sync/testing';
import { leadershipLeaseKey, lockLeaseKey } from '../../src/internal/leaseKeys.js';

/**
 * Property tests of the lease engine and the store on the memory backend, in virtual time
 * (`TestScheduler.run`): fast-check generates schedules of contenders, faults and store writes,
 * and each run checks the invariants that must hold whatever the schedule. A failure prints the
 * shrunk schedule; `RX_SYNC_PROPERTY_RUNS` raises the number of runs for a deeper search.
 */
const NUM_RUNS = Number(process.env['RX_SYNC_PROPERTY_RUNS'] ?? '') || 150;

// ---------------------------------------------------------------------------------------------
// Leases: random contenders, holds and faults
// ---------------------------------------------------------------------------------------------

type Fault =
  | { readonly kind: 'none' }
  /** From `at` frames after subscribing, requests are lost; healed `healAfter` frames later (or never). */
  | { readonly kind: 'partition' | 'fail'; readonly at: number; readonly healAfter: number | undefined }
  /** From `at` frames after subscribing, requests are lost for good. */
  | { readonly kind: 'crash'; readonly at: number };

interface ContenderPlan {
  /** Frame of subscription. */
  readonly start: number;
  /** Frames it keeps the lease once acquired, then unsubscribes. */
  readonly hold: number;
  readonly fault: Fault;
}

interface Timing {
  readonly leaseDuration: number;
  readonly renewInterval: number;
  readonly driftMargin: number;
  readonly retryDelay: number;
  readonly maxRetryDelay: number;
}

interface ContentionPlan {
  readonly kind: 'lock' | 'leadership';
  readonly timing: Timing;
  readonly contenders: readonly ContenderPlan[];
}

/** Valid timing: driftMargin ≥ 1 (so a holder's deadline falls strictly before the backend's expiry) and renewInterval < leaseDuration − driftMargin. */
const timingArb: fc.Arbitrary<Timing> = fc
  .integer({ min: 8, max: 120 })
  .chain((leaseDuration) =>
    fc.integer({ min: 1, max: Math.floor(leaseDuration / 4) }).chain((driftMargin) =>
      fc.record({
        leaseDuration: fc.constant(leaseDuration),
        driftMargin: fc.constant(driftMargin),
        renewInterval: fc.integer({ min: 1, max: leaseDuration - driftMargin - 1 }),
        retryDelay: fc.integer({ min: 1, max: 20 }),
        maxRetryDelay: fc.integer({ min: 0, max: 100 }),
      }),
    ),
  )
  .map((timing) => ({ ...timing, maxRetryDelay: timing.retryDelay + timing.maxRetryDelay }));

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('partition' as const, 'fail' as const),
      at: fc.integer({ min: 0, max: 150 }),
      healAfter: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), at: fc.integer({ min: 0, max: 150 }) }) },
);

const contentionArb: fc.Arbitrary<ContentionPlan> = fc.record({
  kind: fc.constantFrom('lock' as const, 'leadership' as const),
  timing: timingArb,
  contenders: fc.array(
    fc.record({ start: fc.integer({ min: 0, max: 200 }), hold: fc.integer({ min: 1, max: 150 }), fault: faultArb }),
    { minLength: 1, maxLength: 5 },
  ),
});

/** What one contender did, in virtual frames. */
interface ContenderRecord {
  acquiredAt?: number;
  /** When it stopped holding: its stream completed or errored, or the test unsubscribed it. */
  endedAt?: number;
  token?: number;
  completed: boolean;
  error?: unknown;
  isValid?: () => boolean;
}

interface ContentionOutcome {
  readonly records: readonly ContenderRecord[];
  readonly acquisitions: readonly { readonly who: number; readonly token: number; readonly at: number }[];
  readonly violations: readonly string[];
  readonly leaders: readonly (Leader | undefined)[];
  readonly leftOver: ReturnType<TestBackend['inspect']> | undefined;
}

/** Whether the contender's requests are ever lost or failed for good, or failed while it may be waiting. */
function mayNeverAcquire(fault: Fault): boolean {
  return (
    fault.kind === 'crash' || fault.kind === 'fail' || (fault.kind === 'partition' && fault.healAfter === undefined)
  );
}

function runContention(plan: ContentionPlan): ContentionOutcome {
  const scheduler = new TestScheduler(() => {
    throw new Error('no marble assertions here');
  });
  const { timing, kind } = plan;
  const records: ContenderRecord[] = plan.contenders.map(() => ({ completed: false }));
  const acquisitions: { who: number; token: number; at: number }[] = [];
  const violations: string[] = [];
  const leaders: (Leader | undefined)[] = [];
  let leftOver: ContentionOutcome['leftOver'];
  const L = timing.leaseDuration;
  const horizon =
    Math.max(...plan.contenders.map((c) => c.start)) +
    plan.contenders.reduce(
      (sum, c) =>
        sum +
        c.hold +
        (c.fault.kind === 'none' ? 0 : c.fault.at + (c.fault.kind === 'crash' ? 0 : (c.fault.healAfter ?? 0))),
      0,
    ) +
    plan.contenders.length * (3 * L + timing.maxRetryDelay) +
    50;

  scheduler.run(() => {
    // Leases from 8 frames: below the default `limits.minLeaseDuration` (10 ms), harmless in virtual time.
    const backend = createTestBackend({ limits: { minLeaseDuration: 1 } });
    const contenders: SyncBackend = backend;
    const options = { ...timing, retryJitter: 0, acquireTimeout: Infinity };
    const leaseKey = kind === 'lock' ? lockLeaseKey('k') : leadershipLeaseKey('g');
    const watcher =
      kind === 'leadership' ? leader(backend, 'g').subscribe((current) => leaders.push(current)) : undefined;

    plan.contenders.forEach((contender, who) => {
      const name = `c${who}`;
      const record = records[who] as ContenderRecord;
      let subscription: Subscription | undefined;
      const end = (): void => {
        if (record.acquiredAt !== undefined && record.endedAt === undefined) record.endedAt = scheduler.now();
      };
      const stop = (): void => {
        end();
        subscription?.unsubscribe();
      };
      const ownership: Observable<{ token: number; isValid: () => boolean }> =
        kind === 'lock'
          ? lock(contenders, 'k', { ...options, holder: name }).pipe(
              map((lease) => ({ token: lease.token, isValid: () => lease.isValid() })),
            )
          : leadership(contenders, 'g', { ...options, candidate: name }).pipe(
              map((term) => ({ token: term.term, isValid: () => term.isValid() })),
            );

      scheduler.schedule(() => {
        subscription = ownership.subscribe({
          next: (held) => {
            const now = scheduler.now();
            records.forEach((other, j) => {
              if (j === who || other.acquiredAt === undefined) return;
              if (other.endedAt === undefined)
                violations.push(`frame ${now}: c${who} acquired while c${j} (since ${other.acquiredAt}) still held`);
              if (other.isValid?.())
                violations.push(`frame ${now}: c${who} acquired while c${j}'s lease still reported valid`);
            });
            if (!held.isValid()) violations.push(`frame ${now}: c${who}'s fresh lease reported invalid`);
            let current: LeaseHolder | undefined;
            backend.readLease(leaseKey).subscribe((read) => (current = read));
            if (current?.holder !== name || current.token !== held.token) {
              violations.push(
                `frame ${now}: c${who} holds token ${held.token} but the backend says ${JSON.stringify(current)}`,
              );
            }
            if (record.acquiredAt !== undefined) violations.push(`frame ${now}: c${who} emitted twice`);
            Object.assign(record, { acquiredAt: now, token: held.token, isValid: held.isValid });
            acquisitions.push({ who, token: held.token, at: now });
            scheduler.schedule(stop, contender.hold);
          },
          complete: () => {
            record.completed = true;
            end();
          },
          error: (error: unknown) => {
            record.error = error;
            end();
          },
        });
      }, contender.start);

      const { fault } = contender;
      if (fault.kind === 'partition' || fault.kind === 'fail') {
        scheduler.schedule(
          () => (fault.kind === 'partition' ? backend.partition(name) : backend.failRequests(name)),
          contender.start + fault.at,
        );
        if (fault.healAfter !== undefined)
          scheduler.schedule(() => backend.heal(name), contender.start + fault.at + fault.healAfter);
      } else if (fault.kind === 'crash') {
        scheduler.schedule(() => backend.crash(name), contender.start + fault.at);
      }
      scheduler.schedule(stop, horizon);
    });
    // Crashed holders' leases lapse within a lease duration of the horizon; then nothing may be left.
    scheduler.schedule(
      () => {
        watcher?.unsubscribe();
        leftOver = backend.inspect();
      },
      horizon + 2 * L,
    );
  });
  return { records, acquisitions, violations, leaders, leftOver };
}

function checkContention(plan: ContentionPlan, outcome: ContentionOutcome): void {
  const { records, acquisitions, violations, leaders, leftOver } = outcome;
  // Safety: never two holders at once, and the backend agrees with every holder.
  expect(violations).toEqual([]);
  // Fencing: tokens strictly increase in order of acquisition.
  const tokens = acquisitions.map((acquisition) => acquisition.token);
  tokens.forEach((token, i) => {
    if (i > 0) expect(token).toBeGreaterThan(tokens[i - 1] as number);
  });
  plan.contenders.forEach((contender, who) => {
    const record = records[who] as ContenderRecord;
    // Liveness: whoever is healthy, or healed, gets the lease before the horizon.
    if (!mayNeverAcquire(contender.fault))
      expect({ who, acquiredAt: record.acquiredAt }).toEqual({ who, acquiredAt: expect.any(Number) });
    // Loss completes, but a healthy holder is never revoked.
    if (contender.fault.kind === 'none')
      expect({ who, completed: record.completed }).toEqual({ who, completed: false });
    // Only backend failures end a campaign with an error (acquireTimeout is infinite).
    if (record.error !== undefined) {
      expect(contender.fault.kind).toBe('fail');
      expect(record.error).toBeInstanceOf(BackendUnavailableError);
      expect(record.acquiredAt).toBeUndefined();
    }
  });
  // leader(): follows the terms in order, names the right candidate, and ends with nobody.
  if (plan.kind === 'leadership') {
    const elected = leaders.filter((current): current is Leader => current !== undefined);
    elected.forEach((current, i) => {
      if (i > 0) expect(current.term).toBeGreaterThan((elected[i - 1] as Leader).term);
      expect(acquisitions).toContainEqual(
        expect.objectContaining({ token: current.term, who: Number(current.candidate.slice(1)) }),
      );
    });
    expect(leaders[leaders.length - 1]).toBeUndefined();
  }
  expect(leftOver).toEqual({ leasesHeld: 0, watchers: 0 });
}

describe('lease engine properties (memory backend, virtual time)', () => {
  it('never two holders, tokens increase, the healthy eventually acquire, nothing leaks', () => {
    fc.assert(
      fc.property(contentionArb, (plan) => {
        checkContention(plan, runContention(plan));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('a lone healthy contender among crashed and partitioned ones still acquires', () => {
    // Biased towards faults: every contender but the last is faulty.
    const faultyArb = fc.record({
      start: fc.integer({ min: 0, max: 100 }),
      hold: fc.integer({ min: 1, max: 100 }),
      fault: faultArb.filter((fault) => fault.kind !== 'none'),
    });
    const planArb = fc.record({
      kind: fc.constantFrom('lock' as const, 'leadership' as const),
      timing: timingArb,
      contenders: fc
        .tuple(
          fc.array(faultyArb, { minLength: 1, maxLength: 4 }),
          fc.record({ start: fc.integer({ min: 0, max: 200 }), hold: fc.integer({ min: 1, max: 50 }) }),
        )
        .map(([faulty, healthy]) => [...faulty, { ...healthy, fault: { kind: 'none' as const } }]),
    });
    fc.assert(
      fc.property(planArb, (plan) => {
        checkContention(plan, runContention(plan));
      }),
      { numRuns: Math.ceil(NUM_RUNS / 2) },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Store: random writes, conditional writes, deletes, time-to-live and late watchers
// ---------------------------------------------------------------------------------------------

const KEYS = ['x/a', 'x/b', 'y/c'] as const;
type Key = (typeof KEYS)[number];
/** How a conditional write picks its `ifVersion`: the right one, create-only, or a wrong one. */
type Condition = 'current' | 'zero' | 'wrong' | undefined;

type StoreOp =
  | {
      readonly type: 'put';
      readonly key: Key;
      readonly value: string;
      readonly timeToLive: number | undefined;
      readonly condition: Condition;
    }
  | { readonly type: 'delete'; readonly key: Key; readonly condition: Condition }
  | { readonly type: 'wait'; readonly frames: number }
  | { readonly type: 'watch'; readonly key: Key };

const conditionArb: fc.Arbitrary<Condition> = fc.constantFrom<Condition>(
  undefined,
  undefined,
  'current',
  'zero',
  'wrong',
);
const keyArb = fc.constantFrom(...KEYS);
const storeOpArb: fc.Arbitrary<StoreOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('put' as const),
      key: keyArb,
      value: fc.string({ maxLength: 3 }),
      timeToLive: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined, freq: 3 }),
      condition: conditionArb,
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('delete' as const), key: keyArb, condition: conditionArb }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('wait' as const), frames: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('watch' as const), key: keyArb }) },
);

interface TimedEvent {
  readonly at: number;
  readonly event: ChangeEvent;
}

function runStore(ops: readonly StoreOp[]): void {
  const scheduler = new TestScheduler(() => {
    throw new Error('no marble assertions here');
  });
  const problems: string[] = [];
  scheduler.run(() => {
    const backend = createTestBackend();
    const model = new Map<Key, { item: Item; expiresAt: number }>();
    /** The last version each key had, from writes and change events: every next one must be greater. */
    const lastVersion = new Map<string, number>();
    const expected = new Map<Key, { at: number; type: ChangeEvent['type']; item?: Item }[]>(
      KEYS.map((key) => [key, []]),
    );
    const all: TimedEvent[] = [];
    const underX: ChangeEvent[] = [];
    const watches: { key: Key; from: number; values: (Item | undefined)[]; subscription: Subscription }[] = [];
    const watch = (key: Key): void => {
      const values: (Item | undefined)[] = [];
      watches.push({
        key,
        from: scheduler.now(),
        values,
        subscription: keyValue(backend, key).subscribe((value) => values.push(value)),
      });
    };
    const subscriptions = [
      backend.changes('').subscribe((event) => all.push({ at: scheduler.now(), event })),
      changes(backend, 'x/').subscribe((event) => underX.push(event)),
    ];
    KEYS.forEach(watch);

    /** Applies the model's expiries due by `now`, in the order the backend's timers run them. */
    const expireUntil = (now: number): void => {
      const due = [...model.entries()]
        .filter(([, entry]) => entry.expiresAt <= now)
        .sort((a, b) => a[1].expiresAt - b[1].expiresAt);
      for (const [key, entry] of due) {
        expected.get(key)?.push({ at: entry.expiresAt, type: 'expired' });
        model.delete(key);
      }
    };
    const ifVersionOf = (key: Key, condition: Condition): number | undefined => {
      const current = model.get(key)?.item.version ?? 0;
      if (condition === 'current') return current;
      if (condition === 'zero') return 0;
      if (condition === 'wrong') return current + 1 + (lastVersion.get(key) ?? 0);
      return undefined;
    };
    const result = <T>(request: Observable<T>): { value?: T; error?: unknown } => {
      const outcome: { value?: T; error?: unknown } = {};
      request.subscribe({
        next: (value) => (outcome.value = value),
        error: (error: unknown) => (outcome.error = error),
      });
      return outcome;
    };

    let at = 0;
    let end = 0;
    for (const op of ops) {
      if (op.type === 'wait') {
        at += op.frames;
        continue;
      }
      end = Math.max(end, at + (op.type === 'put' ? (op.timeToLive ?? 0) : 0));
      scheduler.schedule(() => {
        const now = scheduler.now();
        expireUntil(now);
        if (op.type === 'watch') return watch(op.key);
        const ifVersion = ifVersionOf(op.key, op.condition);
        const actualVersion = model.get(op.key)?.item.version ?? 0;
        const conflict = ifVersion !== undefined && ifVersion !== actualVersion;
        const options = {
          ...(ifVersion !== undefined && { ifVersion }),
          ...(op.type === 'put' && op.timeToLive !== undefined && { timeToLive: op.timeToLive }),
        };
        const outcome =
          op.type === 'put'
            ? result<unknown>(backend.put(op.key, op.value, options))
            : result<unknown>(backend.delete(op.key, options));
        const label = `frame ${now}: ${JSON.stringify(op)} (ifVersion ${ifVersion}, current ${actualVersion})`;
        if (conflict) {
          const error = outcome.error;
          if (
            !(error instanceof VersionConflictError) ||
            error.key !== op.key ||
            error.expectedVersion !== ifVersion ||
            error.actualVersion !== actualVersion
          ) {
            problems.push(`${label}: expected a VersionConflictError, got ${JSON.stringify(outcome)}`);
          }
          return;
        }
        if (outcome.error !== undefined)
          return void problems.push(
            `${label}: unexpected error ${outcome.error instanceof Error ? outcome.error.message : JSON.stringify(outcome.error)}`,
          );
        if (op.type === 'put') {
          const item = outcome.value as Item;
          if (item.key !== op.key || item.value !== op.value) problems.push(`${label}: wrote ${JSON.stringify(item)}`);
          if (item.version <= (lastVersion.get(op.key) ?? 0))
            problems.push(`${label}: version ${item.version} not above ${lastVersion.get(op.key)}`);
          lastVersion.set(op.key, item.version);
          model.set(op.key, { item, expiresAt: op.timeToLive === undefined ? Infinity : now + op.timeToLive });
          expected.get(op.key)?.push({ at: now, type: 'put', item });
        } else {
          const existed = model.has(op.key);
          if (outcome.value !== existed)
            problems.push(`${label}: delete gave ${String(outcome.value)}, expected ${existed}`);
          if (existed) {
            model.delete(op.key);
            expected.get(op.key)?.push({ at: now, type: 'deleted' });
          }
        }
      }, at);
    }

    scheduler.schedule(
      () => {
        const now = scheduler.now();
        expireUntil(now);
        // changes(''): per key, exactly the expected events, at the expected frames, versions increasing.
        for (const key of KEYS) {
          const seen = all.filter(({ event }) => event.key === key);
          const want = expected.get(key) ?? [];
          const shape = seen.map(({ at: frame, event }) => ({
            at: frame,
            type: event.type,
            ...(event.type === 'put' && { item: event.item }),
          }));
          const wanted = want.map((entry) => ({
            at: entry.at,
            type: entry.type,
            ...(entry.item && { item: entry.item }),
          }));
          if (JSON.stringify(shape) !== JSON.stringify(wanted))
            problems.push(`changes of ${key}: got ${JSON.stringify(shape)}, expected ${JSON.stringify(wanted)}`);
          seen.forEach(({ event }, i) => {
            const previous = seen[i - 1];
            if (previous && event.version <= previous.event.version)
              problems.push(`changes of ${key}: version ${event.version} after ${previous.event.version}`);
            if (event.type === 'put' && event.version !== event.item.version)
              problems.push(`changes of ${key}: event version ${event.version} != item ${event.item.version}`);
          });
        }
        // changes('x/'): the same events, only for keys under x/, in the same order.
        const wantUnderX = all.map(({ event }) => event).filter((event) => event.key.startsWith('x/'));
        if (JSON.stringify(underX) !== JSON.stringify(wantUnderX))
          problems.push(`changes('x/'): ${JSON.stringify(underX)} vs ${JSON.stringify(wantUnderX)}`);
        // keyValue: the value at subscription, then one value per change, in version order, ending at get().
        for (const { key, from, values } of watches) {
          const before = all
            .filter(({ at: frame, event }) => event.key === key && frame < from)
            .map(({ event }) => event);
          const after = all
            .filter(({ at: frame, event }) => event.key === key && frame >= from)
            .map(({ event }) => event);
          // A change in the very frame of subscription may show in the first value or as a change.
          const asValue = (event: ChangeEvent | undefined): Item | undefined =>
            event?.type === 'put' ? event.item : undefined;
          const sameFrame = all.filter(({ at: frame, event }) => event.key === key && frame === from).length;
          const candidates = [
            [asValue(before[before.length - 1]), ...after.map(asValue)],
            ...after
              .slice(0, sameFrame)
              .map((_, split) => [asValue(after[split]), ...after.slice(split + 1).map(asValue)]),
          ];
          if (!candidates.some((candidate) => JSON.stringify(candidate) === JSON.stringify(values))) {
            problems.push(
              `keyValue(${key}) from frame ${from}: ${JSON.stringify(values)}; changes: ${JSON.stringify(after)}`,
            );
          }
          const versions = values.filter((value): value is Item => value !== undefined).map((value) => value.version);
          versions.forEach((version, i) => {
            if (i > 0 && version <= (versions[i - 1] as number))
              problems.push(`keyValue(${key}) went back to version ${version}`);
          });
          let current: Item | undefined;
          backend.get(key).subscribe((item) => (current = item));
          if (JSON.stringify(values[values.length - 1]) !== JSON.stringify(current)) {
            problems.push(
              `keyValue(${key}) ended at ${JSON.stringify(values[values.length - 1])}, get() gives ${JSON.stringify(current)} at ${now}`,
            );
          }
        }
        let listed: readonly Item[] = [];
        backend.list('').subscribe((items) => (listed = items));
        const live = [...model.values()].map((entry) => entry.item).sort((a, b) => (a.key < b.key ? -1 : 1));
        if (JSON.stringify(listed) !== JSON.stringify(live))
          problems.push(`list(''): ${JSON.stringify(listed)}, model ${JSON.stringify(live)}`);
        for (const { subscription } of watches) subscription.unsubscribe();
        for (const subscription of subscriptions) subscription.unsubscribe();
        const leftOver = backend.inspect();
        if (leftOver.watchers !== 0) problems.push(`watchers left: ${leftOver.watchers}`);
      },
      Math.max(at, end) + 1,
    );
  });
  expect(problems).toEqual([]);
}

describe('store properties (memory backend, virtual time)', () => {
  it('versions increase, conditional writes obey ifVersion, changes() and keyValue() match the writes', () => {
    fc.assert(
      fc.property(fc.array(storeOpArb, { maxLength: 40 }), (ops) => {
        runStore(ops);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
