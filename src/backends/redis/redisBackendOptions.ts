import type { Redis } from 'ioredis';
import { resolveBackendLimits } from '../../internal/limits.js';
import { DEFAULT_BACKEND_LIMITS, type BackendLimits, type BackendLimitsOptions } from '../../limits.js';
import {
  assertDuration,
  assertName,
  assertOptionsObject,
  assertPositiveDuration,
  optionNames,
  show,
} from '../../internal/validate.js';
import type { RedisClient } from './redisScript.js';
import type { ReplicaAcknowledgementSettings } from './replicaAcknowledgement.js';

/**
 * How many replicas must acknowledge a lease grant or renewal, and how long to wait for them (see
 * {@link RedisBackendOptions.replicaAcknowledgement}).
 */
export interface ReplicaAcknowledgementOptions {
  /** How many replicas must have received the write (`WAIT`'s first argument). @defaultValue 1 */
  readonly replicas?: number;
  /**
   * How long the master waits for them, in ms (`WAIT`'s timeout). `WAIT` holds up the connection
   * it runs on (not the server): while replicas lag, the client's other requests queue behind it
   * for up to this long. Shorter than `requestTimeout`. @defaultValue 50
   */
  readonly timeout?: number;
}

/**
 * Options of {@link createRedisBackend}. Every duration is in milliseconds.
 */
export interface RedisBackendOptions {
  /**
   * The ioredis client (a `Redis`, a Sentinel-managed `Redis` or a `Cluster`) for the store, the
   * pub/sub notifications and, without `quorum`, the leases. rx-sync never closes it; it makes one
   * `duplicate()` of it for pub/sub, closed by `close()` or when this client ends. On a `Cluster`,
   * notifications use sharded pub/sub (`SPUBLISH`, `SSUBSCRIBE`: Redis 7 or newer), and the
   * duplicate gets `shardedSubscribers: true` (one subscriber connection per master). Recommended:
   * `failoverDetector: true` for Sentinel, `retryDelayOnFailover` (e.g. 200) for a Cluster.
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
  /**
   * How long a pub/sub channel stays subscribed after its last watcher left, in ms. A watcher that
   * comes back within it (the next `submit()` of a name, a `keyValue` watched briefly and
   * repeatedly) takes the subscription over with no SUBSCRIBE round trip, and its requests wait
   * for none; after it, the channel is unsubscribed. Messages of the meantime are dropped. A
   * reconnect and `close()` end every linger at once. 0 unsubscribes when the last watcher leaves.
   * @defaultValue 1_000
   */
  readonly channelLinger?: number;
  /**
   * Makes a lease grant or renewal, and a task's enqueue or completion, count only once this many
   * replicas of the master received it
   * (`WAIT replicas timeout`, on the same connection right after the script). Redis replicates
   * asynchronously: without it, a master that fails right after a grant can hand the lease, through
   * its promoted replica, to a second holder while the first still believes it holds it. With it,
   * an unacknowledged grant is released at once and the attempt fails with
   * `BackendUnavailableError` (transient); an unacknowledged renewal fails the same way and is
   * retried until the validity deadline. Costs a replication round trip per grant and renewal
   * (see the README's "Scaling out"). An unacknowledged enqueue fails the same way (the task may
   * still run: resubmit with the same idempotency key). Fencing tokens do not depend on it: after a failover they
   * continue from the new master's clock. For `client`'s leases (a master with replicas, Sentinel, Cluster); not
   * with `quorum`, whose masters are independent. Leave out to not wait (the default).
   */
  readonly replicaAcknowledgement?: ReplicaAcknowledgementOptions;
  /**
   * What the backend accepts: name length, value size, lease bounds; see {@link BackendLimitsOptions}.
   * Every request is checked against them when it is made, before anything is sent to Redis.
   * @defaultValue `DEFAULT_BACKEND_LIMITS` (names up to 1_024 characters, values up to 512 KiB, leases from 10 ms)
   */
  readonly limits?: BackendLimitsOptions;
}

/** Defaults of {@link ReplicaAcknowledgementOptions}. */
export const DEFAULT_REPLICA_ACKNOWLEDGEMENT_OPTIONS = Object.freeze({ replicas: 1, timeout: 50 });

/** Defaults of {@link RedisBackendOptions}. */
export const DEFAULT_REDIS_BACKEND_OPTIONS = Object.freeze({
  prefix: 'rx-sync',
  requestTimeout: 5_000,
  counterLifetime: 7 * 24 * 60 * 60 * 1000,
  expiryCheckInterval: 1_000,
  channelLinger: 1_000,
});

/** The names of {@link RedisBackendOptions}: any other key is refused. */
const REDIS_BACKEND_OPTION_NAMES = optionNames<RedisBackendOptions>({
  client: true,
  quorum: true,
  prefix: true,
  requestTimeout: true,
  counterLifetime: true,
  expiryCheckInterval: true,
  channelLinger: true,
  replicaAcknowledgement: true,
  limits: true,
});

