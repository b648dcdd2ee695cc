import { DEFAULT_SUBMIT_OPTIONS, DEFAULT_WORKER_OPTIONS } from 'rx-sync';
import { resolveSubmitOptions } from '../../../src/observables/submitOptions.js';
import { resolveWorkerOptions } from '../../../src/observables/workerOptions.js';

describe('resolveSubmitOptions', () => {
  it('applies the frozen defaults', () => {
    const settings = resolveSubmitOptions(undefined, { caller: 'submit' });
    expect(settings).toEqual({
      policy: { attempts: 3, retryDelay: 1_000, maxRetryDelay: 60_000, retryJitter: 0.5, timeout: Infinity },
      idempotencyKey: undefined,
      retention: DEFAULT_SUBMIT_OPTIONS.retention,
      knownTasks: undefined,
      cancelOnUnsubscribe: true,
    });
    expect(Object.isFrozen(settings)).toBe(true);
    expect(Object.isFrozen(settings.policy)).toBe(true);
    expect(Object.isFrozen(DEFAULT_SUBMIT_OPTIONS)).toBe(true);
  });

  it('raises maxRetryDelay to retryDelay when only retryDelay is given', () => {
    expect(resolveSubmitOptions({ retryDelay: 120_000 }, { caller: 'submit' }).policy.maxRetryDelay).toBe(120_000);
  });

  it.each([
    [{ attempts: 0 }, RangeError, 'Expected `attempts` to be a positive integer, got 0.'],
    [{ attempts: 1.5 }, RangeError, '`attempts`'],
    [{ retryDelay: -1 }, RangeError, '`retryDelay`'],
    [
      { retryDelay: 10, maxRetryDelay: 5 },
      RangeError,
      'Expected `maxRetryDelay` (5) to be at least `retryDelay` (10).',
    ],
    [{ retryJitter: 2 }, RangeError, '`retryJitter`'],
    [{ timeout: 0 }, RangeError, '`timeout`'],
    [{ retention: 0 }, RangeError, '`retention`'],
    [{ idempotencyKey: '' }, TypeError, '`idempotencyKey`'],
    [{ knownTasks: 'a' }, TypeError, '`knownTasks`'],
    [{ knownTasks: [''] }, TypeError, '`knownTasks[]`'],
    [{ cancelOnUnsubscribe: 'yes' }, TypeError, '`cancelOnUnsubscribe`'],
  ])('rejects %j', (options, type, message) => {
    expect(() => resolveSubmitOptions(options as never, { caller: 'submit' })).toThrow(type);
    expect(() => resolveSubmitOptions(options as never, { caller: 'submit' })).toThrow(message);
  });

  it('accepts an infinite timeout and a list of known tasks', () => {
    const settings = resolveSubmitOptions(
      { timeout: Infinity, knownTasks: ['a', 'b'], attempts: 1 },
      { caller: 'submit' },
    );
    expect(settings.knownTasks).toEqual(['a', 'b']);
    expect(settings.policy.attempts).toBe(1);
  });
});

describe('resolveWorkerOptions', () => {
  it('applies the frozen defaults', () => {
    expect(resolveWorkerOptions(undefined, { caller: 'worker' })).toEqual({
      concurrency: 1,
      name: undefined,
      leaseDuration: 30_000,
      renewInterval: 10_000,
      driftMargin: 302,
      pollInterval: 1_000,
      gracePeriod: 10_000,
    });
    expect(Object.isFrozen(DEFAULT_WORKER_OPTIONS)).toBe(true);
  });

  it.each([
    [{ concurrency: 0 }, RangeError, '`concurrency`'],
    [{ leaseDuration: 0 }, RangeError, '`leaseDuration`'],
    [{ leaseDuration: 100, driftMargin: 100 }, RangeError, 'to be less than `leaseDuration` (100)'],
    [{ leaseDuration: 100, renewInterval: 99 }, RangeError, 'or the lease would lapse between renewals'],
    [{ pollInterval: 0 }, RangeError, '`pollInterval`'],
    [{ gracePeriod: -1 }, RangeError, '`gracePeriod`'],
    [{ name: '' }, TypeError, '`name`'],
    ['fast', TypeError, '`options`'],
  ])('rejects %j', (options, type, message) => {
    expect(() => resolveWorkerOptions(options as never, { caller: 'worker' })).toThrow(type);
    expect(() => resolveWorkerOptions(options as never, { caller: 'worker' })).toThrow(message);
  });
});
