import type { DeleteOptions, PutOptions } from '../backend.js';
import {
  assertName,
  assertOptionsObject,
  assertPositiveDuration,
  assertPrefix,
  assertString,
  assertVersion,
} from './validate.js';

/** Call-time checks of `put`, shared by every backend; throws `TypeError`/`RangeError`. */
export function assertPutArguments(key: unknown, value: unknown, options: PutOptions | undefined): void {
  assertName(key, 'key');
  assertString(value, 'value');
  assertOptionsObject(options, 'options');
  if (options?.ifVersion !== undefined) assertVersion(options.ifVersion, 'ifVersion');
  if (options?.timeToLive !== undefined) assertPositiveDuration(options.timeToLive, 'timeToLive');
}

/** Call-time checks of `delete`, shared by every backend. */
export function assertDeleteArguments(key: unknown, options: DeleteOptions | undefined): void {
  assertName(key, 'key');
  assertOptionsObject(options, 'options');
  if (options?.ifVersion !== undefined) assertVersion(options.ifVersion, 'ifVersion');
}

/** Call-time checks of `get`. */
export function assertKeyArgument(key: unknown): void {
  assertName(key, 'key');
}

/** Call-time checks of `list` and `changes`. */
export function assertPrefixArgument(prefix: unknown): void {
  assertPrefix(prefix, 'prefix');
}
