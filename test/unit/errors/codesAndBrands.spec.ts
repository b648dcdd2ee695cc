import * as rxSync from 'rx-sync';
import { LockBusyError, LockTimeoutError, SyncError } from 'rx-sync';

/**
 * Every error class has a stable `code`, and `instanceof` works across two copies of rx-sync (the
 * ESM and CommonJS builds side by side, or two installed versions): here the second copy is the
 * same sources loaded again in an isolated module registry. scripts/checkPackage.mjs checks the
 * built ESM and CJS copies against each other.
 */

type RxSync = typeof rxSync;
type ErrorClassName = {
  [K in keyof RxSync]: RxSync[K] extends abstract new (...args: never[]) => SyncError ? K : never;
}[keyof RxSync];

/** The documented codes: they must never change (README, "Errors"). */
const CODES: Readonly<Record<Exclude<ErrorClassName, 'SyncError'>, string>> = {
  LockTimeoutError: 'RX_SYNC_LOCK_TIMEOUT',
  LockBusyError: 'RX_SYNC_LOCK_BUSY',
  VersionConflictError: 'RX_SYNC_VERSION_CONFLICT',
  BackendUnavailableError: 'RX_SYNC_BACKEND_UNAVAILABLE',
  BackendReplyError: 'RX_SYNC_BACKEND_REPLY',
  BackendClosedError: 'RX_SYNC_BACKEND_CLOSED',
  NotHeldError: 'RX_SYNC_NOT_HELD',
  TaskFailedError: 'RX_SYNC_TASK_FAILED',
  TaskCancelledError: 'RX_SYNC_TASK_CANCELLED',
  TaskTimeoutError: 'RX_SYNC_TASK_TIMEOUT',
  TaskStalledError: 'RX_SYNC_TASK_STALLED',
  NonRetryableError: 'RX_SYNC_NON_RETRYABLE',
  UnknownTaskError: 'RX_SYNC_UNKNOWN_TASK',
  ClockSourceError: 'RX_SYNC_CLOCK_SOURCE',
};

type ErrorName = keyof typeof CODES;

/** One instance of each class, made with the given copy of rx-sync. */
function makeErrors(copy: RxSync): Record<ErrorName, SyncError> {
  const cause = new Error('ECONNREFUSED');
  return {
    LockTimeoutError: new copy.LockTimeoutError('jobs', 500, { cause }),
    LockBusyError: new copy.LockBusyError('jobs', 'node-a', 300),
    VersionConflictError: new copy.VersionConflictError('config', 2, 3),
    BackendUnavailableError: new copy.BackendUnavailableError('redis', 'get', { cause }),
    BackendReplyError: new copy.BackendReplyError('redis', 'get', 'WRONGTYPE'),
    BackendClosedError: new copy.BackendClosedError('redis', 'submit'),
    NotHeldError: new copy.NotHeldError('jobs'),
    TaskFailedError: new copy.TaskFailedError('resize:1', 'resize', 3, { name: 'Error', message: 'boom' }),
    TaskCancelledError: new copy.TaskCancelledError('resize:1', 'resize'),
    TaskTimeoutError: new copy.TaskTimeoutError('resize:1', 'resize', 1_000),
    TaskStalledError: new copy.TaskStalledError('resize:1', 'resize', 2),
    NonRetryableError: new copy.NonRetryableError('width must be positive', { cause }),
    UnknownTaskError: new copy.UnknownTaskError('resise', ['resize']),
    ClockSourceError: new copy.ClockSourceError('ntp', 'stayed silent.'),
  };
}

/** rx-sync loaded a second time, with classes of its own. */
function secondCopy(): RxSync {
  let copy: RxSync | undefined;
  jest.isolateModules(() => {
    copy = jest.requireActual<RxSync>('rx-sync');
  });
  if (!copy || copy.SyncError === SyncError) throw new Error('expected a second copy of rx-sync');
  return copy;
}

const names = Object.keys(CODES) as ErrorName[];
const other = secondCopy();

describe('code', () => {
  it('is listed here for every exported error class', () => {
    const exported = Object.entries(rxSync)
      .filter(
        ([, value]) => typeof value === 'function' && (value as { prototype: unknown }).prototype instanceof SyncError,
      )
      .map(([name]) => name);
    expect(exported.sort()).toEqual([...names].sort());
  });

  it.each(names)('%s: a readonly static and instance code, unique, in RX_SYNC_ form', (name) => {
    const errorClass = rxSync[name];
    const error = makeErrors(rxSync)[name];
    expect(errorClass.code).toBe(CODES[name]);
    expect(Object.hasOwn(errorClass, 'code')).toBe(true);
    expect(error.code).toBe(CODES[name]);
    expect(Object.keys(error)).toContain('code'); // own and enumerable, like `name`: loggers and JSON see it
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ name, code: CODES[name] });
    expect(CODES[name]).toMatch(/^RX_SYNC_[A-Z]+(_[A-Z]+)*$/);
    expect(Object.values(CODES).filter((code) => code === CODES[name])).toHaveLength(1);
  });
});

