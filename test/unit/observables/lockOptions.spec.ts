import { DEFAULT_LOCK_OPTIONS, type LockOptions } from 'rx-sync';
import { resolveLeadershipOptions } from '../../../src/observables/leadershipOptions';
import { resolveLockOptions } from '../../../src/observables/lockOptions';

describe('resolveLockOptions', () => {
  it('applies the lock defaults: acquireTimeout 10 s, wait, no holder name', () => {
    expect(resolveLockOptions(undefined, { caller: 'lock' })).toEqual({
      leaseDuration: 10_000,
      renewInterval: 10_000 / 3,
      driftMargin: 102,
      acquireTimeout: 10_000,
      retryDelay: 50,
      maxRetryDelay: 1_000,
      retryJitter: 0.5,
      fair: true,
      wait: true,
      holder: undefined,
    });
  });

  it('exports frozen defaults', () => {
    expect(DEFAULT_LOCK_OPTIONS).toEqual({
      leaseDuration: 10_000,
      retryDelay: 50,
      maxRetryDelay: 1_000,
      retryJitter: 0.5,
      fair: true,
      acquireTimeout: 10_000,
      wait: true,
    });
    expect(Object.isFrozen(DEFAULT_LOCK_OPTIONS)).toBe(true);
  });

  it('keeps wait and holder, and returns a frozen object', () => {
    const settings = resolveLockOptions({ wait: false, holder: 'node-a', leaseDuration: 600 }, { caller: 'lock' });
    expect(settings).toMatchObject({
      wait: false,
      holder: 'node-a',
      leaseDuration: 600,
      renewInterval: 200,
      driftMargin: 8,
    });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it.each<[string, LockOptions, typeof TypeError | typeof RangeError, RegExp]>([
    [
      'wait as a string',
      { wait: 'yes' as unknown as boolean },
      TypeError,
      /^Expected `wait` to be a boolean, got "yes"\.$/,
    ],
    ['an empty holder', { holder: '' }, TypeError, /^Expected `holder` to be a non-empty string, got ""\.$/],
    ['a holder with a newline', { holder: 'a\nb' }, TypeError, /`holder` to contain no control characters/],
    [
      'a holder that is too long',
      { holder: 'h'.repeat(1025) },
      RangeError,
      /`holder` to be at most 1024 characters.*, got 1025/,
    ],
    ['a bad lease option', { leaseDuration: -1 }, RangeError, /`leaseDuration`/],
  ])('rejects %s, naming the option', (_case, options, errorClass, message) => {
    expect(() => resolveLockOptions(options, { caller: 'lock' })).toThrow(errorClass);
    expect(() => resolveLockOptions(options, { caller: 'lock' })).toThrow(message);
  });

  it.each([null, 'fast', 5, [1]])(
    'rejects options %p that are not an object, naming the argument or the option that holds them',
    (options) => {
      expect(() => resolveLockOptions(options as LockOptions, { caller: 'lock' })).toThrow(TypeError);
      expect(() => resolveLockOptions(options as LockOptions, { caller: 'lock' })).toThrow(/^Expected `options`/);
      expect(() => resolveLeadershipOptions(options as never, { caller: 'schedule', path: 'leadership' })).toThrow(
        /^Expected `leadership`/,
      );
    },
  );
});
