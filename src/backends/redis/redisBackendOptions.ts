import type { Redis } from 'ioredis';
import { assertName, assertOptionsObject, assertPositiveDuration } from '../../internal/validate.js';
import type { RedisClient } from './redisScript.js';

/**
 * Options of {@link createRedisBackend}. Every duration is in milliseconds.
 */
export interface RedisBackendOptions {
  /**
   * The ioredis client (a `Redis`, a Sentinel-managed `Redis` or a `Cluster`) for the store, the
   * pub/sub notifications and, without `quorum`, the leases. rx-sync never closes it; it makes one
   * `duplicate()` of it for pub/sub, closed by `close()` or when this client ends.
   */
  readonly client: RedisClient;
  /**
   * Independent Redis masters (3 or 5, say) for locks and leadership by the Redlock quorum: a
   * lease is held when a majority granted it. Leave out for a single instance.
   */
  readonly quorum?: readonly Redis[];
  /** Namespace of every key and channel rx-sync uses. @defaultValue 'rx-sync' */
  readonly prefix?: string;
  /** A request without a reply after this long fails with `BackendUnavailableError`. @defaultValue 5_000 */
  readonly requestTimeout?: number;
  /**
   * How long version and fencing-token counters outlive their item or lease, so that a key deleted
   * and written again within this time continues its versions exactly (beyond it, versions and
   * tokens continue from the server clock). @defaultValue 604_800_000 (7 days)
   */
  readonly counterLifetime?: number;
  /** Longest pause of the expiry sweeper that announces `expired` items while someone watches. @defaultValue 1_000 */
  readonly expiryCheckInterval?: number;
}

/** Defaults of {@link RedisBackendOptions}. */
export const DEFAULT_REDIS_BACKEND_OPTIONS = Object.freeze({
  prefix: 'rx-sync',
  requestTimeout: 5_000,
  counterLifetime: 7 * 24 * 60 * 60 * 1000,
  expiryCheckInterval: 1_000,
});

/** Redis backend options with defaults applied and checked. */
export interface RedisBackendSettings {
  readonly client: RedisClient;
  readonly quorum: readonly Redis[] | undefined;
  readonly prefix: string;
  readonly requestTimeout: number;
  readonly counterLifetime: number;
  readonly expiryCheckInterval: number;
}

/** Applies defaults to {@link RedisBackendOptions} and validates them; throws `TypeError`/`RangeError`. */
export function resolveRedisBackendOptions(options: RedisBackendOptions): RedisBackendSettings {
  assertOptionsObject(options, 'options');
  if (options === undefined) throw new TypeError('Expected `options` with a `client` (an ioredis Redis or Cluster).');
  const {
    client,
    quorum,
    prefix = DEFAULT_REDIS_BACKEND_OPTIONS.prefix,
    requestTimeout = DEFAULT_REDIS_BACKEND_OPTIONS.requestTimeout,
    counterLifetime = DEFAULT_REDIS_BACKEND_OPTIONS.counterLifetime,
    expiryCheckInterval = DEFAULT_REDIS_BACKEND_OPTIONS.expiryCheckInterval,
  } = options;
  assertClient(client, 'client');
  if (quorum !== undefined) {
    if (!Array.isArray(quorum) || quorum.length < 2) {
      throw new TypeError(
        'Expected `quorum` to be an array of at least 2 ioredis clients (3 or 5 independent masters).',
      );
    }
    quorum.forEach((member, index) => assertClient(member, `quorum[${index}]`));
    if (new Set(quorum).size !== quorum.length) throw new TypeError('Expected the clients of `quorum` to be distinct.');
  }
  assertName(prefix, 'prefix');
  if (/[{}]/.test(prefix))
    throw new TypeError(
      `Expected \`prefix\` to contain no braces (they make Redis hash tags), got ${JSON.stringify(prefix)}.`,
    );
  assertPositiveDuration(requestTimeout, 'requestTimeout');
  assertPositiveDuration(counterLifetime, 'counterLifetime');
  assertPositiveDuration(expiryCheckInterval, 'expiryCheckInterval');
  return Object.freeze({
    client,
    quorum: quorum && Object.freeze([...(quorum as readonly Redis[])]),
    prefix,
    requestTimeout,
    counterLifetime,
    expiryCheckInterval,
  });
}

function assertClient(value: unknown, what: string): void {
  const candidate = value as Partial<Record<'defineCommand' | 'duplicate' | 'publish', unknown>> | null;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof candidate?.defineCommand !== 'function' ||
    typeof candidate.duplicate !== 'function' ||
    typeof candidate.publish !== 'function'
  ) {
    throw new TypeError(`Expected \`${what}\` to be an ioredis Redis or Cluster client.`);
  }
}