describe('instanceof across two copies of rx-sync', () => {
  const ours = makeErrors(rxSync);
  const theirs = makeErrors(other);

  it.each(names)('%s from either copy is an instance of both copies’ class, of SyncError and of Error', (name) => {
    expect(other[name]).not.toBe(rxSync[name]);
    expect(ours[name].constructor).toBe(rxSync[name]);
    expect(theirs[name].constructor).toBe(other[name]);
    for (const [error, classes] of [
      [ours[name], [rxSync, other]],
      [theirs[name], [rxSync, other]],
    ] as const) {
      for (const copy of classes) {
        expect(error instanceof copy[name]).toBe(true);
        expect(error instanceof copy.SyncError).toBe(true);
      }
      expect(error instanceof Error).toBe(true);
    }
  });

  it.each(names)('%s from either copy is no instance of another error class of either copy', (name) => {
    for (const otherName of names.filter((each) => each !== name)) {
      for (const copy of [rxSync, other]) {
        expect(ours[name] instanceof copy[otherName]).toBe(false);
        expect(theirs[name] instanceof copy[otherName]).toBe(false);
      }
    }
  });

  it('lets TypeScript narrow as before', () => {
    const error: unknown = theirs.LockBusyError;
    if (!(error instanceof LockBusyError)) throw new Error('expected a LockBusyError');
    expect(error.holder).toBe('node-a');
  });
});

describe('what is not an rx-sync error', () => {
  it.each([
    ['a plain Error', new Error('Could not acquire "jobs"')],
    [
      'an Error with the same name and code',
      Object.assign(new Error('x'), { name: 'LockTimeoutError', code: 'RX_SYNC_LOCK_TIMEOUT' }),
    ],
    ['an object like one', { name: 'LockTimeoutError', code: 'RX_SYNC_LOCK_TIMEOUT', transient: true, message: 'x' }],
    ['a string', 'LockTimeoutError'],
    ['null', null],
    ['undefined', undefined],
    ['a function', () => new LockTimeoutError('k', 1)],
  ])('%s is not matched', (_label, value) => {
    for (const copy of [rxSync, other]) {
      expect(value instanceof copy.SyncError).toBe(false);
      expect(value instanceof copy.LockTimeoutError).toBe(false);
    }
  });
});

describe('within one copy', () => {
  class ShortLockTimeoutError extends LockTimeoutError {}

  it('keeps ordinary instanceof for subclasses without a code of their own', () => {
    const error = new ShortLockTimeoutError('jobs', 10);
    expect(error instanceof ShortLockTimeoutError).toBe(true);
    expect(error instanceof LockTimeoutError).toBe(true);
    expect(error instanceof other.LockTimeoutError).toBe(true);
    expect(error instanceof SyncError).toBe(true);
    expect(new LockTimeoutError('jobs', 10) instanceof ShortLockTimeoutError).toBe(false);
    expect(Object.create(LockTimeoutError.prototype) instanceof LockTimeoutError).toBe(true);
  });

  it.each(names)(
    '%s keeps name, message, cause, stack and Object.prototype.toString; its brands are hidden',
    (name) => {
      const error = makeErrors(rxSync)[name];
      expect(error.name).toBe(name);
      expect(Object.prototype.toString.call(error)).toBe('[object Error]');
      expect(String(error)).toBe(`${name}: ${error.message}`);
      expect(error.stack?.startsWith(`${name}: ${error.message}`)).toBe(true);
      expect(Object.keys(error)).not.toContain('cause');
      const brands = Object.getOwnPropertySymbols(error);
      expect(brands.map((brand) => Symbol.keyFor(brand)).sort()).toEqual([
        'rx-sync.error',
        `rx-sync.error.${CODES[name]}`,
      ]);
      for (const brand of brands) expect(Object.getOwnPropertyDescriptor(error, brand)?.enumerable).toBe(false);
    },
  );

  it('keeps the cause it was given', () => {
    const cause = new Error('ECONNREFUSED');
    expect(new rxSync.BackendUnavailableError('redis', 'get', { cause }).cause).toBe(cause);
    expect('cause' in new rxSync.NotHeldError('jobs')).toBe(false);
  });
});
