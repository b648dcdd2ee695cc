import { assertNameWithin, assertValueWithin } from '../internal/limits.js';
import { DEFAULT_BACKEND_LIMITS, type BackendLimits } from '../limits.js';
import { assertOptionsObject, optionNames, type OptionsSite } from '../internal/validate.js';
import {
  DEFAULT_LEASE_OPTIONS,
  LEASE_OPTION_NAMES,
  resolveLeaseOptions,
  type LeaseOptions,
  type LeaseSettings,
} from './leaseOptions.js';

/**
 * Options of {@link leadership}. Every duration is in milliseconds.
 */
export interface LeadershipOptions extends LeaseOptions {
  /** Public id of this candidate, shown to everyone by {@link leader}. @defaultValue `host-pid-n` */
  readonly candidate?: string;
  /** Public value published with the leadership while this candidate leads (an address, say). */
  readonly value?: string;
}

/** Defaults of {@link LeadershipOptions}: a campaign waits for ever unless `acquireTimeout` is set. */
export const DEFAULT_LEADERSHIP_OPTIONS = Object.freeze({ ...DEFAULT_LEASE_OPTIONS, acquireTimeout: Infinity });

/** The names of {@link LeadershipOptions}: any other key is refused. */
export const LEADERSHIP_OPTION_NAMES = optionNames<LeadershipOptions>({
  ...LEASE_OPTION_NAMES,
  candidate: true,
  value: true,
});

/** Leadership options with defaults applied and rules checked. */
export interface LeadershipSettings extends LeaseSettings {
  readonly candidate: string | undefined;
  readonly value: string | undefined;
}

/**
 * Applies defaults to {@link LeadershipOptions} and validates them, within the backend's `limits`
 * when given; throws `TypeError`/`RangeError`, naming `site.caller` for an unknown key.
 */
export function resolveLeadershipOptions(
  options: LeadershipOptions | undefined,
  site: OptionsSite,
  limits?: BackendLimits,
): LeadershipSettings {
  assertOptionsObject(options, { names: LEADERSHIP_OPTION_NAMES, ...site });
  const lease = resolveLeaseOptions(options, DEFAULT_LEADERSHIP_OPTIONS.acquireTimeout, limits);
  const candidate = options?.candidate;
  if (candidate !== undefined) assertNameWithin(limits ?? DEFAULT_BACKEND_LIMITS, candidate, 'candidate');
  const value = options?.value;
  if (value !== undefined) assertValueWithin(limits ?? DEFAULT_BACKEND_LIMITS, value, 'value');
  return Object.freeze({ ...lease, candidate, value });
}
