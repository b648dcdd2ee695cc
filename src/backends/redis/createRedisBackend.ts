import type { Cluster, Redis } from 'ioredis';
import {
  catchError,
  concat,
  concatMap,
  defer,
  firstValueFrom,
  from,
  map,
  retry,
  shareReplay,
  switchMap,
  throwError,
  timeout,
  timer,
  type Observable,
} from 'rxjs';
import type { DeleteOptions, Item, LeaseEvent, PutOptions, SyncBackend } from '../../backend.js';
import type { TaskBackend } from '../../taskBackend.js';
import { BackendUnavailableError } from '../../errors/BackendUnavailableError.js';
import { VersionConflictError } from '../../errors/VersionConflictError.js';
import {
  assertDeleteArguments,
  assertKeyArgument,
  assertPrefixArgument,
  assertPutArguments,
} from '../../internal/storeArguments.js';
import { leaseArgumentChecks } from '../../internal/leaseArguments.js';
import type { BackendLimits } from '../../limits.js';
import { withTaskArgumentChecks } from '../../internal/taskArguments.js';
import { quitWithin, resolveCloseOptions, type CloseOptions } from './closeOptions.js';
import { connectionState } from './connectionState.js';
import { expirySweeper } from './expirySweeper.js';
import { HASH_SLOTS } from './hashSlot.js';
import { quorumLeases } from './quorumLeases.js';
import { redisTasks } from './redisTasks.js';
import { resolveRedisBackendOptions, type RedisBackendOptions } from './redisBackendOptions.js';
import { escapeGlob, RedisKeys } from './redisKeys.js';
import { clientKeyPrefix, isCluster, runScript, type PublishCommand, type RedisClient } from './redisScript.js';
import { RedisSubscriber } from './redisSubscriber.js';
import { deleteItem } from './scripts/deleteItem.js';
import { dueItems } from './scripts/dueItems.js';
import { forgetExpired } from './scripts/forgetExpired.js';
import { getItem } from './scripts/getItem.js';
import { putItem } from './scripts/putItem.js';
import { singleInstanceLeases } from './singleInstanceLeases.js';
import { toSyncError } from './toSyncError.js';
import { VacancySignals } from './vacancySignals.js';
import { StoreChangeRouter } from './storeChangeRouter.js';
import { storeSignals, watchChanges, type StoreSnapshot } from './watchChanges.js';
import { watchLeaseEvents } from './watchLeaseEvents.js';

/** How many due items the expiry sweeper ends per round trip. */
const SWEEP_BATCH = 100;
/** How long an item with a time to live outlives its expiry in Redis if no sweeper ends it. */
const GC_GRACE = 60_000;
/** Keys read per SCAN step when listing. */
const SCAN_COUNT = 500;
/** Longest pause between attempts to read the store after a pub/sub gap (a Cluster failover can take seconds). */
const CATCH_UP_MAX_DELAY = 2_000;

/** A {@link SyncBackend} and {@link TaskBackend} on Redis, which owns one pub/sub connection that `close()` ends. */
export interface RedisBackend extends SyncBackend, TaskBackend {
  /** What this backend accepts; see {@link RedisBackendOptions.limits}. */
  readonly limits: BackendLimits;
  /**
   * Shuts the backend down: closes its pub/sub connection, so that the watches still live end (the
   * streams of `keyValue`, `changes` and `leader` complete; a `submit` still following its task
   * errors with `BackendClosedError`, and the task goes on; waiting contenders and workers go on
   * by polling), and with `quitClients` closes the clients it was given too. Settles whether Redis
   * can be reached or not.
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
  const lease = leaseArgumentChecks(limits);
  // Classic pub/sub on one Redis (Redis < 7 has no SPUBLISH); sharded pub/sub on a Cluster, where a
  // classic message would cross every node of the cluster bus.
  const publishCommand: PublishCommand = isCluster(client) ? 'SPUBLISH' : 'PUBLISH';
  const keys = new RedisKeys(settings.prefix, publishCommand === 'SPUBLISH' ? clientKeyPrefix(client) : '');
  const subscriber = new RedisSubscriber(client);
  const connection = connectionState(client);
  const masterConnections = (settings.quorum ?? []).map(connectionState);
  const leases = settings.quorum
    ? quorumLeases(settings.quorum, masterConnections, client, keys, settings)
    : singleInstanceLeases(client, keys, {
        counterLifetime,
        publishCommand,
        replicaAcknowledgement: settings.replicaAcknowledgement,
      });
  /** Where the change of `key` is published: the store channel, or on a Cluster its store shard's channel. */
  const storeChannel = (key: string): string =>
    keys.published(publishCommand === 'SPUBLISH' ? keys.storeShardChannel(key) : keys.storeChannel());
  const storeChanges = new StoreChangeRouter(
    storeSignals(subscriber, publishCommand === 'SPUBLISH' ? keys.storeShardChannels() : [keys.storeChannel()]),
  );

