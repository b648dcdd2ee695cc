import fc from 'fast-check';
import type { Observable } from 'rxjs';
import { SyncError, type BackendLimits, type LeaseClaim, type SyncBackend, type TaskBackend } from 'rx-sync';

/**
 * Bad input for the property tests of test/unit/badInput and test/redis/badInput.spec.ts:
 * arbitraries of wrong values by kind of argument, the check that a call fails at call time with
 * a `TypeError` or `RangeError` naming the argument, and the table of every `SyncBackend` and
 * `TaskBackend` method with each of its arguments, shared by the memory and Redis specs.
 */

/** Runs per property; `RX_SYNC_PROPERTY_RUNS` raises it for a deeper search. */
export const NUM_RUNS = Number(process.env['RX_SYNC_PROPERTY_RUNS'] ?? '') || 100;

/** A misuse error class: what rx-sync throws at call time. */
export type Misuse = TypeErrorConstructor | RangeErrorConstructor;

/** A bad value and, when it is certain, the class of the error it must raise. */
export interface Bad {
  readonly value: unknown;
  readonly error?: Misuse;
}

const bad = (arbitrary: fc.Arbitrary<unknown>, error?: Misuse): fc.Arbitrary<Bad> =>
  arbitrary.map((value) => (error ? { value, error } : { value }));

/** Values of the wrong type where a string is expected (not `undefined`, which an option takes as "default"). */
export const notAString: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, 0, 42, -1, NaN, Infinity, true, false, 10n, {}, [], ['k'], new Date(0), new Map()),
  fc.constant(Symbol('name')),
  fc.constant(() => 'k'),
  fc.integer(),
  fc.double(),
  fc.object({ maxDepth: 1 }),
);

/** Values of the wrong type where a number is expected. */
export const notANumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, '100', '', true, false, 10n, {}, [], [100], new Date(0)),
  fc.constant(Symbol('n')),
  fc.constant(() => 100),
  fc.string({ maxLength: 6 }),
);

/** A string with one control character (U+0000–U+001F, U+007F) somewhere. */
export const withControlCharacter: fc.Arbitrary<string> = fc
  .tuple(
    fc.string({ maxLength: 8 }),
    fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.constant(0x7f)),
    fc.string({ maxLength: 8 }),
  )
  .map(([before, code, after]) => before + String.fromCharCode(code) + after);

/** A string with a lone surrogate: not well-formed Unicode, which UTF-8 (Redis) cannot carry. */
export const withLoneSurrogate: fc.Arbitrary<string> = fc
  .tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 8 }))
  .map(([before, code, after]) => before + String.fromCharCode(code) + after);

/** A string of `min` to `3 × min` characters, some of them outside ASCII. */
export function longString(min: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min, max: 3 * min }), fc.constantFrom('k', 'é', '語', '/', '*'))
    .map(([length, character]) => character.repeat(length));
}

/** Bad names for an argument that allows `maxLength` characters (keys, groups, ids...). */
export function badName(maxLength: number, { positional = true, emptyAllowed = false } = {}): fc.Arbitrary<Bad> {
  return fc.oneof(
    bad(positional ? fc.oneof(notAString, fc.constant(undefined)) : notAString, TypeError),
    ...(emptyAllowed ? [] : [bad(fc.constant(''), TypeError)]),
    bad(withControlCharacter, TypeError),
    bad(withLoneSurrogate, TypeError),
    bad(longString(maxLength + 1), RangeError),
  );
}

/** Names that hold the glob characters of Redis's `SCAN MATCH` (and a few more); all valid. */
export const globName: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom('a', 'b', '*', '?', '[', ']', '\\', '^', '-', '!', '{', '}', ':', '/'),
  minLength: 1,
  maxLength: 6,
});

