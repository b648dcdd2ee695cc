import type { DeleteOptions, PutOptions } from 'rx-sync';
import {
  assertDeleteArguments,
  assertKeyArgument,
  assertPrefixArgument,
  assertPutArguments,
} from '../../../src/internal/storeArguments';

describe('store argument checks', () => {
  it('put: accepts a key, any string value and valid options', () => {
    expect(() => assertPutArguments('k', '', undefined)).not.toThrow();
    expect(() => assertPutArguments('k', 'v', { ifVersion: 0, timeToLive: 0.5 })).not.toThrow();
  });

  it.each<[string, unknown, unknown, unknown, typeof TypeError | typeof RangeError, RegExp]>([
    ['an empty key', '', 'v', undefined, TypeError, /`key`/],
    ['a value that is not a string', 'k', 5, undefined, TypeError, /`value`/],
    ['options that are not an object', 'k', 'v', 'ttl', TypeError, /`options`/],
    ['a negative ifVersion', 'k', 'v', { ifVersion: -1 }, RangeError, /`ifVersion`/],
    ['a fractional ifVersion', 'k', 'v', { ifVersion: 1.5 }, RangeError, /`ifVersion`/],
    ['a zero timeToLive', 'k', 'v', { timeToLive: 0 }, RangeError, /`timeToLive`/],
    ['an infinite timeToLive', 'k', 'v', { timeToLive: Infinity }, RangeError, /`timeToLive`/],
  ])('put: rejects %s', (_case, key, value, options, errorClass, message) => {
    const call = () => assertPutArguments(key, value, options as PutOptions);
    expect(call).toThrow(errorClass);
    expect(call).toThrow(message);
  });

  it('delete: checks the key and ifVersion', () => {
    expect(() => assertDeleteArguments('k', undefined)).not.toThrow();
    expect(() => assertDeleteArguments('k', { ifVersion: 3 })).not.toThrow();
    expect(() => assertDeleteArguments('', undefined)).toThrow(/`key`/);
    expect(() => assertDeleteArguments('k', { ifVersion: -2 })).toThrow(/`ifVersion`/);
    expect(() => assertDeleteArguments('k', null as unknown as DeleteOptions)).toThrow(/`options`/);
  });

  it('get and list/changes: check the key and the prefix', () => {
    expect(() => assertKeyArgument('k')).not.toThrow();
    expect(() => assertKeyArgument('')).toThrow(/`key`/);
    expect(() => assertPrefixArgument('')).not.toThrow();
    expect(() => assertPrefixArgument(null)).toThrow(/`prefix`/);
  });
});