  /**
   * One request: after pending subscriptions when `ordered` (at once when none is pending: no
   * promise, no extra turn of the event loop), once the client was first ready, bounded by
   * `requestTimeout`, errors typed (with the client's last connection error, when it cannot be reached).
   */
  const request = <T>(operation: string, work: () => Observable<T>, ordered = false): Observable<T> =>
    defer(() => {
      const send = (): Observable<T> => concat(connection.firstReady, defer(work));
      return ordered && subscriber.settling ? from(subscriber.settled()).pipe(switchMap(send)) : send();
    }).pipe(
      timeout({
        first: settings.requestTimeout,
        with: () =>
          throwError(
            () =>
              new BackendUnavailableError('redis', operation, {
                cause: new Error(`no reply within ${settings.requestTimeout} ms ("requestTimeout")`),
              }),
          ),
      }),
      catchError((error: unknown) => throwError(() => toSyncError(operation, error, connection.lastError()))),
    );

  const watchLease = (key: string): Observable<LeaseEvent> =>
    watchLeaseEvents(subscriber, keys.leaseChannel(key), key, () => request('readLease', () => leases.read(key), true));
  const vacancies = new VacancySignals(watchLease);

  const readItem = (key: string): Observable<Item | undefined> =>
    runScript(
      client,
      getItem,
      [keys.item(key), keys.itemVersion(key)],
      [key, storeChannel(key), publishCommand, counterLifetime],
    ).pipe(map((found) => found && { key, ...found }));

  const serverMicroseconds = (): Observable<number> =>
    defer(() => client.time()).pipe(
      map(([seconds, microseconds]) => Number(seconds) * 1_000_000 + Number(microseconds)),
    );

  const listItems = (prefix: string): Observable<readonly Item[]> =>
    defer(async () => {
      const found = await scanKeys(client, keys.storePattern('item', prefix));
      const now = (await firstValueFrom(serverMicroseconds())) / 1000;
      const items = await Promise.all(
        [...found].map(async (name) => {
          const key = keys.keyOfStoreName('item', name);
          if (key === undefined || !key.startsWith(prefix)) return undefined;
          const [value, version, expiresAt] = await client.hmget(keys.item(key), 'value', 'version', 'expiresAt');
          if (value === null || version === null) return undefined;
          if (expiresAt !== null && Number(expiresAt) <= now) return undefined;
          return { key, value, version: Number(version) };
        }),
      );
      return items
        .filter((item): item is Item => item !== undefined)
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    });

  const readSnapshot = (): Observable<StoreSnapshot> =>
    defer(async () => {
      const items = await firstValueFrom(listItems(''));
      const counters = await scanKeys(client, keys.storePattern('version', ''));
      const versions = new Map<string, number>();
      await Promise.all(
        [...counters].map(async (name) => {
          const key = keys.keyOfStoreName('version', name);
          const version = key === undefined ? null : await client.get(keys.itemVersion(key));
          if (key !== undefined && version !== null) versions.set(key, Number(version));
        }),
      );
      return { items: new Map(items.map((item) => [item.key, item])), versions };
    });
  let snapshotOfGap: { reconnects: number; snapshot: Observable<StoreSnapshot> } | undefined;
  const snapshot = (reconnects: number): Observable<StoreSnapshot> => {
    if (snapshotOfGap?.reconnects !== reconnects) {
      // Retried while anybody waits for it: after a Cluster failover, the command client may still
      // know the failed master for a few seconds, and no further gap would come to try again.
      const read = request('list', readSnapshot, true).pipe(
        retry({ delay: (_error, attempt) => timer(Math.min(CATCH_UP_MAX_DELAY, 100 * 2 ** attempt)) }),
      );
      snapshotOfGap = { reconnects, snapshot: read.pipe(shareReplay({ bufferSize: 1, refCount: true })) };
    }
    return snapshotOfGap.snapshot;
  };