/** The kinds of numeric options, by what they accept. */
export type NumberKind =
  /** A duration above 0 and at most 2^31 − 1 ms. */
  | 'positive'
  /** A duration from 0 to 2^31 − 1 ms. */
  | 'nonNegative'
  /** A positive duration or `Infinity`. */
  | 'timeout'
  /** A number from 0 to 1. */
  | 'fraction'
  /** An integer from 1. */
  | 'count'
  /** An integer from 0 (a version, `catchUp`). */
  | 'version';

/** Bad values of a numeric option of `kind` (never `undefined`, which means "default"). */
export function badNumber(kind: NumberKind): fc.Arbitrary<Bad> {
  const negative = fc.double({ min: -1e15, max: -1e-6, noNaN: true });
  const common = [bad(notANumber), bad(fc.constantFrom(NaN, -Infinity)), bad(negative)];
  switch (kind) {
    case 'positive':
      return fc.oneof(
        ...common,
        bad(fc.constantFrom(0, Infinity, 2 ** 31, 1e300)),
        bad(fc.double({ min: 2 ** 31, max: 1e20 })),
      );
    case 'nonNegative':
      return fc.oneof(...common, bad(fc.constantFrom(Infinity, 2 ** 31, 1e300)));
    case 'timeout':
      return fc.oneof(...common, bad(fc.constantFrom(0, 2 ** 31, 1e300)));
    case 'fraction':
      return fc.oneof(
        ...common,
        bad(fc.constantFrom(Infinity, 1.0001, 2, 100)),
        bad(fc.double({ min: 1.0001, max: 1e9 })),
      );
    case 'count':
      return fc.oneof(
        ...common,
        bad(fc.constantFrom(0, 0.5, 1.5, Infinity, 2 ** 53)),
        bad(fc.double({ min: 1.01, max: 1e6 }).filter((n) => !Number.isInteger(n))),
      );
    case 'version':
      return fc.oneof(...common, bad(fc.constantFrom(0.5, 1.5, Infinity, 2 ** 53)));
  }
}

/** Bad values of a boolean option. */
export const badBoolean: fc.Arbitrary<Bad> = bad(
  fc.constantFrom<unknown>(0, 1, 'true', 'false', '', null, {}, [], NaN),
  TypeError,
);

/** Bad values of an options object (never `undefined`, which means "no options"). */
export const badOptionsObject: fc.Arbitrary<Bad> = bad(
  fc.oneof(
    fc.constantFrom<unknown>(null, 0, 1, 'options', '', true, false, 10n, [], [{}]),
    fc.constant(Symbol('options')),
    fc.constant(() => ({})),
    fc.array(fc.anything(), { maxLength: 2 }),
  ),
  TypeError,
);

/** Characters a misspelling puts in: letters of both cases, digits, and a few that keys rarely hold. */
const TYPO = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzAEIOURST0123456789_-.$ ');

/** `name` with one character inserted, deleted, replaced, or swapped with its neighbour; never `name` itself. */
export function misspelling(name: string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom('insert', 'delete', 'replace', 'swap'), fc.nat(name.length), TYPO)
    .map(([edit, position, character]) => {
      const at = Math.min(position, name.length - 1);
      switch (edit) {
        case 'insert':
          return name.slice(0, position) + character + name.slice(position);
        case 'delete':
          return name.slice(0, at) + name.slice(at + 1);
        case 'replace':
          return name.slice(0, at) + character + name.slice(at + 1);
        case 'swap':
          return at + 1 < name.length ? name.slice(0, at) + name[at + 1]! + name[at]! + name.slice(at + 2) : name;
      }
    })
    .filter((variant) => variant !== name);
}

/** A key that is none of `names`: any short string, the empty one and a few that `Object.prototype` has included. */
export function unknownKey(names: readonly string[]): fc.Arbitrary<string> {
  return fc
    .oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', '__proto__', 'constructor', 'toString', 'hasOwnProperty'))
    .filter((key) => !names.includes(key));
}

