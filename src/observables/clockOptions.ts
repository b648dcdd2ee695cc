import type { ClockSettings } from '../engine/clockEngine.js';
import {
  assertFraction,
  assertOptionsObject,
  assertPositiveDuration,
  MAX_DURATION,
  optionNames,
  type OptionsSite,
} from '../internal/validate.js';

/**
 * Options of {@link clock} and {@link createClock}. Every duration is in milliseconds.
 */
export interface ClockOptions {
  /** Time between two samples of the source while the clock is subscribed. @defaultValue 60_000 */
  readonly refreshInterval?: number;
  /**
   * A sample without an answer after this long fails; the first sample failing errors the stream
   * with `ClockSourceError`. @defaultValue 5_000
   */
  readonly sampleTimeout?: number;
  /** After a failed sample, the next one is taken this long later. @defaultValue `min(5_000, refreshInterval)` */
  readonly retryDelay?: number;
  /**
   * When no sample has succeeded for this long (samples keep failing), the stream errors with
   * `ClockSourceError`; until then readings carry the last good offset with a growing
   * uncertainty. More than `refreshInterval + sampleTimeout`. @defaultValue `3 × refreshInterval + sampleTimeout`
   */
  readonly maxSampleAge?: number;
  /**
   * Largest rate at which the local clock may drift from the source's, as a fraction: `0.0001` is
   * 100 ppm, 0.1 ms per second. Uncertainty grows by it from each sample on. @defaultValue 0.0001
   */
  readonly driftRate?: number;
  /**
   * How fast a backward correction is absorbed, as a fraction of the local clock's rate: while
   * slewing, synchronized time advances at `1 - slewRate` of the local rate (at `0.5`, a 3 s
   * correction takes 6 s). `1` holds time still until the new offset is reached. More than 0, at
   * most 1. @defaultValue 0.5
   */
  readonly slewRate?: number;
  /**
   * Also emit a reading this often between samples (a clock that ticks). Without it, the clock
   * emits one reading per sample, and `reading.now()` gives the time in between. @defaultValue none
   */
  readonly tickInterval?: number;
}

/** The names of {@link ClockOptions}: any other key is refused. */
const CLOCK_OPTION_NAMES = optionNames<ClockOptions>({
  refreshInterval: true,
  sampleTimeout: true,
  retryDelay: true,
  maxSampleAge: true,
  driftRate: true,
  slewRate: true,
  tickInterval: true,
});

/** Defaults of {@link ClockOptions}; `retryDelay` and `maxSampleAge` follow `refreshInterval`. */
export const DEFAULT_CLOCK_OPTIONS = Object.freeze({
  refreshInterval: 60_000,
  sampleTimeout: 5_000,
  driftRate: 0.0001,
  slewRate: 0.5,
});

/**
 * Applies defaults to {@link ClockOptions} and checks every value and cross-field rule; throws
 * `TypeError` or `RangeError` naming the option, and `site.caller` for an unknown key.
 */
export function resolveClockOptions(options: ClockOptions | undefined, site: OptionsSite): ClockSettings {
  assertOptionsObject(options, { names: CLOCK_OPTION_NAMES, ...site });
  const {
    refreshInterval = DEFAULT_CLOCK_OPTIONS.refreshInterval,
    sampleTimeout = DEFAULT_CLOCK_OPTIONS.sampleTimeout,
    driftRate = DEFAULT_CLOCK_OPTIONS.driftRate,
    slewRate = DEFAULT_CLOCK_OPTIONS.slewRate,
    tickInterval,
  } = options ?? {};
  assertPositiveDuration(refreshInterval, 'refreshInterval');
  assertPositiveDuration(sampleTimeout, 'sampleTimeout');
  const retryDelay = options?.retryDelay === undefined ? Math.min(5_000, refreshInterval) : options.retryDelay;
  const maxSampleAge =
    options?.maxSampleAge === undefined
      ? Math.min(3 * refreshInterval + sampleTimeout, MAX_DURATION)
      : options.maxSampleAge;
  assertPositiveDuration(retryDelay, 'retryDelay');
  assertPositiveDuration(maxSampleAge, 'maxSampleAge');
  assertFraction(driftRate, 'driftRate');
  assertFraction(slewRate, 'slewRate');
  if (slewRate === 0) {
    throw new RangeError('Expected `slewRate` to be more than 0 (at 0 a backward correction would never be absorbed).');
  }
  if (tickInterval !== undefined) assertPositiveDuration(tickInterval, 'tickInterval');
  if (maxSampleAge <= refreshInterval + sampleTimeout) {
    throw new RangeError(
      `Expected \`maxSampleAge\` (${maxSampleAge}) to be more than \`refreshInterval + sampleTimeout\` (${refreshInterval + sampleTimeout}), or the clock would fail between two good samples.`,
    );
  }
  return Object.freeze({ refreshInterval, sampleTimeout, retryDelay, maxSampleAge, driftRate, slewRate, tickInterval });
}
