import { DEFAULT_BACKEND_LIMITS, type BackendLimits, type BackendLimitsOptions } from '../limits.js';
import { toJson } from './json.js';
import {
  assertName,
  assertOptionsObject,
  assertPositiveDuration,
  assertPrefix,
  assertString,
  assertWellFormed,
  MAX_NAME_LENGTH_LIMIT,
  NAME_ROOM,
  optionNames,
  show,
} from './validate.js';

/** The names of {@link BackendLimitsOptions}: any other key is refused. */
const LIMITS_OPTION_NAMES = optionNames<BackendLimitsOptions>({
  maxNameLength: true,
  maxValueSize: true,
  minLeaseDuration: true,
  maxLeaseDuration: true,
});

/** Bounds of `limits.maxNameLength`: the low one leaves room for default holder names (host-pid-random). */
const NAME_LENGTH_BOUNDS = [128, MAX_NAME_LENGTH_LIMIT] as const;
/** Bounds of `limits.maxValueSize`: the low one leaves room for task error messages; the high one is Redis's. */
const VALUE_SIZE_BOUNDS = [1_024, 512 * 1024 * 1024] as const;

/**
 * Applies defaults to the `limits` option of a backend and checks them; throws `TypeError` or
 * `RangeError` naming the limit, and `caller` (the backend's factory) for an unknown key.
 */
export function resolveBackendLimits(options: BackendLimitsOptions | undefined, caller: string): BackendLimits {
  assertOptionsObject(options, { names: LIMITS_OPTION_NAMES, caller, path: 'limits' });
  const {
    maxNameLength = DEFAULT_BACKEND_LIMITS.maxNameLength,
    maxValueSize = DEFAULT_BACKEND_LIMITS.maxValueSize,
    minLeaseDuration = DEFAULT_BACKEND_LIMITS.minLeaseDuration,
    maxLeaseDuration = DEFAULT_BACKEND_LIMITS.maxLeaseDuration,
  } = options ?? {};
  assertIntegerIn(maxNameLength, 'limits.maxNameLength', NAME_LENGTH_BOUNDS);
  assertIntegerIn(maxValueSize, 'limits.maxValueSize', VALUE_SIZE_BOUNDS);
  assertPositiveDuration(minLeaseDuration, 'limits.minLeaseDuration');
  assertPositiveDuration(maxLeaseDuration, 'limits.maxLeaseDuration');
  if (minLeaseDuration > maxLeaseDuration) {
    throw new RangeError(
      `Expected \`limits.minLeaseDuration\` (${minLeaseDuration}) to be at most \`limits.maxLeaseDuration\` (${maxLeaseDuration}).`,
    );
  }
  return Object.freeze({ maxNameLength, maxValueSize, minLeaseDuration, maxLeaseDuration });
}

/** The limits of a backend: its `limits`, or the defaults for a backend that has none. */
export function limitsOf(backend: object): BackendLimits {
  return (backend as { readonly limits?: BackendLimits }).limits ?? DEFAULT_BACKEND_LIMITS;
}

const NAME_LIMIT = "the backend's `limits.maxNameLength`";

/** {@link assertName} within `limits.maxNameLength`. */
export function assertNameWithin(limits: BackendLimits, value: unknown, what: string): asserts value is string {
  assertName(value, what, limits.maxNameLength, NAME_LIMIT);
}

/** {@link assertPrefix} within `limits.maxNameLength`. */
export function assertPrefixWithin(limits: BackendLimits, value: unknown, what: string): asserts value is string {
  assertPrefix(value, what, limits.maxNameLength, NAME_LIMIT);
}

/** A backend lease key (`lock:KEY`, `leader:GROUP`) or task id (a task name and a number): a name and {@link NAME_ROOM} more. */
export function assertLongNameWithin(limits: BackendLimits, value: unknown, what: string): asserts value is string {
  assertName(value, what, limits.maxNameLength + NAME_ROOM, `the backend's \`limits.maxNameLength\` + ${NAME_ROOM}`);
}

/** Throws `TypeError` unless `value` is a well-formed string, `RangeError` when its UTF-8 exceeds `limits.maxValueSize`. */
export function assertValueWithin(limits: BackendLimits, value: unknown, what: string): asserts value is string {
  assertString(value, what);
  assertWellFormed(value, what);
  assertSizeWithin(limits, value, what);
}

/** Throws `RangeError` when the UTF-8 of `text` exceeds `limits.maxValueSize` (`form` says what the text is). */
export function assertSizeWithin(limits: BackendLimits, text: string, what: string, form = ''): void {
  // Each UTF-16 code unit takes 1 to 3 bytes of UTF-8: only a text in between needs counting.
  if (text.length * 3 <= limits.maxValueSize) return;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limits.maxValueSize) {
    throw new RangeError(
      `Expected \`${what}\` to be at most ${limits.maxValueSize} bytes${form} (the backend's \`limits.maxValueSize\`), got ${size}.`,
    );
  }
}

/** A JSON value as JSON text (see {@link toJson}) within `limits.maxValueSize`. */
export function toJsonWithin(limits: BackendLimits, value: unknown, what: string): string {
  const json = toJson(value, what);
  assertSizeWithin(limits, json, what, ' as JSON');
  return json;
}

/** Throws `RangeError` unless `value` is a positive duration within the backend's lease bounds. */
export function assertLeaseDurationWithin(
  limits: BackendLimits,
  value: unknown,
  what: string,
): asserts value is number {
  assertPositiveDuration(value, what);
  if (value < limits.minLeaseDuration) {
    throw new RangeError(
      `Expected \`${what}\` to be at least ${limits.minLeaseDuration} ms (the backend's \`limits.minLeaseDuration\`), got ${value}.`,
    );
  }
  if (value > limits.maxLeaseDuration) {
    throw new RangeError(
      `Expected \`${what}\` to be at most ${limits.maxLeaseDuration} ms (the backend's \`limits.maxLeaseDuration\`), got ${value}.`,
    );
  }
}

/** `value` brought within the lease bounds: a default lease duration that the limits would refuse is moved to the nearest bound. */
export function clampLeaseDuration(limits: BackendLimits, value: number): number {
  return Math.min(limits.maxLeaseDuration, Math.max(limits.minLeaseDuration, value));
}

/**
 * `text` cut so that its UTF-8 fits in `maxBytes`, marked as cut; for diagnostics (task error
 * messages), where a shortened text is better than none.
 */
export function fitText(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const marker = ' … (cut)';
  let end = Math.max(0, Math.floor((maxBytes - Buffer.byteLength(marker, 'utf8')) / 3));
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // never half a surrogate pair
  return text.slice(0, end) + marker;
}

function assertIntegerIn(value: unknown, what: string, [min, max]: readonly [number, number]): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`Expected \`${what}\` to be an integer from ${min} to ${max}, got ${show(value)}.`);
  }
}
