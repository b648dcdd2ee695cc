import { randomBytes } from 'node:crypto';
import { firstValueFrom, map, race, timer } from 'rxjs';
import type { SyncBackend } from '../../backend.js';
import { PendingWork } from '../../internal/pendingWork.js';
import { withSyncArgumentChecks } from '../../internal/syncArguments.js';
import { withTaskArgumentChecks } from '../../internal/taskArguments.js';
import type { BackendLimits } from '../../limits.js';
import type { TaskBackend } from '../../taskBackend.js';
import { quitWithin, resolveCloseOptions, type CloseOptions } from './closeOptions.js';
import { connectionState } from './connectionState.js';
import { quorumLeases } from './leases/quorumLeases.js';
import { redisLeases } from './leases/redisLeases.js';
import { singleInstanceLeases } from './leases/singleInstanceLeases.js';
import { RedisSubscriber } from './pubsub/redisSubscriber.js';
import { resolveRedisBackendOptions, type RedisBackendOptions } from './redisBackendOptions.js';
import { RedisKeys } from './redisKeys.js';
import { redisRequest } from './redisRequest.js';
import { clientKeyPrefix, isCluster, type PublishCommand } from './redisScript.js';
import { redisStore, serverMicroseconds } from './store/redisStore.js';
import { redisTasks } from './tasks/redisTasks.js';

/** A {@link SyncBackend} and {@link TaskBackend} on Redis, which owns one pub/sub connection that `close()` ends. */
export interface RedisBackend extends SyncBackend, TaskBackend {
  /** What this backend accepts; see {@link RedisBackendOptions.limits}. */
  readonly limits: BackendLimits;
  /**
   * Shuts the backend down: lets the releases still in flight finish (for `timeout` at most: a
   * lease stream that ended just before sent its release without waiting for it, and on a quorum
   * the release is announced once a majority answered), closes its pub/sub connection, so that the
   * watches still live end (the streams of `keyValue`, `changes` and `leader` complete; a `submit`
   * still following its task errors with `BackendClosedError`, and the task goes on; waiting
   * contenders and workers go on by polling), and with `quitClients` closes the clients it was
   * given too. Settles whether Redis can be reached or not.
   *
   * @throws TypeError or RangeError, at call time, for bad options.
   */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * The Redis backend: locks and leadership by the Redlock algorithm with atomic fencing tokens, a
 * versioned store with change streams, and a task queue, over ioredis.
 *
 * @remarks
 * Every step is one Lua script (registered once per client with `defineCommand`) that touches the
 * keys of one primitive instance (one hash tag) and publishes its event in the same atomic step, so
 * a watcher never sees a write without its event. Time comes only from the Redis server (`PX`,
 * `TIME`). The backend uses the given client for commands and one `duplicate()` of it for pub/sub,
 * whatever the number of locks, campaigns and watchers. With `quorum`, locks and leadership run
 * on several independent masters and hold when a majority granted them; the store and the task
 * queue stay on `client`. Each task name's queue lives under one hash tag (see `redisTasks`). On a Redis Cluster, every notification goes by sharded pub/sub (`SPUBLISH` from the
 * script, to a channel in the slot of its keys), so it stays on the shard that owns the data; the
 * store's items are spread over 256 store shards, each with its channel, which `changes()` listens
 * to. With `replicaAcknowledgement`, a lease grant or renewal counts only once replicas received it.
 * Requests fail with `BackendUnavailableError` when Redis cannot be reached (transient) and
 * `BackendReplyError` when it answers with something unusable.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { lock } from 'rx-sync';
 * import { createRedisBackend } from 'rx-sync/redis';
 *
 * const client = new Redis('redis://127.0.0.1:6379');
 * const backend = createRedisBackend({ client, prefix: 'billing' });
 * lock(backend, 'invoices').subscribe((lease) => console.log(`token ${lease.token}`));
 * ```
 *
 * @param options - The client(s) and namespace; see {@link RedisBackendOptions}.
 * @returns A {@link RedisBackend}.
 * @throws TypeError or RangeError, at call time, for bad options.
 */
export function createRedisBackend(options: RedisBackendOptions): RedisBackend {
  const settings = resolveRedisBackendOptions(options);
  const { client, counterLifetime, limits } = settings;
  // Classic pub/sub on one Redis (Redis < 7 has no SPUBLISH); sharded pub/sub on a Cluster, where a
  // classic message would cross every node of the cluster bus.
  const publishCommand: PublishCommand = isCluster(client) ? 'SPUBLISH' : 'PUBLISH';
  const keys = new RedisKeys(settings.prefix, publishCommand === 'SPUBLISH' ? clientKeyPrefix(client) : '');
  const subscriber = new RedisSubscriber(client, { linger: settings.channelLinger });
  const connection = connectionState(client);
  const masterConnections = (settings.quorum ?? []).map(connectionState);
  // Where this backend's waiters hear their turns: a release wakes the next waiter's process only.
  const inbox = randomBytes(8).toString('hex');
  const leases = settings.quorum
    ? quorumLeases(settings.quorum, masterConnections, client, keys, { ...settings, inbox })
    : singleInstanceLeases(client, keys, {
        inbox,
        counterLifetime,
        publishCommand,
        replicaAcknowledgement: settings.replicaAcknowledgement,
      });

  const request = redisRequest(subscriber, connection, settings.requestTimeout);
  const leaseMethods = redisLeases(leases, subscriber, keys, request, inbox);
  // Releases go out when a lease stream ends, with nobody waiting for them: close() lets them finish.
  const releases = new PendingWork();

  const backend: RedisBackend = {
    name: 'redis',
    limits,
    ...withTaskArgumentChecks(
      redisTasks({
        client,
        keys,
        subscriber,
        publishCommand,
        request,
        replicaAcknowledgement: settings.replicaAcknowledgement,
      }),
      limits,
    ),
    ...withSyncArgumentChecks(
      {
        ...leaseMethods,
        release: (key, owner) => releases.track(leaseMethods.release(key, owner)),
        ...redisStore({
          client,
          keys,
          subscriber,
          publishCommand,
          request,
          counterLifetime,
          expiryCheckInterval: settings.expiryCheckInterval,
        }),
        now: () =>
          request('now', () => serverMicroseconds(client).pipe(map((microseconds) => Math.floor(microseconds / 1000)))),
      },
      limits,
    ),
    close: (options) => {
      const { quitClients, timeout } = resolveCloseOptions(options);
      const clients = quitClients ? [client, ...(settings.quorum ?? [])] : [];
      return firstValueFrom(race(releases.settled(), timer(timeout)))
        .then(() => {
          for (const state of [connection, ...masterConnections]) state.stop();
          return subscriber.close();
        })
        .then(async () => {
          await Promise.all(clients.map((each) => quitWithin(each, timeout)));
        });
    },
  };
  return Object.freeze(backend);
}
