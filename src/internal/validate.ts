/** Longest key, group or prefix accepted, in UTF-16 code units. */
const MAX_NAME_LENGTH = 1024;

/** Longest duration a timer can wait (Node caps timers at 2^31 − 1 ms, about 24.8 days). */
export const MAX_DURATION = 2 ** 31 - 1;

/**
 * Throws `TypeError` unless `value` is a non-empty string of at most 1024 characters without
 * control characters. `what` names the argument in the message.
 */
export function assertName(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`Expected \`${what}\` to be a non-empty string, got ${show(value)}.`);
  }
  assertCleanText(value, what);
}

/** As {@link assertName}, but the empty string is allowed (a prefix that matches everything). */
export function assertPrefix(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') {
    throw new TypeError(`Expected \`${what}\` to be a string, got ${show(value)}.`);
  }
  assertCleanText(value, what);
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
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `Expected \`${what}\` to be a non-negative finite number of milliseconds, got ${show(value)}.`,
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

/** Throws `TypeError` unless `value` is an object (or undefined, which stands for `{}`). */
export function assertOptionsObject(value: unknown, what: string): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new TypeError(`Expected \`${what}\` to be an options object, got ${show(value)}.`);
  }
}

function assertCleanText(value: string, what: string): void {
  if (value.length > MAX_NAME_LENGTH) {
    throw new RangeError(`Expected \`${what}\` to be at most ${MAX_NAME_LENGTH} characters, got ${value.length}.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new TypeError(`Expected \`${what}\` to contain no control characters, got ${JSON.stringify(value)}.`);
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
