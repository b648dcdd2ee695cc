import { DEFAULT_CLOCK_OPTIONS } from 'rx-sync';
import { resolveClockOptions } from '../../../src/observables/clockOptions';

describe('resolveClockOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolveClockOptions(undefined, { caller: 'clock' })).toEqual({
      refreshInterval: 60_000,
      sampleTimeout: 5_000,
      retryDelay: 5_000,
      maxSampleAge: 185_000,
      driftRate: 0.0001,
      slewRate: 0.5,
      tickInterval: undefined,
    });
    expect(resolveClockOptions({}, { caller: 'clock' })).toEqual(resolveClockOptions(undefined, { caller: 'clock' }));
  });

  it('derives retryDelay (min(5_000, refreshInterval)) and maxSampleAge (3 × refreshInterval + sampleTimeout)', () => {
    expect(resolveClockOptions({ refreshInterval: 1_000, sampleTimeout: 200 }, { caller: 'clock' })).toMatchObject({
      retryDelay: 1_000,
      maxSampleAge: 3_200,
    });
    expect(resolveClockOptions({ refreshInterval: 2 ** 30 }, { caller: 'clock' }).maxSampleAge).toBe(2 ** 31 - 1);
  });

  it('keeps every value given', () => {
    const options = {
      refreshInterval: 10,
      sampleTimeout: 5,
      retryDelay: 2,
      maxSampleAge: 16,
      driftRate: 0,
      slewRate: 1,
      tickInterval: 3,
    };
    expect(resolveClockOptions(options, { caller: 'clock' })).toEqual(options);
  });

  it('returns a frozen object and exports frozen defaults', () => {
    expect(Object.isFrozen(resolveClockOptions(undefined, { caller: 'clock' }))).toBe(true);
    expect(Object.isFrozen(DEFAULT_CLOCK_OPTIONS)).toBe(true);
    expect(DEFAULT_CLOCK_OPTIONS).toEqual({
      refreshInterval: 60_000,
      sampleTimeout: 5_000,
      driftRate: 0.0001,
      slewRate: 0.5,
    });
  });

  it.each([
    [{ refreshInterval: 0 }, 'Expected `refreshInterval` to be a positive number of milliseconds'],
    [{ refreshInterval: Infinity }, 'Expected `refreshInterval` to be a positive number of milliseconds'],
    [{ sampleTimeout: -1 }, 'Expected `sampleTimeout` to be a positive number of milliseconds'],
    [{ retryDelay: Number.NaN }, 'Expected `retryDelay` to be a positive number of milliseconds'],
    [{ maxSampleAge: 0 }, 'Expected `maxSampleAge` to be a positive number of milliseconds'],
    [{ driftRate: 2 }, 'Expected `driftRate` to be a number from 0 to 1, got 2.'],
    [{ slewRate: -0.5 }, 'Expected `slewRate` to be a number from 0 to 1, got -0.5.'],
    [{ slewRate: 0 }, 'Expected `slewRate` to be more than 0'],
    [{ tickInterval: 0 }, 'Expected `tickInterval` to be a positive number of milliseconds'],
    [
      { refreshInterval: 100, sampleTimeout: 50, maxSampleAge: 150 },
      'Expected `maxSampleAge` (150) to be more than `refreshInterval + sampleTimeout` (150), or the clock would fail between two good samples.',
    ],
  ])('throws RangeError for %j', (options, message) => {
    expect(() => resolveClockOptions(options, { caller: 'clock' })).toThrow(RangeError);
    expect(() => resolveClockOptions(options, { caller: 'clock' })).toThrow(message);
  });

  it('throws TypeError for options that are not an object', () => {
    expect(() => resolveClockOptions(42 as never, { caller: 'clock' })).toThrow(
      new TypeError('Expected `options` to be an options object, got 42.'),
    );
  });
});
