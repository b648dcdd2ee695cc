import fc from 'fast-check';
import { of } from 'rxjs';
import {
  backendClock,
  cancelTask,
  changes,
  clock,
  createClock,
  createLeader,
  createLock,
  createStore,
  createTaskRunner,
  keyValue,
  leader,
  leadership,
  localClock,
  lock,
  schedule,
  submit,
  task,
  whileHeld,
  whileLeader,
  withLock,
  worker,
  type BackendLimits,
  type ClockSource,
} from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';
import { ntpClock } from 'rx-sync/ntp';
import { createTestBackend, type TestBackend } from 'rx-sync/testing';
import {
  badBoolean,
  badName,
  badNumber,
  badOptionsObject,
  badValue,
  expectMisuse,
  notAString,
  NUM_RUNS,
  syncValue,
  unserialisable,
  type Bad,
  type NumberKind,
} from '../../support/badInput.js';

/**
 * Every public function and every option, given one bad argument at a time (the rest valid):
 * each call must throw a TypeError or RangeError at once, whose message names the argument, and
 * leave the backend as it was: no lease, no watcher, no item, no task.
 */

/** Small limits keep the oversized values of many runs small; the same checks run with the defaults below. */
const LIMITS = { maxNameLength: 128, maxValueSize: 1_024, minLeaseDuration: 10, maxLeaseDuration: 600_000 };

let backend: TestBackend;

beforeEach(() => {
  backend = createTestBackend({ limits: LIMITS });
});

afterEach(() => expectUntouched(backend));

/** Nothing reached the backend: no lease held, no watcher attached, no item written, no task enqueued or running. */
function expectUntouched(target: TestBackend): void {
  expect(target.inspect()).toEqual({ leasesHeld: 0, watchers: 0 });
  expect(syncValue(target.list(''))).toEqual([]);
  expect(syncValue(target.readTask('task-1'))).toBeUndefined();
  expect(target.tasksRunning()).toBe(0);
}

/** One argument of one public function; `call` puts the bad value in it and leaves the rest valid. */
interface Site {
  readonly what: string;
  readonly arbitrary: (limits: BackendLimits) => fc.Arbitrary<Bad>;
  readonly call: (backend: TestBackend, value: unknown) => unknown;
}

function checkSites(sites: Readonly<Record<string, Site>>): void {
  it.each(Object.keys(sites))('%s', (label) => {
    const site = sites[label]!;
    fc.assert(
      fc.property(site.arbitrary(backend.limits), ({ value, error }) => {
        expectMisuse(() => site.call(backend, value), site.what, error);
      }),
      { numRuns: NUM_RUNS },
    );
  });
}

const name =
  (options: { positional?: boolean; emptyAllowed?: boolean } = {}) =>
  (limits: BackendLimits): fc.Arbitrary<Bad> =>
    badName(limits.maxNameLength, options);
/** A task id may be 32 characters longer than a name (a backend adds a number to the task name). */
const id = (limits: BackendLimits): fc.Arbitrary<Bad> => badName(limits.maxNameLength + 32);
const option = name({ positional: false });
const number = (kind: NumberKind) => (): fc.Arbitrary<Bad> => badNumber(kind);
const leaseDuration = (limits: BackendLimits): fc.Arbitrary<Bad> =>
  fc.oneof(
    badNumber('positive'),
    fc
      .oneof(
        fc.double({ min: 1e-9, max: limits.minLeaseDuration, maxExcluded: true, noNaN: true }),
        fc.double({ min: limits.maxLeaseDuration, max: 2 ** 31 - 1, minExcluded: true, noNaN: true }),
      )
      .map((value) => ({ value, error: RangeError })),
  );
const value = (limits: BackendLimits): fc.Arbitrary<Bad> => badValue(limits).filter((bad) => bad.value !== undefined);
const json = (limits: BackendLimits): fc.Arbitrary<Bad> =>
  fc.oneof(
    unserialisable.map((bad) => ({ value: bad, error: TypeError })),
    fc.string({ minLength: limits.maxValueSize - 1, maxLength: limits.maxValueSize * 2 }).map((text) => ({
      value: { text },
      error: RangeError,
    })),
  );