/** The names of {@link ReplicaAcknowledgementOptions}: any other key is refused. */
const REPLICA_ACKNOWLEDGEMENT_OPTION_NAMES = optionNames<ReplicaAcknowledgementOptions>({
  replicas: true,
  timeout: true,
});

/** Redis backend options with defaults applied and checked. */
export interface RedisBackendSettings {
  readonly client: RedisClient;
  readonly quorum: readonly Redis[] | undefined;
  readonly prefix: string;
  readonly requestTimeout: number;
  readonly counterLifetime: number;
  readonly expiryCheckInterval: number;
  readonly channelLinger: number;
  readonly replicaAcknowledgement: ReplicaAcknowledgementSettings | undefined;
  readonly limits: BackendLimits;
}

/** Applies defaults to {@link RedisBackendOptions} and validates them; throws `TypeError`/`RangeError`. */
export function resolveRedisBackendOptions(options: RedisBackendOptions): RedisBackendSettings {
  assertOptionsObject(options, { names: REDIS_BACKEND_OPTION_NAMES, caller: 'createRedisBackend' });
  if (options === undefined) throw new TypeError('Expected `options` with a `client` (an ioredis Redis or Cluster).');
  const {
    client,
    quorum,
    prefix = DEFAULT_REDIS_BACKEND_OPTIONS.prefix,
    requestTimeout = DEFAULT_REDIS_BACKEND_OPTIONS.requestTimeout,
    counterLifetime = DEFAULT_REDIS_BACKEND_OPTIONS.counterLifetime,
    expiryCheckInterval = DEFAULT_REDIS_BACKEND_OPTIONS.expiryCheckInterval,
    channelLinger = DEFAULT_REDIS_BACKEND_OPTIONS.channelLinger,
    replicaAcknowledgement,
  } = options;
  assertClient(client, 'client');
  const limits = resolveBackendLimits(options.limits, 'createRedisBackend');
  if (quorum !== undefined) {
    if (!Array.isArray(quorum) || quorum.length < 2) {
      throw new TypeError(
        'Expected `quorum` to be an array of at least 2 ioredis clients (3 or 5 independent masters).',
      );
    }
    quorum.forEach((member, index) => assertClient(member, `quorum[${index}]`));
    if (new Set(quorum).size !== quorum.length) throw new TypeError('Expected the clients of `quorum` to be distinct.');
  }
  assertName(prefix, 'prefix', DEFAULT_BACKEND_LIMITS.maxNameLength);
  if (/[{}]/.test(prefix))
    throw new TypeError(`Expected \`prefix\` to contain no braces (they make Redis hash tags), got ${show(prefix)}.`);
  assertPositiveDuration(requestTimeout, 'requestTimeout');
  assertPositiveDuration(counterLifetime, 'counterLifetime');
  assertPositiveDuration(expiryCheckInterval, 'expiryCheckInterval');
  assertDuration(channelLinger, 'channelLinger');
  const acknowledgement = resolveReplicaAcknowledgement(replicaAcknowledgement, requestTimeout);
  if (acknowledgement && quorum !== undefined) {
    throw new TypeError(
      'Expected `replicaAcknowledgement` without `quorum`: the quorum masters are independent (give them no replicas); it applies to the leases on `client`.',
    );
  }
  return Object.freeze({
    client,
    quorum: quorum && Object.freeze([...(quorum as readonly Redis[])]),
    prefix,
    requestTimeout,
    counterLifetime,
    expiryCheckInterval,
    channelLinger,
    replicaAcknowledgement: acknowledgement,
    limits,
  });
}

function resolveReplicaAcknowledgement(
  options: ReplicaAcknowledgementOptions | undefined,
  requestTimeout: number,
): ReplicaAcknowledgementSettings | undefined {
  if (options === undefined) return undefined;
  assertOptionsObject(options, {
    names: REPLICA_ACKNOWLEDGEMENT_OPTION_NAMES,
    caller: 'createRedisBackend',
    path: 'replicaAcknowledgement',
  });
  const {
    replicas = DEFAULT_REPLICA_ACKNOWLEDGEMENT_OPTIONS.replicas,
    timeout = DEFAULT_REPLICA_ACKNOWLEDGEMENT_OPTIONS.timeout,
  } = options;
  if (typeof replicas !== 'number' || !Number.isSafeInteger(replicas) || replicas < 1) {
    throw new RangeError(
      `Expected \`replicaAcknowledgement.replicas\` to be a positive integer, got ${show(replicas)}.`,
    );
  }
  if (typeof timeout !== 'number' || !Number.isSafeInteger(timeout) || timeout < 1) {
    throw new RangeError(
      `Expected \`replicaAcknowledgement.timeout\` to be a positive integer number of milliseconds, got ${show(timeout)}.`,
    );
  }
  if (timeout >= requestTimeout) {
    throw new RangeError(
      `Expected \`replicaAcknowledgement.timeout\` (${timeout}) to be shorter than \`requestTimeout\` (${requestTimeout}).`,
    );
  }
  return Object.freeze({ replicas, timeout });
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
