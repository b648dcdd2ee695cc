import { DEFAULT_LEASE_OPTIONS, type LeaseOptions } from 'rx-sync';
import { resolveLeaseOptions } from '../../../src/observables/leaseOptions';

const resolve = (options?: LeaseOptions) => resolveLeaseOptions(options, 10_000);

describe('resolveLeaseOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolve()).toEqual({
      leaseDuration: 10_000,
      renewInterval: 10_000 / 3,
      driftMargin: 102,
      acquireTimeout: 10_000,
      retryDelay: 50,
      maxRetryDelay: 1_000,
      retryJitter: 0.5,
      fair: true,
    });
    expect(resolve({})).toEqual(resolve());
  });

  it('derives renewInterval (leaseDuration / 3) and driftMargin (floor(leaseDuration / 100) + 2) from leaseDuration', () => {
    expect(resolve({ leaseDuration: 300 })).toMatchObject({ leaseDuration: 300, renewInterval: 100, driftMargin: 5 });
    expect(resolve({ leaseDuration: 1_050 })).toMatchObject({ renewInterval: 350, driftMargin: 12 });
  });

  it('keeps every value given, and takes acquireTimeout from the caller when not given', () => {
    const options = {
      leaseDuration: 100,
      renewInterval: 30,
      driftMargin: 10,
      acquireTimeout: Infinity,
      retryDelay: 5,
      maxRetryDelay: 5,
      retryJitter: 0,
      fair: false,
    };
    expect(resolve(options)).toEqual(options);
    expect(resolveLeaseOptions({}, Infinity).acquireTimeout).toBe(Infinity);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(resolve())).toBe(true);
    expect(Object.isFrozen(resolve({ leaseDuration: 500 }))).toBe(true);
  });

  it('exports frozen defaults', () => {
    expect(DEFAULT_LEASE_OPTIONS).toEqual({
      leaseDuration: 10_000,
      retryDelay: 50,
      maxRetryDelay: 1_000,
      retryJitter: 0.5,
      fair: true,
    });
    expect(Object.isFrozen(DEFAULT_LEASE_OPTIONS)).toBe(true);
  });

  it('accepts the boundaries: driftMargin 0, retryJitter 0 and 1, maxRetryDelay equal to retryDelay', () => {
    expect(() => resolve({ driftMargin: 0 })).not.toThrow();
    expect(() => resolve({ retryJitter: 0 })).not.toThrow();
    expect(() => resolve({ retryJitter: 1 })).not.toThrow();
    expect(() => resolve({ retryDelay: 200, maxRetryDelay: 200 })).not.toThrow();
  });

  it.each<[string, LeaseOptions, typeof TypeError | typeof RangeError, RegExp]>([
    [
      'leaseDuration 0',
      { leaseDuration: 0 },
      RangeError,
      /^Expected `leaseDuration` to be a positive number of milliseconds up to 2147483647 \(about 24\.8 days\), got 0\.$/,
    ],
    ['leaseDuration Infinity', { leaseDuration: Infinity }, RangeError, /`leaseDuration`.*got Infinity/],
    [
      'leaseDuration above the timer limit',
      { leaseDuration: 2 ** 31 },
      RangeError,
      /`leaseDuration`.*up to 2147483647.*got 2147483648/,
    ],
    ['leaseDuration NaN', { leaseDuration: NaN }, RangeError, /`leaseDuration`.*got NaN/],
    [
      'leaseDuration as a string',
      { leaseDuration: '100' as unknown as number },
      RangeError,
      /`leaseDuration`.*got "100"/,
    ],
    ['renewInterval -1', { renewInterval: -1 }, RangeError, /`renewInterval`.*got -1/],
    [
      'driftMargin -1',
      { driftMargin: -1 },
      RangeError,
      /^Expected `driftMargin` to be a non-negative finite number of milliseconds up to 2147483647, got -1\.$/,
    ],
    [
      'acquireTimeout 0',
      { acquireTimeout: 0 },
      RangeError,
      /^Expected `acquireTimeout` to be a positive number of milliseconds up to 2147483647 \(about 24\.8 days\), or Infinity, got 0\.$/,
    ],
    ['acquireTimeout NaN', { acquireTimeout: NaN }, RangeError, /`acquireTimeout`/],
    ['retryDelay 0', { retryDelay: 0 }, RangeError, /`retryDelay`/],
    ['maxRetryDelay -5', { maxRetryDelay: -5 }, RangeError, /`maxRetryDelay`/],
    [
      'retryJitter 1.5',
      { retryJitter: 1.5 },
      RangeError,
      /^Expected `retryJitter` to be a number from 0 to 1, got 1\.5\.$/,
    ],
    ['retryJitter NaN', { retryJitter: NaN }, RangeError, /`retryJitter`/],
    ['fair 1', { fair: 1 as unknown as boolean }, TypeError, /`fair`/],
  ])('rejects %s with an error naming the option', (_case, options, errorClass, message) => {
    expect(() => resolve(options)).toThrow(errorClass);
    expect(() => resolve(options)).toThrow(message);
  });

  describe('cross-field rules', () => {
    it('driftMargin must be less than leaseDuration', () => {
      expect(() => resolve({ leaseDuration: 100, driftMargin: 100, renewInterval: 1 })).toThrow(
        new RangeError('Expected `driftMargin` (100) to be less than `leaseDuration` (100).'),
      );
    });

    it('renewInterval must be less than leaseDuration - driftMargin', () => {
      expect(() => resolve({ leaseDuration: 100, driftMargin: 10, renewInterval: 90 })).toThrow(RangeError);
      expect(() => resolve({ leaseDuration: 100, driftMargin: 10, renewInterval: 90 })).toThrow(
        /^Expected `renewInterval` \(90\) to be less than `leaseDuration - driftMargin` \(90\)/,
      );
      expect(() => resolve({ leaseDuration: 100, driftMargin: 10, renewInterval: 89 })).not.toThrow();
    });

    it('applies the rule to the derived defaults too', () => {
      // leaseDuration 3: renewInterval 1 is not less than 3 - 2.
      expect(() => resolve({ leaseDuration: 3 })).toThrow(/`renewInterval` \(1\)/);
      expect(() => resolve({ leaseDuration: 4 })).not.toThrow();
    });

    it('maxRetryDelay must be at least retryDelay', () => {
      expect(() => resolve({ retryDelay: 100, maxRetryDelay: 99 })).toThrow(
        new RangeError('Expected `maxRetryDelay` (99) to be at least `retryDelay` (100).'),
      );
    });
  });
});
