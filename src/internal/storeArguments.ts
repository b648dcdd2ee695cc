import type { DeleteOptions, PutOptions } from '../backend.js';
import { assertNameWithin, assertPrefixWithin, assertValueWithin } from './limits.js';
import { DEFAULT_BACKEND_LIMITS, type BackendLimits } from '../limits.js';
import { assertOptionsObject, assertPositiveDuration, assertVersion, optionNames } from './validate.js';

/** The names of {@link PutOptions}: any other key is refused. */
const PUT_OPTION_NAMES = optionNames<PutOptions>({ ifVersion: true, timeToLive: true });

/** The names of {@link DeleteOptions}: any other key is refused. */
const DELETE_OPTION_NAMES = optionNames<DeleteOptions>({ ifVersion: true });

/** Call-time checks of `put`, shared by every backend; throws `TypeError`/`RangeError`. */
export function assertPutArguments(
  key: unknown,
  value: unknown,
  options: PutOptions | undefined,
  limits: BackendLimits = DEFAULT_BACKEND_LIMITS,
): void {
  assertNameWithin(limits, key, 'key');
  assertValueWithin(limits, value, 'value');
  assertOptionsObject(options, { names: PUT_OPTION_NAMES, caller: 'put' });
  if (options?.ifVersion !== undefined) assertVersion(options.ifVersion, 'ifVersion');
  if (options?.timeToLive !== undefined) assertPositiveDuration(options.timeToLive, 'timeToLive');
}

/** Call-time checks of `delete`, shared by every backend. */
export function assertDeleteArguments(
  key: unknown,
  options: DeleteOptions | undefined,
  limits: BackendLimits = DEFAULT_BACKEND_LIMITS,
): void {
  assertNameWithin(limits, key, 'key');
  assertOptionsObject(options, { names: DELETE_OPTION_NAMES, caller: 'delete' });
  if (options?.ifVersion !== undefined) assertVersion(options.ifVersion, 'ifVersion');
}

/** Call-time checks of `get`. */
export function assertKeyArgument(key: unknown, limits: BackendLimits = DEFAULT_BACKEND_LIMITS): void {
  assertNameWithin(limits, key, 'key');
}

/** Call-time checks of `list` and `changes`. */
export function assertPrefixArgument(prefix: unknown, limits: BackendLimits = DEFAULT_BACKEND_LIMITS): void {
  assertPrefixWithin(limits, prefix, 'prefix');
}
