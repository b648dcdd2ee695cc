import {
  assertBoolean,
  assertDuration,
  assertFraction,
  assertKnownOptions,
  assertName,
  assertOptionsObject,
  assertPositiveDuration,
  assertPrefix,
  assertString,
  assertTimeout,
  assertVersion,
  optionNames,
} from '../../../src/internal/validate';

describe('validation helpers', () => {
  describe('assertName', () => {
    it.each(['k', 'config/mode', 'ключ', '😀', 'a'.repeat(1024), ' spaced '])('accepts %p', (value) => {
      expect(() => assertName(value, 'key', 1024)).not.toThrow();
    });

    it.each([
      ['', TypeError, 'Expected `key` to be a non-empty string, got "".'],
      [undefined, TypeError, 'Expected `key` to be a non-empty string, got undefined.'],
      [null, TypeError, 'Expected `key` to be a non-empty string, got null.'],
      [12, TypeError, 'Expected `key` to be a non-empty string, got 12.'],
      [12n, TypeError, 'Expected `key` to be a non-empty string, got 12n.'],
      [['k'], TypeError, 'Expected `key` to be a non-empty string, got an array.'],
      [{ k: 1 }, TypeError, 'Expected `key` to be a non-empty string, got an object.'],
      ['a'.repeat(1025), RangeError, 'Expected `key` to be at most 1024 characters, got 1025.'],
      ['a\u0000b', TypeError, 'Expected `key` to contain no control characters, got "a\\u0000b".'],
      ['tab\t', TypeError, 'Expected `key` to contain no control characters, got "tab\\t".'],
      ['del\u007f', TypeError, 'Expected `key` to contain no control characters, got "del\u007f".'],
      ['lone\ud800', TypeError, 'Expected `key` to be well-formed Unicode, but it holds a lone surrogate'],
    ])('rejects %p with %p', (value, errorClass, message) => {
      expect(() => assertName(value, 'key', 1024)).toThrow(errorClass);
      expect(() => assertName(value, 'key', 1024)).toThrow(message);
    });

    it('names where a length bound comes from, and without one applies only the ceiling of every limit', () => {
      expect(() => assertName('a'.repeat(1025), 'key', 1024, "the backend's `limits.maxNameLength`")).toThrow(
        "Expected `key` to be at most 1024 characters (the backend's `limits.maxNameLength`), got 1025.",
      );
      expect(() => assertName('a'.repeat(65_536 + 32), 'key')).not.toThrow();
      expect(() => assertName('a'.repeat(65_536 + 33), 'key')).toThrow(RangeError);
    });
  });

  describe('assertPrefix', () => {
    it('accepts the empty string and any clean string', () => {
      expect(() => assertPrefix('', 'prefix')).not.toThrow();
      expect(() => assertPrefix('cfg/', 'prefix')).not.toThrow();
    });

    it('rejects non-strings, control characters and overlong strings', () => {
      expect(() => assertPrefix(undefined, 'prefix')).toThrow(
        new TypeError('Expected `prefix` to be a string, got undefined.'),
      );
      expect(() => assertPrefix('a\nb', 'prefix')).toThrow(TypeError);
      expect(() => assertPrefix('p'.repeat(1025), 'prefix', 1024)).toThrow(RangeError);
    });
  });

  describe('assertString', () => {
    it('accepts any string, the empty one and control characters included', () => {
      expect(() => assertString('', 'value')).not.toThrow();
      expect(() => assertString('line\nbreak', 'value')).not.toThrow();
      expect(() => assertString('v'.repeat(100_000), 'value')).not.toThrow();
    });

    it('rejects non-strings', () => {
      expect(() => assertString(1, 'value')).toThrow(new TypeError('Expected `value` to be a string, got 1.'));
    });
  });

  describe('durations', () => {
    it('assertPositiveDuration accepts finite numbers above zero, fractions included', () => {
      for (const value of [0.5, 1, 10_000]) expect(() => assertPositiveDuration(value, 'd')).not.toThrow();
      for (const value of [0, -1, Infinity, NaN, '5', undefined, 2 ** 31]) {
        expect(() => assertPositiveDuration(value, 'd')).toThrow(RangeError);
      }
      expect(() => assertPositiveDuration(2 ** 31 - 1, 'd')).not.toThrow();
      expect(() => assertPositiveDuration(-1, 'leaseDuration')).toThrow(
        'Expected `leaseDuration` to be a positive number of milliseconds up to 2147483647 (about 24.8 days), got -1.',
      );
    });

    it('assertDuration also accepts zero', () => {
      expect(() => assertDuration(0, 'd')).not.toThrow();
      for (const value of [-0.1, Infinity, NaN, null, 2 ** 31]) {
        expect(() => assertDuration(value, 'd')).toThrow(RangeError);
      }
      expect(() => assertDuration(-1, 'driftMargin')).toThrow(
        'Expected `driftMargin` to be a non-negative finite number of milliseconds up to 2147483647, got -1.',
      );
    });

    it('assertTimeout also accepts Infinity', () => {
      expect(() => assertTimeout(Infinity, 't')).not.toThrow();
      expect(() => assertTimeout(1, 't')).not.toThrow();
      for (const value of [0, -Infinity, NaN, '1']) expect(() => assertTimeout(value, 't')).toThrow(RangeError);
      expect(() => assertTimeout(0, 'acquireTimeout')).toThrow(
        'Expected `acquireTimeout` to be a positive number of milliseconds up to 2147483647 (about 24.8 days), or Infinity, got 0.',
      );
    });
  });

  it('assertFraction accepts numbers from 0 to 1', () => {
    for (const value of [0, 0.25, 1]) expect(() => assertFraction(value, 'f')).not.toThrow();
    for (const value of [-0.01, 1.01, NaN, '0.5']) expect(() => assertFraction(value, 'f')).toThrow(RangeError);
    expect(() => assertFraction(2, 'retryJitter')).toThrow('Expected `retryJitter` to be a number from 0 to 1, got 2.');
  });

  it('assertBoolean accepts only booleans', () => {
    expect(() => assertBoolean(false, 'wait')).not.toThrow();
    expect(() => assertBoolean(0, 'wait')).toThrow(new TypeError('Expected `wait` to be a boolean, got 0.'));
  });

  it('assertVersion accepts safe integers from 0', () => {
    for (const value of [0, 1, Number.MAX_SAFE_INTEGER]) expect(() => assertVersion(value, 'v')).not.toThrow();
    for (const value of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, NaN, '1']) {
      expect(() => assertVersion(value, 'v')).toThrow(RangeError);
    }
    expect(() => assertVersion(-1, 'ifVersion')).toThrow(
      'Expected `ifVersion` to be a non-negative safe integer, got -1.',
    );
  });

  describe('assertOptionsObject', () => {
    interface Options {
      readonly leaseDuration?: number;
      readonly wait?: boolean;
    }
    const names = optionNames<Options>({ leaseDuration: true, wait: true });
    const site = { names, caller: 'lock' };

    it('accepts undefined and plain objects only', () => {
      expect(() => assertOptionsObject(undefined, site)).not.toThrow();
      expect(() => assertOptionsObject({}, site)).not.toThrow();
      expect(() => assertOptionsObject({ leaseDuration: 5, wait: undefined }, site)).not.toThrow();
      for (const value of [null, [], 'x', 3, true]) expect(() => assertOptionsObject(value, site)).toThrow(TypeError);
      expect(() => assertOptionsObject([], site)).toThrow('Expected `options` to be an options object, got an array.');
      expect(() => assertOptionsObject(3, { ...site, path: 'limits' })).toThrow(
        'Expected `limits` to be an options object, got 3.',
      );
    });

    it('refuses an unknown key, naming the caller, the nearest known name and every known name', () => {
      expect(() => assertOptionsObject({ leaseDurration: 5_000 }, site)).toThrow(
        new TypeError(
          'Unknown option `leaseDurration` of `lock`; did you mean `leaseDuration`? Known options: `leaseDuration`, `wait`.',
        ),
      );
      expect(() => assertOptionsObject({ wait: true, color: 'red' }, site)).toThrow(
        new TypeError('Unknown option `color` of `lock`. Known options: `leaseDuration`, `wait`.'),
      );
    });

    it('shows the keys of a nested object with its path', () => {
      expect(() => assertOptionsObject({ WAIT: true }, { ...site, caller: 'schedule', path: 'leadership' })).toThrow(
        new TypeError(
          'Unknown option `leadership.WAIT` of `schedule`; did you mean `leadership.wait`? Known options of `leadership`: `leaseDuration`, `wait`.',
        ),
      );
    });

    it('refuses an unknown key whose value is undefined, and ignores symbol keys and inherited keys', () => {
      expect(() => assertOptionsObject({ wiat: undefined }, site)).toThrow(
        /^Unknown option `wiat` of `lock`; did you mean `wait`\?/,
      );
      expect(() => assertOptionsObject({ [Symbol('meta')]: 1, wait: false }, site)).not.toThrow();
      expect(() => assertOptionsObject(Object.create({ inherited: 1 }) as object, site)).not.toThrow();
    });

    it('takes its names from a frozen list', () => {
      expect(Object.isFrozen(names)).toBe(true);
    });
  });

  it('assertKnownOptions checks the keys of an object of any kind (a required argument)', () => {
    const names = optionNames<{ readonly owner: string }>({ owner: true });
    expect(() => assertKnownOptions({ owner: 'a' }, { names, caller: 'tryAcquire', path: 'claim' })).not.toThrow();
    expect(() => assertKnownOptions({ ownr: 'a' }, { names, caller: 'tryAcquire', path: 'claim' })).toThrow(
      'Unknown option `claim.ownr` of `tryAcquire`; did you mean `claim.owner`?',
    );
  });
});
