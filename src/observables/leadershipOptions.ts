import { assertName, assertString } from '../internal/validate.js';
import { DEFAULT_LEASE_OPTIONS, resolveLeaseOptions, type LeaseOptions, type LeaseSettings } from './leaseOptions.js';

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

/** Leadership options with defaults applied and rules checked. */
export interface LeadershipSettings extends LeaseSettings {
  readonly candidate: string | undefined;
  readonly value: string | undefined;
}

/** Applies defaults to {@link LeadershipOptions} and validates them; throws `TypeError`/`RangeError`. */
export function resolveLeadershipOptions(options: LeadershipOptions | undefined): LeadershipSettings {
  const lease = resolveLeaseOptions(options, DEFAULT_LEADERSHIP_OPTIONS.acquireTimeout, 'options');
  const candidate = options?.candidate;
  if (candidate !== undefined) assertName(candidate, 'candidate');
  const value = options?.value;
  if (value !== undefined) assertString(value, 'value');
  return Object.freeze({ ...lease, candidate, value });
}
