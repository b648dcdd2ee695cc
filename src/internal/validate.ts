import { nearestName } from './spelling.js';

/** The largest `limits.maxNameLength` a backend accepts, in UTF-16 code units. */
export const MAX_NAME_LENGTH_LIMIT = 65_536;

/**
 * Characters a backend lease key or task id may have beyond `limits.maxNameLength`: rx-sync puts
 * `lock:` or `leader:` before a key or group, and a backend puts a task number after a task name.
 */
export const NAME_ROOM = 32;

/** Longest duration a timer can wait (Node caps timers at 2^31 − 1 ms, about 24.8 days). */
export const MAX_DURATION = 2 ** 31 - 1;

/**
 * Throws `TypeError` unless `value` is a non-empty string without control characters or lone
 * surrogates, and `RangeError` when it is longer than `maxLength` (UTF-16 code units). `what`
 * names the argument in the message, `limit` where `maxLength` comes from (a backend's limits).
 * Without `maxLength`, only the ceiling of every configurable limit applies: callers that know a
 * backend check its `limits.maxNameLength` (internal/limits.ts).
 */
export function assertName(
  value: unknown,
  what: string,
  maxLength = MAX_NAME_LENGTH_LIMIT + NAME_ROOM,
  limit?: string,
): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`Expected \`${what}\` to be a non-empty string, got ${show(value)}.`);
  }
  assertCleanText(value, what, maxLength, limit);
}

/** As {@link assertName}, but the empty string is allowed (a prefix that matches everything). */
export function assertPrefix(
  value: unknown,
  what: string,
  maxLength = MAX_NAME_LENGTH_LIMIT,
  limit?: string,
): asserts value is string {
  if (typeof value !== 'string') {
    throw new TypeError(`Expected \`${what}\` to be a string, got ${show(value)}.`);
  }
  assertCleanText(value, what, maxLength, limit);
}

/**
 * Throws `TypeError` when `value` holds a lone surrogate (a string that is not well-formed
 * UTF-16). Such a string cannot survive UTF-8: Redis would store U+FFFD in its place, so two
 * different names would meet in one key, and a value would not come back as it was written.
 */
export function assertWellFormed(value: string, what: string): void {
  if (LONE_SURROGATE.test(value)) {
    throw new TypeError(
      `Expected \`${what}\` to be well-formed Unicode, but it holds a lone surrogate (UTF-8 cannot carry it).`,
    );
  }
}

/** Throws `TypeError` unless `value` is a string. */
export function assertString(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') {
    throw new TypeError(`Expected \`${what}\` to be a string, got ${show(value)}.`);
  }
}

/** Throws `RangeError` unless `value` is a finite number greater than zero (a duration in ms). */
export function assertPositiveDuration(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_DURATION) {
    throw new RangeError(
      `Expected \`${what}\` to be a positive number of milliseconds up to ${MAX_DURATION} (about 24.8 days), got ${show(value)}.`,
    );
  }
}

/** As {@link assertPositiveDuration}, but zero is allowed. */
export function assertDuration(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_DURATION) {
    throw new RangeError(
      `Expected \`${what}\` to be a non-negative finite number of milliseconds up to ${MAX_DURATION}, got ${show(value)}.`,
    );
  }
}

/** As {@link assertPositiveDuration}, but `Infinity` (wait forever) is allowed. */
export function assertTimeout(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0 || (value > MAX_DURATION && value !== Infinity)) {
    throw new RangeError(
      `Expected \`${what}\` to be a positive number of milliseconds up to ${MAX_DURATION} (about 24.8 days), or Infinity, got ${show(value)}.`,
    );
  }
}

/** Throws `RangeError` unless `value` is a number in [0, 1]. */
export function assertFraction(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new RangeError(`Expected \`${what}\` to be a number from 0 to 1, got ${show(value)}.`);
  }
}

/** Throws `TypeError` unless `value` is a boolean. */
export function assertBoolean(value: unknown, what: string): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`Expected \`${what}\` to be a boolean, got ${show(value)}.`);
  }
}

/** Throws `RangeError` unless `value` is a safe integer of at least zero (a version). */
export function assertVersion(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Expected \`${what}\` to be a non-negative safe integer, got ${show(value)}.`);
  }
}

/**
 * Every option name of the options interface `T`, each `true`. Written as an object literal with
 * {@link optionNames}, it makes the compiler refuse a list that misses an option of `T` or names
 * one that `T` lacks, so the names that {@link assertOptionsObject} accepts follow the interface.
 */
export type OptionNames<T = Record<string, unknown>> = { readonly [K in keyof T]-?: true };

/** Freezes the option names of `T` (see {@link OptionNames}). */
export function optionNames<T>(names: OptionNames<T>): OptionNames<T> {
  return Object.freeze(names);
}

/** Where an options object is given, as {@link assertOptionsObject} names it in its messages. */
export interface OptionsSite {
  /** The public function (or method) that takes it: `lock`, `createRedisBackend`, `put`, `run`. */
  readonly caller: string;
  /**
   * The argument or option that holds it when it is not the `options` argument itself:
   * `limits`, `leadership`, `command`. Its unknown keys are then shown as `limits.key`.
   */
  readonly path?: string;
  /**
   * The names it may hold, where the caller takes more than the resolver's own interface: a facade
   * that adds `group` or `handlers`, or takes fewer (`createLeader` has no `candidate`).
   */
  readonly names?: OptionNames;
}

/**
 * Throws `TypeError` unless `value` is an object (or undefined, which stands for `{}`) whose keys
 * are all in `site.names` (see {@link assertKnownOptions}). The object is named `site.path`, or
 * `options`.
 */
export function assertOptionsObject(value: unknown, site: OptionsSite & { readonly names: OptionNames }): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`Expected \`${site.path ?? 'options'}\` to be an options object, got ${show(value)}.`);
  }
  assertKnownOptions(value, site);
}

/**
 * Throws `TypeError` when `value` has an own enumerable string key that is not in `site.names`,
 * naming the first such key, the nearest known name when one is close enough to be a misspelling
 * of it ({@link nearestName}), and every known name. A key counts whatever its value, `undefined`
 * included: a misspelt key is a mistake even when its value would be the default. Symbol keys are
 * ignored: no option has one, and they cannot be misspellings of one.
 */
export function assertKnownOptions(value: object, site: OptionsSite & { readonly names: OptionNames }): void {
  const { names, caller, path } = site;
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(names, key)) continue;
    const known = Object.keys(names);
    const dotted = (name: string): string => `\`${path === undefined ? '' : `${path}.`}${name}\``;
    const nearest = nearestName(key, known);
    throw new TypeError(
      `Unknown option ${dotted(key)} of \`${caller}\`${nearest === undefined ? '.' : `; did you mean ${dotted(nearest)}?`} Known options${path === undefined ? '' : ` of \`${path}\``}: ${known.map((name) => `\`${name}\``).join(', ')}.`,
    );
  }
}

/** Matches a surrogate that is not half of a pair (in a `u` regex, a pair is one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

function assertCleanText(value: string, what: string, maxLength: number, limit: string | undefined): void {
  if (value.length > maxLength) {
    throw new RangeError(
      `Expected \`${what}\` to be at most ${maxLength} characters${limit === undefined ? '' : ` (${limit})`}, got ${value.length}.`,
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new TypeError(`Expected \`${what}\` to contain no control characters, got ${show(value)}.`);
  }
  assertWellFormed(value, what);
}

/** A short description of `value` for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    return value.length <= 64
      ? JSON.stringify(value)
      : `${JSON.stringify(value.slice(0, 32))}… (${value.length} characters)`;
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