const options = (): fc.Arbitrary<Bad> => badOptionsObject;
const notABackend = (): fc.Arbitrary<Bad> =>
  fc
    .oneof(
      notAString,
      fc.constant(undefined),
      fc.constant({ name: 'fake' }),
      fc.constant(createStore(createMemoryBackend())),
    )
    .map((bad) => ({ value: bad, error: TypeError }));
const notAFunction = (): fc.Arbitrary<Bad> =>
  fc
    .oneof(
      notAString.filter((bad) => typeof bad !== 'function'),
      fc.constant(undefined),
    )
    .map((bad) => ({ value: bad, error: TypeError }));

/** The timing options shared by locks and leadership, put into `wrap`'s options object. */
function leaseOptionSites(
  prefix: string,
  wrap: (backend: TestBackend, options: object) => unknown,
): Record<string, Site> {
  const fields: Record<string, (limits: BackendLimits) => fc.Arbitrary<Bad>> = {
    leaseDuration,
    renewInterval: number('positive'),
    driftMargin: number('nonNegative'),
    acquireTimeout: number('timeout'),
    retryDelay: number('positive'),
    maxRetryDelay: number('positive'),
    retryJitter: number('fraction'),
  };
  return Object.fromEntries(
    Object.entries(fields).map(([field, arbitrary]) => [
      `${prefix} ${field}`,
      { what: field, arbitrary, call: (b: TestBackend, v: unknown) => wrap(b, { [field]: v }) },
    ]),
  );
}

const SUBMIT_FIELDS: Record<string, (limits: BackendLimits) => fc.Arbitrary<Bad>> = {
  attempts: number('count'),
  retryDelay: number('positive'),
  maxRetryDelay: number('positive'),
  retryJitter: number('fraction'),
  timeout: number('timeout'),
  retention: number('positive'),
};

function submitOptionSites(
  prefix: string,
  wrap: (backend: TestBackend, options: object) => unknown,
): Record<string, Site> {
  return Object.fromEntries(
    Object.entries(SUBMIT_FIELDS).map(([field, arbitrary]) => [
      `${prefix} ${field}`,
      { what: field, arbitrary, call: (b: TestBackend, v: unknown) => wrap(b, { [field]: v }) },
    ]),
  );
}

const WORKER_FIELDS: Record<string, (limits: BackendLimits) => fc.Arbitrary<Bad>> = {
  concurrency: number('count'),
  name: option,
  leaseDuration,
  renewInterval: number('positive'),
  driftMargin: number('nonNegative'),
  pollInterval: number('positive'),
  gracePeriod: number('nonNegative'),
};

function workerOptionSites(
  prefix: string,
  wrap: (backend: TestBackend, options: object) => unknown,
): Record<string, Site> {
  return Object.fromEntries(
    Object.entries(WORKER_FIELDS).map(([field, arbitrary]) => [
      `${prefix} ${field}`,
      { what: field, arbitrary, call: (b: TestBackend, v: unknown) => wrap(b, { [field]: v }) },
    ]),
  );
}

const handlers = { resize: () => 'done' };