/** An options object with one unknown key (of any value, `undefined` included), as a {@link Bad}. */
export function unknownOptions(names: readonly string[]): fc.Arbitrary<Bad> {
  return fc
    .tuple(unknownKey(names), fc.anything())
    .map(([key, value]) => ({ value: Object.fromEntries([[key, value]]), error: TypeError }));
}

/** Where an options object goes, for {@link expectUnknownOption}. */
export interface OptionsTarget {
  /** The function named in the message. */
  readonly caller: string;
  /** The option that holds the object, when it is nested (`limits`). */
  readonly path?: string;
  /** Every name the object may have, in the order the message lists them. */
  readonly names: readonly string[];
}

/**
 * Calls `call` and checks that it threw, at once, a `TypeError` for the unknown option `key` of
 * `target`: the message names the key (with the path of a nested object), the caller and every
 * known name, and suggests `suggestion` when given.
 */
export function expectUnknownOption(
  call: () => unknown,
  key: string,
  target: OptionsTarget,
  suggestion?: string,
): void {
  const dotted = (name: string): string => (target.path === undefined ? name : `${target.path}.${name}`);
  const { message } = expectMisuse(call, dotted(key), TypeError);
  const known = target.names.map((name) => `\`${name}\``).join(', ');
  const of = target.path === undefined ? '' : ` of \`${target.path}\``;
  expect(message.startsWith(`Unknown option \`${dotted(key)}\` of \`${target.caller}\``)).toBe(true);
  expect(message.endsWith(` Known options${of}: ${known}.`)).toBe(true);
  if (suggestion !== undefined) expect(message).toContain(`; did you mean \`${dotted(suggestion)}\`? Known`);
}

/** A JSON-unsafe leaf: what `JSON.stringify` would drop, change or choke on. */
const unserialisableLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(undefined, NaN, Infinity, -Infinity, 10n, new Date(0), new Map([[1, 2]]), new Set([1]), /x/),
  fc.constant(Symbol('leaf')),
  fc.constant(() => 'leaf'),
  fc.constant(
    new (class Point {
      x = 1;
    })(),
  ),
);

/** A value that holds something JSON cannot carry, somewhere inside plain objects and arrays (or a cycle). */
export const unserialisable: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .tuple(
      unserialisableLeaf,
      fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.nat(2)), { minLength: 1, maxLength: 3 }),
    )
    .map(([leaf, path]) =>
      path.reduceRight<unknown>(
        (inner, step) => (typeof step === 'number' ? [...Array<null>(step).fill(null), inner] : { [step]: inner }),
        leaf,
      ),
    ),
  fc.constant(null).map(() => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle['self'] = { back: cycle };
    return cycle;
  }),
);

/**
 * Calls `call` and checks that it threw, at once, a `TypeError` or `RangeError` (never a
 * `SyncError`) whose message names `what` in backticks (`` `what` `` or `` `what.sub` ``...).
 * A Promise or Observable returned instead fails the check (and a returned Promise is caught, so
 * it cannot become an unhandled rejection).
 */