  const sweeper = expirySweeper(
    {
      due: () => runScript(client, dueItems, [keys.expiring()], [SWEEP_BATCH]),
      expire: (key) => readItem(key).pipe(concatMap(() => runScript(client, forgetExpired, [keys.expiring()], [key]))),
    },
    settings.expiryCheckInterval,
  );

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
    tryAcquire(key, claim) {
      lease.tryAcquire(key, claim);
      return request('tryAcquire', () => leases.tryAcquire(key, claim), true);
    },
    renew(key, owner, leaseDuration) {
      lease.renew(key, owner, leaseDuration);
      return request('renew', () => leases.renew(key, owner, leaseDuration));
    },
    release(key, owner) {
      lease.release(key, owner);
      return request('release', () => leases.release(key, owner));
    },
    updateLease(key, owner, value) {
      lease.updateLease(key, owner, value);
      return request('updateLease', () => leases.update(key, owner, value));
    },
    readLease(key) {
      lease.key(key);
      return request('readLease', () => leases.read(key), true);
    },
    leaseEvents(key) {
      lease.key(key);
      return watchLease(key);
    },
    vacancies(key) {
      lease.key(key);
      return vacancies.vacancies(key);
    },
    get(key) {
      assertKeyArgument(key, limits);
      return request('get', () => readItem(key), true);
    },
    put(key: string, value: string, options: PutOptions = {}) {
      assertPutArguments(key, value, options, limits);
      return request('put', () =>
        runScript(
          client,
          putItem,
          [keys.item(key), keys.itemVersion(key)],
          [
            key,
            value,
            options.ifVersion ?? -1,
            Math.ceil(options.timeToLive ?? 0),
            storeChannel(key),
            publishCommand,
            counterLifetime,
            GC_GRACE,
          ],
        ).pipe(
          concatMap(async (reply): Promise<Item> => {
            if (!reply.written) throw new VersionConflictError(key, options.ifVersion ?? 0, reply.actualVersion);
            if (reply.expiresAt !== undefined) await client.zadd(keys.expiring(), reply.expiresAt, key);
            return { key, value, version: reply.version };
          }),
        ),
      );
    },
    delete(key: string, options: DeleteOptions = {}) {
      assertDeleteArguments(key, options, limits);
      return request('delete', () =>
        runScript(
          client,
          deleteItem,
          [keys.item(key), keys.itemVersion(key)],
          [key, options.ifVersion ?? -1, storeChannel(key), publishCommand, counterLifetime],
        ).pipe(
          map((reply) => {
            if (reply.outcome === 'conflict')
              throw new VersionConflictError(key, options.ifVersion ?? 0, reply.actualVersion);
            return reply.outcome === 'deleted';
          }),
        ),
      );
    },
    list(prefix) {
      assertPrefixArgument(prefix, limits);
      return request('list', () => listItems(prefix), true);
    },
    changes(prefix) {
      assertPrefixArgument(prefix, limits);
      return watchChanges(storeChanges.follow(prefix), prefix, {
        serverMicroseconds: () => request('now', serverMicroseconds),
        get: (key) => request('get', () => readItem(key), true),
        snapshot,
        sweeper,
      });
    },
    now() {
      return request('now', () => serverMicroseconds().pipe(map((microseconds) => Math.floor(microseconds / 1000))));
    },
    close: (options) => {
      const { quitClients, timeout } = resolveCloseOptions(options);
      const clients = quitClients ? [client, ...(settings.quorum ?? [])] : [];
      for (const state of [connection, ...masterConnections]) state.stop();
      return subscriber.close().then(async () => {
        await Promise.all(clients.map((each) => quitWithin(each, timeout)));
      });
    },
  };
  return Object.freeze(backend);
}

async function scanKeys(client: RedisClient, pattern: string): Promise<Set<string>> {
  const nodes: Redis[] = isCluster(client) ? slotOwners(client) : [client];
  const keyPrefix = clientKeyPrefix(client);
  const found = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', escapeGlob(keyPrefix) + pattern, 'COUNT', SCAN_COUNT);
      for (const name of batch) found.add(name.slice(keyPrefix.length));
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}

/**
 * The masters that own the slots of a Cluster, per the client's slot table: every slot must have
 * one, and the client must be connected to each, or a listing would silently miss keys (after a
 * failover, ioredis drops the failed master before it learns of its successor). Then this throws
 * (the caller retries) and asks ioredis to refresh its slot table.
 */
function slotOwners(client: Cluster): Redis[] {
  const owners = new Set<string>();
  for (let slot = 0; slot < HASH_SLOTS; slot++) {
    const owner = client.slots[slot]?.[0];
    if (owner === undefined) {
      client.refreshSlotsCache();
      throw new Error(`the cluster's slot ${slot} has no known master; cannot list every key`);
    }
    owners.add(owner);
  }
  const masters = new Map(client.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]));
  return [...owners].map((owner) => {
    const node = masters.get(owner);
    if (node) return node;
    client.refreshSlotsCache();
    throw new Error(`the cluster's master ${owner} is not connected; cannot list every key`);
  });
}
