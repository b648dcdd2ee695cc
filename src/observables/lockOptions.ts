import { assertNameWithin } from '../internal/limits.js';
import { DEFAULT_BACKEND_LIMITS, type BackendLimits } from '../limits.js';
import { assertBoolean, assertOptionsObject, optionNames, type OptionsSite } from '../internal/validate.js';
import {
  DEFAULT_LEASE_OPTIONS,
  LEASE_OPTION_NAMES,
  resolveLeaseOptions,
  type LeaseOptions,
  type LeaseSettings,
} from './leaseOptions.js';

/**
 * Options of {@link lock} and {@link withLock}. Every duration is in milliseconds.
 */
export interface LockOptions extends LeaseOptions {
  /** Wait for a busy lock (`true`) or fail at once with `LockBusyError` (`false`). @defaultValue true */
  readonly wait?: boolean;
  /** Public name of this holder, shown to others in `LockBusyError`. @defaultValue `host-pid-n` */
  readonly holder?: string;
}

/** Defaults of {@link LockOptions}. */
export const DEFAULT_LOCK_OPTIONS = Object.freeze({ ...DEFAULT_LEASE_OPTIONS, acquireTimeout: 10_000, wait: true });

/** The names of {@link LockOptions}: any other key is refused. */
export const LOCK_OPTION_NAMES = optionNames<LockOptions>({ ...LEASE_OPTION_NAMES, wait: true, holder: true });

/** Lock options with defaults applied and rules checked. */
export interface LockSettings extends LeaseSettings {
  readonly wait: boolean;
  readonly holder: string | undefined;
}

/**
 * Applies defaults to {@link LockOptions} and validates them, within the backend's `limits` when
 * given; throws `TypeError`/`RangeError`, naming `site.caller` for an unknown key.
 */
export function resolveLockOptions(
  options: LockOptions | undefined,
  site: OptionsSite,
  limits?: BackendLimits,
): LockSettings {
  assertOptionsObject(options, { names: LOCK_OPTION_NAMES, ...site });
  const lease = resolveLeaseOptions(options, DEFAULT_LOCK_OPTIONS.acquireTimeout, limits);
  const wait = options?.wait === undefined ? DEFAULT_LOCK_OPTIONS.wait : options.wait;
  assertBoolean(wait, 'wait');
  const holder = options?.holder;
  if (holder !== undefined) assertNameWithin(limits ?? DEFAULT_BACKEND_LIMITS, holder, 'holder');
  return Object.freeze({ ...lease, wait, holder });
}
