import type { LeaseSettings } from '../engine/leaseEngine.js';
import { resolveLeaseTiming } from '../engine/leaseTiming.js';
import type { BackendLimits } from '../limits.js';
import {
  assertBoolean,
  assertFraction,
  assertPositiveDuration,
  assertTimeout,
  optionNames,
} from '../internal/validate.js';

/**
 * Timing of a lease, shared by {@link lock} and {@link leadership}. Every duration is in
 * milliseconds.
 */
export interface LeaseOptions {
  /**
   * How long the backend keeps the lease without a renewal; within the backend's
   * `limits.minLeaseDuration` and `limits.maxLeaseDuration`. @defaultValue 10_000 (moved into those
   * limits when they exclude it)
   */
  readonly leaseDuration?: number;
  /** How often the holder renews; shorter than `leaseDuration - driftMargin`. @defaultValue `leaseDuration / 3` */
  readonly renewInterval?: number;
  /**
   * Safety margin for clock drift between this process and the backend: the holder gives the lease
   * up this long before the backend could let it lapse. @defaultValue `Math.floor(leaseDuration / 100) + 2`
   */
  readonly driftMargin?: number;
  /** Give up acquiring after this long with `LockTimeoutError`; `Infinity` waits for ever. */
  readonly acquireTimeout?: number;
  /** First delay between two acquisition attempts; it doubles up to `maxRetryDelay`. @defaultValue 50 */
  readonly retryDelay?: number;
  /** Longest delay between two acquisition attempts. @defaultValue 1_000 */
  readonly maxRetryDelay?: number;
  /**
   * Fraction of each retry delay taken off at random, so contenders spread out; `0` makes retries
   * deterministic (marble tests). @defaultValue 0.5
   */
  readonly retryJitter?: number;
  /**
   * Wait in line: contenders that wait get the lease in the order they first asked for it, in
   * every process, each woken by the release before it (a waiter that dies loses its place within
   * `min(leaseDuration, 3 × maxRetryDelay)`). `false` polls and takes the lease when it finds it
   * free, even when others wait in line. @defaultValue true
   */
  readonly fair?: boolean;
}

/** The names of {@link LeaseOptions}, which lock and leadership options extend. */
export const LEASE_OPTION_NAMES = optionNames<LeaseOptions>({
  leaseDuration: true,
  renewInterval: true,
  driftMargin: true,
  acquireTimeout: true,
  retryDelay: true,
  maxRetryDelay: true,
  retryJitter: true,
  fair: true,
});

/** Lease options with every default applied and every rule checked (the engine's {@link LeaseSettings}). */
export type { LeaseSettings };

/** Defaults shared by locks and leadership; `acquireTimeout` differs and is given by each. */
export const DEFAULT_LEASE_OPTIONS = Object.freeze({
  leaseDuration: 10_000,
  retryDelay: 50,
  maxRetryDelay: 1_000,
  retryJitter: 0.5,
  fair: true,
});

/**
 * Applies defaults and checks every value and cross-field rule; throws `TypeError` or
 * `RangeError` naming the option. With a backend's `limits`, `leaseDuration` must be within its
 * lease bounds (the default is moved into them). The options object itself (its type, its keys)
 * is checked by the caller, whose options extend these.
 */
export function resolveLeaseOptions(
  options: LeaseOptions | undefined,
  defaultAcquireTimeout: number,
  limits?: BackendLimits,
): LeaseSettings {
  const {
    acquireTimeout = defaultAcquireTimeout,
    retryDelay = DEFAULT_LEASE_OPTIONS.retryDelay,
    maxRetryDelay = DEFAULT_LEASE_OPTIONS.maxRetryDelay,
    retryJitter = DEFAULT_LEASE_OPTIONS.retryJitter,
    fair = DEFAULT_LEASE_OPTIONS.fair,
  } = options ?? {};
  const timing = resolveLeaseTiming(options, DEFAULT_LEASE_OPTIONS.leaseDuration, limits);
  assertTimeout(acquireTimeout, 'acquireTimeout');
  assertPositiveDuration(retryDelay, 'retryDelay');
  assertPositiveDuration(maxRetryDelay, 'maxRetryDelay');
  assertFraction(retryJitter, 'retryJitter');
  assertBoolean(fair, 'fair');
  if (maxRetryDelay < retryDelay) {
    throw new RangeError(
      `Expected \`maxRetryDelay\` (${maxRetryDelay}) to be at least \`retryDelay\` (${retryDelay}).`,
    );
  }
  return Object.freeze({ ...timing, acquireTimeout, retryDelay, maxRetryDelay, retryJitter, fair });
}
