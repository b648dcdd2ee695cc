import { DEFAULT_LEADERSHIP_OPTIONS, type LeadershipOptions } from 'rx-sync';
import { resolveLeadershipOptions } from '../../../src/observables/leadershipOptions';

describe('resolveLeadershipOptions', () => {
  it('applies the leadership defaults: a campaign waits for ever', () => {
    expect(resolveLeadershipOptions(undefined, { caller: 'leadership' })).toEqual({
      leaseDuration: 10_000,
      renewInterval: 10_000 / 3,
      driftMargin: 102,
      acquireTimeout: Infinity,
      retryDelay: 50,
      maxRetryDelay: 1_000,
      retryJitter: 0.5,
      fair: true,
      candidate: undefined,
      value: undefined,
    });
  });

  it('exports frozen defaults', () => {
    expect(DEFAULT_LEADERSHIP_OPTIONS).toEqual({
      leaseDuration: 10_000,
      retryDelay: 50,
      maxRetryDelay: 1_000,
      retryJitter: 0.5,
      fair: true,
      acquireTimeout: Infinity,
    });
    expect(Object.isFrozen(DEFAULT_LEADERSHIP_OPTIONS)).toBe(true);
  });

  it('keeps candidate, value (the empty string too) and a finite acquireTimeout; returns a frozen object', () => {
    const settings = resolveLeadershipOptions(
      { candidate: 'node-a', value: '', acquireTimeout: 500 },
      { caller: 'leadership' },
    );
    expect(settings).toMatchObject({ candidate: 'node-a', value: '', acquireTimeout: 500 });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it.each<[string, LeadershipOptions, typeof TypeError | typeof RangeError, RegExp]>([
    ['an empty candidate', { candidate: '' }, TypeError, /^Expected `candidate` to be a non-empty string, got ""\.$/],
    ['a candidate that is not a string', { candidate: 7 as unknown as string }, TypeError, /`candidate`.*got 7/],
    [
      'a value that is not a string',
      { value: {} as unknown as string },
      TypeError,
      /^Expected `value` to be a string, got an object\.$/,
    ],
    ['a bad lease option', { renewInterval: 0 }, RangeError, /`renewInterval`/],
    ['options that are not an object', 'x' as unknown as LeadershipOptions, TypeError, /`options`/],
  ])('rejects %s, naming the option', (_case, options, errorClass, message) => {
    expect(() => resolveLeadershipOptions(options, { caller: 'leadership' })).toThrow(errorClass);
    expect(() => resolveLeadershipOptions(options, { caller: 'leadership' })).toThrow(message);
  });
});
