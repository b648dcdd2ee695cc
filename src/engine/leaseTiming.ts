import { assertLeaseDurationWithin, clampLeaseDuration } from '../internal/limits.js';
import { type BackendLimits } from '../limits.js';
import { assertDuration, assertPositiveDuration } from '../internal/validate.js';

/**
 * How a held lease is kept alive: the timing that locks, leadership and task claims share (the
 * renewal primitive runs on it). Every duration is in ms.
 */
export interface LeaseTiming {
  /** How long the backend keeps the lease without a renewal. */
  readonly leaseDuration: number;
  /** How often the holder renews, after the last confirmed renewal. */
  readonly renewInterval: number;
  /** The holder gives the lease up this long before the backend could let it lapse. */
  readonly driftMargin: number;
}

/** The lease timing options a user may give (each primitive's options include them). */
export interface LeaseTimingOptions {
  readonly leaseDuration?: number;
  readonly renewInterval?: number;
  readonly driftMargin?: number;
}

/**
 * Applies the defaults of the lease timing (`renewInterval` a third of `leaseDuration`,
 * `driftMargin` 1 % of it plus 2 ms) and checks every value and rule; throws `RangeError` naming
 * the option. `leaseDuration` defaults to `defaultLeaseDuration` moved into the backend's `limits`,
 * and must be within them.
 */
export function resolveLeaseTiming(
  options: LeaseTimingOptions | undefined,
  defaultLeaseDuration: number,
  limits?: BackendLimits,
): LeaseTiming {
  // Defaults for `undefined` only: a `null` is a mistake to report, not a wish for the default.
  const { leaseDuration = limits ? clampLeaseDuration(limits, defaultLeaseDuration) : defaultLeaseDuration } =
    options ?? {};
  if (limits) assertLeaseDurationWithin(limits, leaseDuration, 'leaseDuration');
  else assertPositiveDuration(leaseDuration, 'leaseDuration');
  const { renewInterval = leaseDuration / 3, driftMargin = Math.floor(leaseDuration / 100) + 2 } = options ?? {};
  assertPositiveDuration(renewInterval, 'renewInterval');
  assertDuration(driftMargin, 'driftMargin');
  if (driftMargin >= leaseDuration) {
    throw new RangeError(
      `Expected \`driftMargin\` (${driftMargin}) to be less than \`leaseDuration\` (${leaseDuration}).`,
    );
  }
  if (renewInterval >= leaseDuration - driftMargin) {
    throw new RangeError(
      `Expected \`renewInterval\` (${renewInterval}) to be less than \`leaseDuration - driftMargin\` (${leaseDuration - driftMargin}), or the lease would lapse between renewals.`,
    );
  }
  return Object.freeze({ leaseDuration, renewInterval, driftMargin });
}