export function expectMisuse(call: () => unknown, what: string | readonly string[], error?: Misuse): Error {
  let returned: unknown;
  try {
    returned = call();
  } catch (thrown: unknown) {
    if (!(thrown instanceof TypeError || thrown instanceof RangeError) || thrown instanceof SyncError) {
      throw new Error(`Expected a TypeError or RangeError naming ${String(what)}, got ${describe(thrown)}`, {
        cause: thrown,
      });
    }
    if (error && !(thrown instanceof error)) {
      throw new Error(`Expected a ${error.name} naming ${String(what)}, got ${describe(thrown)}`, { cause: thrown });
    }
    const names = typeof what === 'string' ? [what] : what;
    if (!names.some((name) => thrown.message.includes(`\`${name}`))) {
      throw new Error(
        `Expected the message to name ${names.map((name) => `\`${name}\``).join(' or ')}: ${thrown.message}`,
      );
    }
    return thrown;
  }
  if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function') {
    (returned as Promise<unknown>).catch(() => undefined);
  }
  throw new Error(
    `Expected a call-time TypeError or RangeError naming ${String(what)}, but the call returned ${describe(returned)}`,
  );
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof (value as PromiseLike<unknown> | undefined)?.then === 'function') return 'a Promise';
  if (typeof (value as Observable<unknown> | undefined)?.subscribe === 'function') return 'an Observable';
  return typeof value;
}

/** The value an Observable emits synchronously (the memory backend replies at once). */
export function syncValue<T>(source: Observable<T>): T {
  let value: { readonly v: T } | undefined;
  let failure: { readonly e: unknown } | undefined;
  source.subscribe({ next: (v) => (value ??= { v }), error: (e: unknown) => (failure = { e }) }).unsubscribe();
  if (failure) throw failure.e;
  if (!value) throw new Error('no synchronous value');
  return value.v;
}

/** One call of a backend method with a bad value in one argument; `what`: the argument's name in the message. */
export interface BackendSite {
  readonly method: keyof SyncBackend | keyof TaskBackend;
  readonly what: string;
  /** The test's name, when `method what` does not say what is bad. */
  readonly label?: string;
  /** Which bad values fit the argument. */
  readonly arbitrary: (limits: BackendLimits) => fc.Arbitrary<Bad>;
  readonly call: (backend: SyncBackend & TaskBackend, value: unknown) => unknown;
}

const CLAIM: LeaseClaim = { owner: 'owner-1', holder: 'node-a', leaseDuration: 1_000 };
const POLICY = { attempts: 1, retryDelay: 100, maxRetryDelay: 100, retryJitter: 0, timeout: Infinity };
const REQUEST = { name: 'resize', input: '{}', policy: POLICY, retention: 60_000 };
const ERROR_INFO = { name: 'Error', message: 'boom' };

/** A value larger than the backend's `limits.maxValueSize`, of wrong types, or not well-formed. */
export function badValue(limits: BackendLimits): fc.Arbitrary<Bad> {
  return fc.oneof(
    bad(fc.oneof(notAString, fc.constant(undefined)), TypeError),
    bad(withLoneSurrogate, TypeError),
    bad(longString(limits.maxValueSize + 1), RangeError),
  );
}

const name = (limits: BackendLimits): fc.Arbitrary<Bad> => badName(limits.maxNameLength);
/** Lease keys and task ids: a name and 32 characters of room. */
const longName = (limits: BackendLimits): fc.Arbitrary<Bad> => badName(limits.maxNameLength + 32);
const leaseDuration = (limits: BackendLimits): fc.Arbitrary<Bad> =>
  fc.oneof(
    badNumber('positive'),
    bad(fc.double({ min: Number.MIN_VALUE, max: limits.minLeaseDuration, maxExcluded: true, noNaN: true }), RangeError),
  );
const nameArray = (limits: BackendLimits): fc.Arbitrary<Bad> =>
  fc.oneof(
    bad(
      fc.oneof(
        notAString.filter((v) => !Array.isArray(v)),
        fc.constant('resize'),
        fc.constant(undefined),
      ),
      TypeError,
    ),
    name(limits).map(({ value }) => ({ value: ['ok', value] })),
  );

/**
 * Every method of `SyncBackend` and `TaskBackend` with each argument that takes a name, value or
 * number; the optional ones only for a backend that has them ({@link sitesOf}).
 */
export const BACKEND_SITES: readonly BackendSite[] = [
  { method: 'tryAcquire', what: 'key', arbitrary: longName, call: (b, v) => b.tryAcquire(v as string, CLAIM) },
  {
    method: 'tryAcquire',
    what: 'claim',
    arbitrary: () => badOptionsObject,
    call: (b, v) => b.tryAcquire('lock:k', v as LeaseClaim),
  },
  {
    method: 'tryAcquire',
    what: 'claim.owner',
    arbitrary: name,
    call: (b, v) => b.tryAcquire('lock:k', { ...CLAIM, owner: v as string }),
  },
  {
    method: 'tryAcquire',
    what: 'claim.holder',
    arbitrary: name,
    call: (b, v) => b.tryAcquire('lock:k', { ...CLAIM, holder: v as string }),
  },
  {
    method: 'tryAcquire',
    what: 'claim.leaseDuration',
    arbitrary: leaseDuration,
    call: (b, v) => b.tryAcquire('lock:k', { ...CLAIM, leaseDuration: v as number }),
  },
  {
    method: 'tryAcquire',
    what: 'claim.value',
    arbitrary: (limits) => badValue(limits).filter(({ value }) => value !== undefined),
    call: (b, v) => b.tryAcquire('lock:k', { ...CLAIM, value: v as string }),
  },
  {
    method: 'tryAcquire',
    what: 'claim.',
    label: 'tryAcquire claim: an unknown key',
    arbitrary: () => unknownOptions(['owner', 'holder', 'value', 'leaseDuration']),
    call: (b, v) => b.tryAcquire('lock:k', { ...CLAIM, ...(v as object) }),
  },
  { method: 'renew', what: 'key', arbitrary: longName, call: (b, v) => b.renew(v as string, 'owner-1', 1_000) },
  { method: 'renew', what: 'owner', arbitrary: name, call: (b, v) => b.renew('lock:k', v as string, 1_000) },
  {
    method: 'renew',
    what: 'leaseDuration',
    arbitrary: leaseDuration,
    call: (b, v) => b.renew('lock:k', 'owner-1', v as number),
  },
  { method: 'release', what: 'key', arbitrary: longName, call: (b, v) => b.release(v as string, 'owner-1') },
  { method: 'release', what: 'owner', arbitrary: name, call: (b, v) => b.release('lock:k', v as string) },
  {
    method: 'updateLease',
    what: 'key',
    arbitrary: longName,
    call: (b, v) => b.updateLease(v as string, 'owner-1', 'v'),
  },
  { method: 'updateLease', what: 'owner', arbitrary: name, call: (b, v) => b.updateLease('lock:k', v as string, 'v') },
  {
    method: 'updateLease',
    what: 'value',
    arbitrary: badValue,
    call: (b, v) => b.updateLease('lock:k', 'owner-1', v as string),
  },
  { method: 'readLease', what: 'key', arbitrary: longName, call: (b, v) => b.readLease(v as string) },
  { method: 'leaseEvents', what: 'key', arbitrary: longName, call: (b, v) => b.leaseEvents(v as string) },
  { method: 'vacancies', what: 'key', arbitrary: longName, call: (b, v) => b.vacancies(v as string) },
  {
    method: 'vacancies',
    what: 'place',
    arbitrary: (limits) => badName(limits.maxNameLength, { positional: false }),
    call: (b, v) => b.vacancies('lock:k', v as string),
  },
  { method: 'get', what: 'key', arbitrary: name, call: (b, v) => b.get(v as string) },
  { method: 'put', what: 'key', arbitrary: name, call: (b, v) => b.put(v as string, 'v') },
  { method: 'put', what: 'value', arbitrary: badValue, call: (b, v) => b.put('k', v as string) },
  { method: 'put', what: 'options', arbitrary: () => badOptionsObject, call: (b, v) => b.put('k', 'v', v as never) },
  {
    method: 'put',
    what: 'ifVersion',
    arbitrary: () => badNumber('version'),
    call: (b, v) => b.put('k', 'v', { ifVersion: v as number }),
  },
  {
    method: 'put',
    what: 'timeToLive',
    arbitrary: () => badNumber('positive'),
    call: (b, v) => b.put('k', 'v', { timeToLive: v as number }),
  },
  {
    method: 'put',
    what: 'put',
    label: 'put options: an unknown key',
    arbitrary: () => unknownOptions(['ifVersion', 'timeToLive']),
    call: (b, v) => b.put('k', 'v', v as never),
  },
  { method: 'delete', what: 'key', arbitrary: name, call: (b, v) => b.delete(v as string) },
  { method: 'delete', what: 'options', arbitrary: () => badOptionsObject, call: (b, v) => b.delete('k', v as never) },
  {
    method: 'delete',
    what: 'delete',
    label: 'delete options: an unknown key',
    arbitrary: () => unknownOptions(['ifVersion']),
    call: (b, v) => b.delete('k', v as never),
  },
  {
    method: 'delete',
    what: 'ifVersion',
    arbitrary: () => badNumber('version'),
    call: (b, v) => b.delete('k', { ifVersion: v as number }),
  },
  {
    method: 'list',
    what: 'prefix',
    arbitrary: (limits) => badName(limits.maxNameLength, { emptyAllowed: true }),
    call: (b, v) => b.list(v as string),
  },
  {
    method: 'changes',
    what: 'prefix',
    arbitrary: (limits) => badName(limits.maxNameLength, { emptyAllowed: true }),
    call: (b, v) => b.changes(v as string),
  },
  {
    method: 'enqueue',
    what: 'request',
    arbitrary: () => badOptionsObject.filter(({ value }) => typeof value !== 'object' || value === null),
    call: (b, v) => b.enqueue(v as never),
  },
  {
    method: 'enqueue',
    what: 'enqueue',
    label: 'enqueue request: an unknown key',
    arbitrary: () => unknownOptions(['name', 'input', 'policy', 'idempotencyKey', 'retention']),
    call: (b, v) => b.enqueue({ ...REQUEST, ...(v as object) }),
  },
  {
    method: 'enqueue',
    what: 'policy.',
    label: 'enqueue policy: an unknown key',
    arbitrary: () => unknownOptions(['attempts', 'retryDelay', 'maxRetryDelay', 'retryJitter', 'timeout']),
    call: (b, v) => b.enqueue({ ...REQUEST, policy: { ...POLICY, ...(v as object) } }),
  },
  { method: 'enqueue', what: 'name', arbitrary: name, call: (b, v) => b.enqueue({ ...REQUEST, name: v as string }) },
  {
    method: 'enqueueAndFollow',
    what: 'request',
    arbitrary: () => badOptionsObject.filter(({ value }) => typeof value !== 'object' || value === null),
    call: (b, v) => b.enqueueAndFollow(v as never),
  },
  {
    method: 'enqueueAndFollow',
    what: 'name',
    arbitrary: name,
    call: (b, v) => b.enqueueAndFollow({ ...REQUEST, name: v as string }),
  },
  {
    method: 'enqueueAndFollow',
    what: 'input',
    arbitrary: badValue,
    call: (b, v) => b.enqueueAndFollow({ ...REQUEST, input: v as string }),
  },
  {
    method: 'enqueue',
    what: 'input',
    arbitrary: badValue,
    call: (b, v) => b.enqueue({ ...REQUEST, input: v as string }),
  },
  {
    method: 'enqueue',
    what: 'policy',
    arbitrary: () => badOptionsObject.filter(({ value }) => typeof value !== 'object' || value === null),
    call: (b, v) => b.enqueue({ ...REQUEST, policy: v as never }),
  },
  {
    method: 'enqueue',
    what: 'attempts',
    arbitrary: () => badNumber('count'),
    call: (b, v) => b.enqueue({ ...REQUEST, policy: { ...POLICY, attempts: v as number } }),
  },
  {
    method: 'enqueue',
    what: 'retryDelay',
    arbitrary: () => badNumber('positive'),
    call: (b, v) => b.enqueue({ ...REQUEST, policy: { ...POLICY, retryDelay: v as number } }),
  },
  {
    method: 'enqueue',
    what: 'maxRetryDelay',
    arbitrary: () => badNumber('positive'),
    call: (b, v) => b.enqueue({ ...REQUEST, policy: { ...POLICY, maxRetryDelay: v as number } }),
  },
  {
    method: 'enqueue',
    what: 'retryJitter',
    arbitrary: () => badNumber('fraction'),
    call: (b, v) => b.enqueue({ ...REQUEST, policy: { ...POLICY, retryJitter: v as number } }),
  },
  {
    method: 'enqueue',
    what: 'timeout',
    arbitrary: () => badNumber('timeout'),
    call: (b, v) => b.enqueue({ ...REQUEST, policy: { ...POLICY, timeout: v as number } }),
  },
  {
    method: 'enqueue',
    what: 'retention',
    arbitrary: () => badNumber('positive'),
    call: (b, v) => b.enqueue({ ...REQUEST, retention: v as number }),
  },
  {
    method: 'enqueue',
    what: 'idempotencyKey',
    arbitrary: (limits) => badName(limits.maxNameLength, { positional: false }),
    call: (b, v) => b.enqueue({ ...REQUEST, idempotencyKey: v as string }),
  },
  {
    method: 'claim',
    what: 'request',
    arbitrary: () => badOptionsObject.filter(({ value }) => typeof value !== 'object' || value === null),
    call: (b, v) => b.claim(v as never),
  },
  {
    method: 'claim',
    what: 'claim',
    label: 'claim request: an unknown key',
    arbitrary: () => unknownOptions(['worker', 'names', 'leaseDuration', 'limit']),
    call: (b, v) =>
      b.claim({ worker: 'worker-1', names: ['resize'], leaseDuration: 1_000, limit: 1, ...(v as object) }),
  },
  {
    method: 'claim',
    what: 'worker',
    arbitrary: name,
    call: (b, v) => b.claim({ worker: v as string, names: ['resize'], leaseDuration: 1_000, limit: 1 }),
  },
  {
    method: 'claim',
    what: 'names',
    arbitrary: nameArray,
    call: (b, v) => b.claim({ worker: 'worker-1', names: v as string[], leaseDuration: 1_000, limit: 1 }),
  },
  {
    method: 'claim',
    what: 'leaseDuration',
    arbitrary: leaseDuration,
    call: (b, v) => b.claim({ worker: 'worker-1', names: ['resize'], leaseDuration: v as number, limit: 1 }),
  },
  {
    method: 'claim',
    what: 'limit',
    arbitrary: () => badNumber('count'),
    call: (b, v) => b.claim({ worker: 'worker-1', names: ['resize'], leaseDuration: 1_000, limit: v as number }),
  },
  { method: 'renewTask', what: 'id', arbitrary: longName, call: (b, v) => b.renewTask(v as string, 1, 1_000) },
  {
    method: 'renewTask',
    what: 'token',
    arbitrary: () => badNumber('count'),
    call: (b, v) => b.renewTask('resize:1', v as number, 1_000),
  },
  {
    method: 'renewTask',
    what: 'leaseDuration',
    arbitrary: leaseDuration,
    call: (b, v) => b.renewTask('resize:1', 1, v as number),
  },
  { method: 'reportProgress', what: 'id', arbitrary: longName, call: (b, v) => b.reportProgress(v as string, 1, '1') },
  {
    method: 'reportProgress',
    what: 'value',
    arbitrary: badValue,
    call: (b, v) => b.reportProgress('resize:1', 1, v as string),
  },
  {
    method: 'completeTask',
    what: 'id',
    arbitrary: longName,
    call: (b, v) => b.completeTask(v as string, 1, undefined),
  },
  {
    method: 'completeTask',
    what: 'token',
    arbitrary: () => badNumber('count'),
    call: (b, v) => b.completeTask('resize:1', v as number, undefined),
  },
  {
    method: 'completeTask',
    what: 'result',
    arbitrary: (limits) => badValue(limits).filter(({ value }) => value !== undefined),
    call: (b, v) => b.completeTask('resize:1', 1, v as string),
  },
  {
    method: 'completeTasks',
    what: 'completions',
    arbitrary: () =>
      fc.oneof(
        bad(
          notAString.filter((v) => !Array.isArray(v)),
          TypeError,
        ),
        bad(fc.constant([]), TypeError),
        bad(fc.constant(['resize:1']), TypeError),
      ),
    call: (b, v) => b.completeTasks!(v as never, undefined),
  },
  {
    method: 'completeTasks',
    what: 'completions[]',
    label: 'completeTasks completions[]: an unknown key',
    arbitrary: () => unknownOptions(['id', 'token', 'result']),
    call: (b, v) => b.completeTasks!([{ id: 'resize:1', token: 1, result: undefined, ...(v as object) }], undefined),
  },
  {
    method: 'completeTasks',
    what: 'token',
    arbitrary: () => badNumber('count'),
    call: (b, v) =>
      b.completeTasks!(
        [
          { id: 'resize:1', token: 1, result: '1' },
          { id: 'resize:2', token: v as number, result: '1' },
        ],
        undefined,
      ),
  },
  {
    method: 'completeTasks',
    what: 'result',
    arbitrary: (limits) => badValue(limits).filter(({ value }) => value !== undefined),
    call: (b, v) => b.completeTasks!([{ id: 'resize:1', token: 1, result: v as string }], undefined),
  },
  {
    method: 'completeTasks',
    what: 'limit',
    arbitrary: () => badNumber('count'),
    call: (b, v) =>
      b.completeTasks!([{ id: 'resize:1', token: 1, result: '1' }], {
        worker: 'worker-1',
        names: ['resize'],
        leaseDuration: 1_000,
        limit: v as number,
      }),
  },
  {
    method: 'failTask',
    what: 'id',
    arbitrary: longName,
    call: (b, v) => b.failTask(v as string, 1, ERROR_INFO, undefined),
  },
  {
    method: 'failTask',
    what: 'error',
    arbitrary: () => badOptionsObject.filter(({ value }) => typeof value !== 'object' || value === null),
    call: (b, v) => b.failTask('resize:1', 1, v as never, undefined),
  },
  {
    method: 'failTask',
    what: 'error.name',
    arbitrary: (limits) => fc.oneof(bad(notAString, TypeError), bad(longString(limits.maxNameLength + 1), RangeError)),
    call: (b, v) => b.failTask('resize:1', 1, { ...ERROR_INFO, name: v as string }, undefined),
  },
  {
    method: 'failTask',
    what: 'error.message',
    arbitrary: (limits) => fc.oneof(bad(notAString, TypeError), bad(longString(limits.maxValueSize + 1), RangeError)),
    call: (b, v) => b.failTask('resize:1', 1, { ...ERROR_INFO, message: v as string }, undefined),
  },
  {
    method: 'failTask',
    what: 'retryDelay',
    arbitrary: () => badNumber('nonNegative'),
    call: (b, v) => b.failTask('resize:1', 1, ERROR_INFO, v as number),
  },
  { method: 'cancelTask', what: 'id', arbitrary: longName, call: (b, v) => b.cancelTask(v as string) },
  { method: 'readTask', what: 'id', arbitrary: longName, call: (b, v) => b.readTask(v as string) },
  { method: 'taskEvents', what: 'id', arbitrary: longName, call: (b, v) => b.taskEvents(v as string) },
  { method: 'taskSignals', what: 'names', arbitrary: nameArray, call: (b, v) => b.taskSignals(v as string[]) },
];

/** The sites of {@link BACKEND_SITES} whose method `backend` has (an optional one may be absent). */
export function sitesOf(backend: object): readonly BackendSite[] {
  return BACKEND_SITES.filter((site) => typeof (backend as Record<string, unknown>)[site.method] === 'function');
}
