import { resolveBackendLimits } from '../../internal/limits.js';
import { type BackendLimits, type BackendLimitsOptions } from '../../limits.js';
import { assertOptionsObject, optionNames } from '../../internal/validate.js';

/**
 * Options of {@link createMemoryBackend} (and of `createTestBackend`).
 *
 * @example
 * ```ts
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend({ limits: { maxNameLength: 256 } });
 * backend.get('k'.repeat(257)); // RangeError: Expected `key` to be at most 256 characters (the backend's `limits.maxNameLength`), got 257.
 * ```
 */
export interface MemoryBackendOptions {
  /**
   * What the backend accepts: name length, value size, lease bounds; see {@link BackendLimitsOptions}.
   * The defaults are those of the Redis backend, so that code tested on memory meets the same
   * limits in production. @defaultValue `DEFAULT_BACKEND_LIMITS`
   */
  readonly limits?: BackendLimitsOptions;
}

/** Memory backend options with defaults applied and checked. */
export interface MemoryBackendSettings {
  readonly limits: BackendLimits;
}

/** The names of {@link MemoryBackendOptions}: any other key is refused. */
const MEMORY_BACKEND_OPTION_NAMES = optionNames<MemoryBackendOptions>({ limits: true });

/**
 * Applies defaults to {@link MemoryBackendOptions} and validates them; throws `TypeError`/`RangeError`,
 * naming `caller` (`createMemoryBackend`, `createTestBackend`) for an unknown key.
 */
export function resolveMemoryBackendOptions(
  options: MemoryBackendOptions | undefined,
  caller: string,
): MemoryBackendSettings {
  assertOptionsObject(options, { names: MEMORY_BACKEND_OPTION_NAMES, caller });
  return Object.freeze({ limits: resolveBackendLimits(options?.limits, caller) });
}