describe('locks and leadership', () => {
  checkSites({
    'lock backend': { what: 'backend', arbitrary: notABackend, call: (_b, v) => lock(v as never, 'k') },
    'lock key': { what: 'key', arbitrary: name(), call: (b, v) => lock(b, v as string) },
    'lock options': { what: 'options', arbitrary: options, call: (b, v) => lock(b, 'k', v as never) },
    'lock wait': { what: 'wait', arbitrary: () => badBoolean, call: (b, v) => lock(b, 'k', { wait: v as boolean }) },
    'lock holder': { what: 'holder', arbitrary: option, call: (b, v) => lock(b, 'k', { holder: v as string }) },
    ...leaseOptionSites('lock', (b, o) => lock(b, 'k', o)),
    'withLock backend': { what: 'backend', arbitrary: notABackend, call: (_b, v) => withLock(v as never, 'k') },
    'withLock key': { what: 'key', arbitrary: name(), call: (b, v) => withLock(b, v as string) },
    'withLock options': { what: 'options', arbitrary: options, call: (b, v) => withLock(b, 'k', v as never) },
    'withLock holder': { what: 'holder', arbitrary: option, call: (b, v) => withLock(b, 'k', { holder: v as string }) },
    ...leaseOptionSites('withLock', (b, o) => withLock(b, 'k', o)),
    'whileHeld project': { what: 'project', arbitrary: notAFunction, call: (_b, v) => whileHeld(v as never) },
    'whileLeader leadershipStream': {
      what: 'leadershipStream',
      arbitrary: () => fc.oneof(notAFunction(), fc.constant({ value: Promise.resolve(1), error: TypeError })),
      call: (_b, v) => whileLeader(v as never),
    },
    'leadership backend': { what: 'backend', arbitrary: notABackend, call: (_b, v) => leadership(v as never, 'g') },
    'leadership group': { what: 'group', arbitrary: name(), call: (b, v) => leadership(b, v as string) },
    'leadership options': { what: 'options', arbitrary: options, call: (b, v) => leadership(b, 'g', v as never) },
    'leadership candidate': {
      what: 'candidate',
      arbitrary: option,
      call: (b, v) => leadership(b, 'g', { candidate: v as string }),
    },
    'leadership value': { what: 'value', arbitrary: value, call: (b, v) => leadership(b, 'g', { value: v as string }) },
    ...leaseOptionSites('leadership', (b, o) => leadership(b, 'g', o)),
    'leader backend': { what: 'backend', arbitrary: notABackend, call: (_b, v) => leader(v as never, 'g') },
    'leader group': { what: 'group', arbitrary: name(), call: (b, v) => leader(b, v as string) },
    'createLock backend': { what: 'backend', arbitrary: notABackend, call: (_b, v) => createLock(v as never) },
    'createLock options': { what: 'options', arbitrary: options, call: (b, v) => createLock(b, v as never) },
    'createLock holder': { what: 'holder', arbitrary: option, call: (b, v) => createLock(b, { holder: v as string }) },
    ...leaseOptionSites('createLock', (b, o) => createLock(b, o)),
    'createLock acquire id': { what: 'id', arbitrary: name(), call: (b, v) => createLock(b).acquire(v as string) },
    'createLock release id': { what: 'id', arbitrary: name(), call: (b, v) => createLock(b).release(v as string) },
    'createLeader backend': {
      what: 'backend',
      arbitrary: notABackend,
      call: (_b, v) => createLeader(v as never, { group: 'g' }),
    },
    'createLeader options': {
      what: 'options',
      arbitrary: () => badOptionsObject,
      call: (b, v) => createLeader(b, v as never),
    },
    'createLeader group': { what: 'group', arbitrary: name(), call: (b, v) => createLeader(b, { group: v as string }) },
    'createLeader value': {
      what: 'value',
      arbitrary: value,
      call: (b, v) => createLeader(b, { group: 'g', value: v as string }),
    },
    ...leaseOptionSites('createLeader', (b, o) => createLeader(b, { group: 'g', ...o })),
    'createLeader elect id': {
      what: 'id',
      arbitrary: name(),
      call: (b, v) => createLeader(b, { group: 'g' }).elect(v as string),
    },
  });

  it('Term.proclaim refuses a bad value at call time and publishes nothing', () => {
    const elected = createTestBackend({ limits: LIMITS });
    const events: unknown[] = [];
    const watch = elected.leaseEvents('leader:g').subscribe((event) => events.push(event));
    let checked = false;
    const campaign = leadership(elected, 'g', { candidate: 'a' }).subscribe((term) => {
      checked = true;
      fc.assert(
        fc.property(value(elected.limits), ({ value: bad, error }) => {
          expectMisuse(() => term.proclaim(bad as string), 'value', error);
        }),
        { numRuns: NUM_RUNS },
      );
    });
    campaign.unsubscribe();
    watch.unsubscribe();
    expect(checked).toBe(true); // the memory backend elects at once
    expect(events.map((event) => (event as { type: string }).type)).toEqual(['acquired', 'released']);
    expectUntouched(elected);
  });

  it('the lease timing rules name the option: renewInterval not shorter than leaseDuration − driftMargin, driftMargin ≥ leaseDuration, maxRetryDelay < retryDelay', () => {
    const make = [
      (o: object) => lock(backend, 'k', o),
      (o: object) => withLock(backend, 'k', o),
      (o: object) => leadership(backend, 'g', o),
      (o: object) => createLock(backend, o),
      (o: object) => createLeader(backend, { group: 'g', ...o }),
      (o: object) => schedule(backend, 'g', 'resize', { interval: 1_000, leadership: o }),
    ];
    const timing = fc.integer({ min: 10, max: 600_000 }).chain((leaseDuration) =>
      fc.record({
        leaseDuration: fc.constant(leaseDuration),
        driftMargin: fc.integer({ min: 0, max: leaseDuration - 1 }),
        over: fc.double({ min: 0, max: 2 ** 31 - 1 - leaseDuration, noNaN: true }),
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...make), timing, (call, { leaseDuration, driftMargin, over }) => {
        const renewInterval = leaseDuration - driftMargin + over;
        expectMisuse(() => call({ leaseDuration, driftMargin, renewInterval }), 'renewInterval', RangeError);
        expectMisuse(() => call({ leaseDuration, driftMargin: leaseDuration + over }), 'driftMargin', RangeError);
        expectMisuse(() => call({ leaseDuration, retryDelay: 100, maxRetryDelay: 99 }), 'maxRetryDelay', RangeError);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('the store', () => {
  checkSites({
    'keyValue backend': { what: 'backend', arbitrary: notABackend, call: (_b, v) => keyValue(v as never, 'k') },
    'keyValue key': { what: 'key', arbitrary: name(), call: (b, v) => keyValue(b, v as string) },
    'changes backend': { what: 'backend', arbitrary: notABackend, call: (_b, v) => changes(v as never, '') },
    'changes prefix': {
      what: 'prefix',
      arbitrary: name({ emptyAllowed: true }),
      call: (b, v) => changes(b, v as string),
    },
    'createStore backend': { what: 'backend', arbitrary: notABackend, call: (_b, v) => createStore(v as never) },
    'createStore get key': { what: 'key', arbitrary: name(), call: (b, v) => createStore(b).get(v as string) },
    'createStore put key': { what: 'key', arbitrary: name(), call: (b, v) => createStore(b).put(v as string, 'v') },
    'createStore put value': {
      what: 'value',
      arbitrary: badValue,
      call: (b, v) => createStore(b).put('k', v as string),
    },
    'createStore put options': {
      what: 'options',
      arbitrary: options,
      call: (b, v) => createStore(b).put('k', 'v', v as never),
    },
    'createStore put ifVersion': {
      what: 'ifVersion',
      arbitrary: number('version'),
      call: (b, v) => createStore(b).put('k', 'v', { ifVersion: v as number }),
    },
    'createStore put timeToLive': {
      what: 'timeToLive',
      arbitrary: number('positive'),
      call: (b, v) => createStore(b).put('k', 'v', { timeToLive: v as number }),
    },
    'createStore delete key': { what: 'key', arbitrary: name(), call: (b, v) => createStore(b).delete(v as string) },
    'createStore delete ifVersion': {
      what: 'ifVersion',
      arbitrary: number('version'),
      call: (b, v) => createStore(b).delete('k', { ifVersion: v as number }),
    },
    'createStore list prefix': {
      what: 'prefix',
      arbitrary: name({ emptyAllowed: true }),
      call: (b, v) => createStore(b).list(v as string),
    },
  });
});

describe('tasks', () => {
  checkSites({
    'submit backend': { what: 'backend', arbitrary: notABackend, call: (_b, v) => submit(v as never, 'resize') },
    'submit name': { what: 'name', arbitrary: name(), call: (b, v) => submit(b, v as string) },
    'submit input': { what: 'input', arbitrary: json, call: (b, v) => submit(b, 'resize', v) },
    'submit options': { what: 'options', arbitrary: options, call: (b, v) => submit(b, 'resize', null, v as never) },
    ...submitOptionSites('submit', (b, o) => submit(b, 'resize', null, o)),
    'submit idempotencyKey': {
      what: 'idempotencyKey',
      arbitrary: option,
      call: (b, v) => submit(b, 'resize', null, { idempotencyKey: v as string }),
    },
    'submit knownTasks': {
      what: 'knownTasks',
      arbitrary: (limits) =>
        fc.oneof(
          fc
            .oneof(
              notAString.filter((bad) => !Array.isArray(bad)),
              fc.constant('resize'),
            )
            .map((bad) => ({ value: bad })),
          badName(limits.maxNameLength).map(({ value: bad }) => ({ value: ['resize', bad] })),
        ),
      call: (b, v) => submit(b, 'resize', null, { knownTasks: v as string[] }),
    },
    'submit cancelOnUnsubscribe': {
      what: 'cancelOnUnsubscribe',
      arbitrary: () => badBoolean,
      call: (b, v) => submit(b, 'resize', null, { cancelOnUnsubscribe: v as boolean }),
    },
    'worker backend': { what: 'backend', arbitrary: notABackend, call: (_b, v) => worker(v as never, handlers) },
    'worker handlers': {
      what: 'handlers',
      arbitrary: () =>
        fc.oneof(
          badOptionsObject,
          fc.constant({ value: {}, error: TypeError }),
          fc.constant({ value: { resize: 'not a function' }, error: TypeError }),
        ),
      call: (b, v) => worker(b, v as never),
    },
    'worker handlers key': {
      what: 'handlers key',
      arbitrary: (limits) => badName(limits.maxNameLength).filter(({ value: bad }) => typeof bad === 'string'),
      call: (b, v) => worker(b, { [v as string]: () => 1 }),
    },
    'worker options': { what: 'options', arbitrary: options, call: (b, v) => worker(b, handlers, v as never) },
    ...workerOptionSites('worker', (b, o) => worker(b, handlers, o)),
    'task backend': { what: 'backend', arbitrary: notABackend, call: (_b, v) => task(v as never, 'task-1') },
    'task id': { what: 'id', arbitrary: id, call: (b, v) => task(b, v as string) },
    'cancelTask backend': {
      what: 'backend',
      arbitrary: notABackend,
      call: (_b, v) => cancelTask(v as never, 'task-1'),
    },
    'cancelTask id': { what: 'id', arbitrary: id, call: (b, v) => cancelTask(b, v as string) },
    'schedule backend': {
      what: 'backend',
      arbitrary: notABackend,
      call: (_b, v) => schedule(v as never, 'g', 'resize', { interval: 1_000 }),
    },
    'schedule group': {
      what: 'group',
      arbitrary: name(),
      call: (b, v) => schedule(b, v as string, 'resize', { interval: 1_000 }),
    },
    'schedule name': {
      what: 'name',
      arbitrary: name(),
      call: (b, v) => schedule(b, 'g', v as string, { interval: 1_000 }),
    },
    'schedule options': {
      what: 'options',
      arbitrary: () => fc.oneof(badOptionsObject, fc.constant({ value: undefined, error: TypeError })),
      call: (b, v) => schedule(b, 'g', 'resize', v as never),
    },
    'schedule interval': {
      what: 'interval',
      arbitrary: () => fc.oneof(badNumber('positive'), fc.constant({ value: undefined })),
      call: (b, v) => schedule(b, 'g', 'resize', { interval: v as number }),
    },
    'schedule catchUp': {
      what: 'catchUp',
      arbitrary: number('version'),
      call: (b, v) => schedule(b, 'g', 'resize', { interval: 1_000, catchUp: v as number }),
    },
    'schedule input': {
      what: 'input',
      arbitrary: json,
      call: (b, v) => schedule(b, 'g', 'resize', { interval: 1_000, input: v }),
    },
    'schedule task': {
      what: 'task',
      arbitrary: options,
      call: (b, v) => schedule(b, 'g', 'resize', { interval: 1_000, task: v as never }),
    },
    ...submitOptionSites('schedule task', (b, o) => schedule(b, 'g', 'resize', { interval: 1_000, task: o })),
    'schedule leadership': {
      what: 'leadership',
      arbitrary: options,
      call: (b, v) => schedule(b, 'g', 'resize', { interval: 1_000, leadership: v as never }),
    },
    'schedule leadership candidate': {
      what: 'candidate',
      arbitrary: option,
      call: (b, v) => schedule(b, 'g', 'resize', { interval: 1_000, leadership: { candidate: v as string } }),
    },
    ...leaseOptionSites('schedule leadership', (b, o) =>
      schedule(b, 'g', 'resize', { interval: 1_000, leadership: o }),
    ),
    'createTaskRunner backend': {
      what: 'backend',
      arbitrary: notABackend,
      call: (_b, v) => createTaskRunner(v as never),
    },
    'createTaskRunner options': {
      what: 'options',
      arbitrary: options,
      call: (b, v) => createTaskRunner(b, v as never),
    },
    'createTaskRunner handlers': {
      what: 'handlers',
      arbitrary: () => fc.constantFrom({ value: {} }, { value: { resize: 1 } }, { value: [] }, { value: 'resize' }),
      call: (b, v) => createTaskRunner(b, { handlers: v as never }),
    },
    ...workerOptionSites('createTaskRunner', (b, o) => createTaskRunner(b, o)),
    'createTaskRunner run command': {
      what: 'command',
      arbitrary: () => badOptionsObject.filter(({ value: bad }) => typeof bad !== 'object' || bad === null),
      call: (b, v) => createTaskRunner(b, { handlers }).run(v as never),
    },
    'createTaskRunner run name': {
      what: 'command.name',
      arbitrary: name(),
      call: (b, v) => createTaskRunner(b, { handlers }).run({ name: v as string }),
    },
    'createTaskRunner run input': {
      what: 'input',
      arbitrary: json,
      call: (b, v) => createTaskRunner(b, { handlers }).run({ name: 'resize', input: v }),
    },
    ...submitOptionSites('createTaskRunner run', (b, o) =>
      createTaskRunner(b, { handlers }).run({ name: 'resize', ...o }),
    ),
    'createTaskRunner get id': { what: 'id', arbitrary: id, call: (b, v) => createTaskRunner(b).get(v as string) },
    'createTaskRunner cancel id': {
      what: 'id',
      arbitrary: id,
      call: (b, v) => createTaskRunner(b).cancel(v as string),
    },
  });

  it('schedule: retention shorter than interval, and a group and name whose tick idempotency keys cannot fit', () => {
    expectMisuse(
      () => schedule(backend, 'g', 'resize', { interval: 60_000, task: { retention: 59_999 } }),
      'task.retention',
      RangeError,
    );
    const half = (backend.limits.maxNameLength - 'schedule:::'.length - 24) / 2;
    expect(() =>
      schedule(backend, 'g'.repeat(Math.floor(half)), 'n'.repeat(Math.floor(half)), { interval: 1_000 }),
    ).not.toThrow();
    expectMisuse(
      () => schedule(backend, 'g'.repeat(Math.ceil(half) + 1), 'n'.repeat(Math.ceil(half)), { interval: 1_000 }),
      'group',
      RangeError,
    );
  });
});

describe('time', () => {
  const source: ClockSource = localClock();
  const badSource = (): fc.Arbitrary<Bad> =>
    fc
      .oneof(
        notAString,
        fc.constant(undefined),
        fc.constant({ name: 'x' }),
        fc.constant({ sample: () => of() }),
        badName(1_024, { positional: false }).map(({ value: bad }) => ({ name: bad, sample: () => of() })),
      )
      .map((bad) => ({ value: bad }));
  const clockFields: Record<string, (limits: BackendLimits) => fc.Arbitrary<Bad>> = {
    refreshInterval: number('positive'),
    sampleTimeout: number('positive'),
    retryDelay: number('positive'),
    maxSampleAge: number('positive'),
    driftRate: number('fraction'),
    slewRate: () => fc.oneof(badNumber('fraction'), fc.constant({ value: 0, error: RangeError })),
    tickInterval: number('positive'),
  };
  const clockSites = (prefix: string, make: (options: object) => unknown): Record<string, Site> =>
    Object.fromEntries(
      Object.entries(clockFields).map(([field, arbitrary]) => [
        `${prefix} ${field}`,
        { what: field, arbitrary, call: (_b: TestBackend, v: unknown) => make({ [field]: v }) },
      ]),
    );

  checkSites({
    'clock source': { what: 'source', arbitrary: badSource, call: (_b, v) => clock(v as never) },
    'clock options': { what: 'options', arbitrary: options, call: (_b, v) => clock(source, v as never) },
    ...clockSites('clock', (o) => clock(source, o)),
    'createClock source': { what: 'source', arbitrary: badSource, call: (_b, v) => createClock(v as never) },
    'createClock options': { what: 'options', arbitrary: options, call: (_b, v) => createClock(source, v as never) },
    ...clockSites('createClock', (o) => createClock(source, o)),
    'backendClock backend': { what: 'backend', arbitrary: notABackend, call: (_b, v) => backendClock(v as never) },
    'backendClock options': { what: 'options', arbitrary: options, call: (b, v) => backendClock(b, v as never) },
    'backendClock resolution': {
      what: 'resolution',
      arbitrary: number('nonNegative'),
      call: (b, v) => backendClock(b, { resolution: v as number }),
    },
    'ntpClock options': { what: 'options', arbitrary: options, call: (_b, v) => ntpClock(v as never) },
    'ntpClock servers': {
      what: 'servers',
      arbitrary: () =>
        fc
          .oneof(
            fc.constant([]),
            notAString.filter((bad) => !Array.isArray(bad)),
            fc
              .oneof(
                notAString,
                withSpace(),
                fc.constant('host:0'),
                fc.constant('host:70000'),
                fc.constant('*.pool.ntp.org'),
              )
              .map((bad) => [bad]),
          )
          .map((bad) => ({ value: bad, error: TypeError })),
      call: (_b, v) => ntpClock({ servers: v as string[] }),
    },
    'ntpClock requestsPerServer': {
      what: 'requestsPerServer',
      arbitrary: () => fc.oneof(badNumber('count'), fc.constant({ value: 17 })),
      call: (_b, v) => ntpClock({ requestsPerServer: v as number }),
    },
    'ntpClock replyTimeout': {
      what: 'replyTimeout',
      arbitrary: number('positive'),
      call: (_b, v) => ntpClock({ replyTimeout: v as number }),
    },
  });

  it('the clock rule names the option: maxSampleAge not more than refreshInterval + sampleTimeout', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (refreshInterval, sampleTimeout, fraction) => {
          const maxSampleAge = Math.max(1e-3, (refreshInterval + sampleTimeout) * fraction);
          expectMisuse(
            () => clock(source, { refreshInterval, sampleTimeout, maxSampleAge }),
            'maxSampleAge',
            RangeError,
          );
          expectMisuse(
            () => createClock(source, { refreshInterval, sampleTimeout, maxSampleAge }),
            'maxSampleAge',
            RangeError,
          );
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

function withSpace(): fc.Arbitrary<string> {
  return fc.string({ maxLength: 6 }).map((text) => `${text} host`);
}

describe('the backends', () => {
  const limitFields: Record<string, fc.Arbitrary<Bad>> = {
    maxNameLength: fc.oneof(badNumber('count'), fc.constantFrom({ value: 127 }, { value: 65_537 })),
    maxValueSize: fc.oneof(badNumber('count'), fc.constantFrom({ value: 1_023 }, { value: 512 * 1024 * 1024 + 1 })),
    minLeaseDuration: badNumber('positive'),
    maxLeaseDuration: badNumber('positive'),
  };

  it.each([
    ['createMemoryBackend', createMemoryBackend],
    ['createTestBackend', createTestBackend],
  ] as const)('%s refuses bad options and limits, naming them', (_label, create) => {
    fc.assert(
      fc.property(
        badOptionsObject,
        ({ value: bad }) => void expectMisuse(() => create(bad as never), 'options', TypeError),
      ),
      { numRuns: NUM_RUNS },
    );
    fc.assert(
      fc.property(
        badOptionsObject,
        ({ value: bad }) => void expectMisuse(() => create({ limits: bad as never }), 'limits', TypeError),
      ),
      { numRuns: NUM_RUNS },
    );
    for (const [field, arbitrary] of Object.entries(limitFields)) {
      fc.assert(
        fc.property(
          arbitrary,
          ({ value: bad, error }) =>
            void expectMisuse(() => create({ limits: { [field]: bad } }), `limits.${field}`, error),
        ),
        { numRuns: NUM_RUNS },
      );
    }
    expectMisuse(
      () => create({ limits: { minLeaseDuration: 1_001, maxLeaseDuration: 1_000 } }),
      'limits.minLeaseDuration',
      RangeError,
    );
  });

  it("createTestBackend's controls refuse bad names", () => {
    const controls: readonly [string, (b: TestBackend, v: unknown) => unknown, number][] = [
      ['holder', (b, v) => b.partition(v as string), 0],
      ['holder', (b, v) => b.failRequests(v as string), 0],
      ['holder', (b, v) => b.heal(v as string), 0],
      ['holder', (b, v) => b.crash(v as string), 0],
      ['key', (b, v) => b.expireLock(v as string), 0],
      ['group', (b, v) => b.expireLeadership(v as string), 0],
      ['id', (b, v) => b.expireTask(v as string), 32],
    ];
    for (const [what, call, room] of controls) {
      fc.assert(
        fc.property(
          badName(backend.limits.maxNameLength + room),
          ({ value: bad, error }) => void expectMisuse(() => call(backend, bad), what, error),
        ),
        { numRuns: NUM_RUNS },
      );
    }
  });
});

describe('with the default limits', () => {
  it('the same checks hold at the default bounds: 1_024 characters, 512 KiB', () => {
    const fresh = createTestBackend();
    expect(fresh.limits).toEqual({
      maxNameLength: 1_024,
      maxValueSize: 524_288,
      minLeaseDuration: 10,
      maxLeaseDuration: 2 ** 31 - 1,
    });
    const name1025 = 'k'.repeat(1_025);
    for (const call of [
      () => lock(fresh, name1025),
      () => leadership(fresh, name1025),
      () => leader(fresh, name1025),
      () => keyValue(fresh, name1025),
      () => changes(fresh, name1025),
      () => submit(fresh, name1025),
      () => fresh.put(name1025, 'v'),
      () => createStore(fresh).get(name1025),
    ]) {
      expectMisuse(call, ['key', 'group', 'prefix', 'name'], RangeError);
    }
    const value512k1 = 'v'.repeat(524_289);
    expectMisuse(() => fresh.put('k', value512k1), 'value', RangeError);
    expectMisuse(() => leadership(fresh, 'g', { value: value512k1 }), 'value', RangeError);
    expectMisuse(() => submit(fresh, 'resize', value512k1), 'input', RangeError);
    expectMisuse(() => lock(fresh, 'k', { leaseDuration: 9 }), 'leaseDuration', RangeError);
    expectUntouched(fresh);
  });
});
