import { MAX_DURATION } from './internal/validate.js';

/**
 * What a backend accepts: how long a name, how large a value and how long a lease may be. Every
 * rx-sync function checks its arguments against its backend's limits when it is called, and the
 * backend's own methods check them again, so an oversized request fails at once, with a
 * `RangeError` naming the argument and the limit, and never reaches the backend.
 *
 * @remarks
 * Names are keys, groups, store prefixes, task names, idempotency keys and the public names of
 * holders, candidates and workers; a task id may be up to 32 characters longer than a task name
 * (the backend adds a number). Values are store values, leadership values, task inputs, results
 * and progress values (as JSON text) and task error messages.
 *
 * @example
 * ```ts
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend({ limits: { maxValueSize: 64 * 1024 } });
 * console.log(backend.limits.maxValueSize); // 65536
 * console.log(backend.limits.maxNameLength); // 1024, the default
 * ```
 */
export interface BackendLimits {
  /** Longest name, in UTF-16 code units (JavaScript's `length`). */
  readonly maxNameLength: number;
  /** Largest value, in bytes of UTF-8. */
  readonly maxValueSize: number;
  /** Shortest `leaseDuration` of a lock, a leadership or a worker's claim, in milliseconds. */
  readonly minLeaseDuration: number;
  /** Longest `leaseDuration` of a lock, a leadership or a worker's claim, in milliseconds. */
  readonly maxLeaseDuration: number;
}

/**
 * The `limits` option of `createMemoryBackend`, `createTestBackend` and `createRedisBackend`; see
 * {@link BackendLimits}. What it leaves out keeps its default ({@link DEFAULT_BACKEND_LIMITS}).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createRedisBackend } from 'rx-sync/redis';
 *
 * // Names of up to 200 characters, values of up to 1 MiB, leases of at least a second.
 * const backend = createRedisBackend({
 *   client: new Redis('redis://127.0.0.1:6379'),
 *   limits: { maxNameLength: 200, maxValueSize: 1024 * 1024, minLeaseDuration: 1_000 },
 * });
 * ```
 */
export interface BackendLimitsOptions {
  /**
   * Longest name (key, group, prefix, task name, idempotency key, holder, candidate or worker
   * name), in UTF-16 code units; from 128 to 65_536. @defaultValue 1_024
   */
  readonly maxNameLength?: number;
  /**
   * Largest value (store value, leadership value, task input, result or progress value as JSON
   * text, task error message), in bytes of UTF-8; from 1_024 to 536_870_912 (Redis's 512 MB).
   * @defaultValue 524_288 (512 KiB)
   */
  readonly maxValueSize?: number;
  /** Shortest `leaseDuration` accepted, in milliseconds. @defaultValue 10 */
  readonly minLeaseDuration?: number;
  /** Longest `leaseDuration` accepted, in milliseconds; at most 2^31 − 1 (about 24.8 days). @defaultValue 2_147_483_647 */
  readonly maxLeaseDuration?: number;
}

/**
 * Defaults of {@link BackendLimitsOptions}, the same for every backend: names of up to 1_024
 * characters, values of up to 512 KiB, lease durations from 10 ms to 2^31 − 1 ms.
 *
 * @remarks
 * 512 KiB and not Redis's 512 MB: every store write is published, value included, to every
 * process that watches the store, and Redis disconnects a subscriber whose pending output passes
 * `client-output-buffer-limit pubsub` (32 MB, or 8 MB for 60 s, by default); a large value also
 * holds up Redis, which runs one command at a time. Consul's KV store has the same limit.
 *
 * @example
 * ```ts
 * import { DEFAULT_BACKEND_LIMITS } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend({ limits: { maxValueSize: 2 * DEFAULT_BACKEND_LIMITS.maxValueSize } });
 * console.log(backend.limits.maxValueSize); // 1048576
 * ```
 */
export const DEFAULT_BACKEND_LIMITS: BackendLimits = Object.freeze({
  maxNameLength: 1_024,
  maxValueSize: 512 * 1024,
  minLeaseDuration: 10,
  maxLeaseDuration: MAX_DURATION,
});
