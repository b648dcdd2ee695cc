import { concatMap, defer, firstValueFrom, map, retry, shareReplay, timer, type Observable } from 'rxjs';
import type { DeleteOptions, Item, PutOptions, SyncBackend } from '../../../backend.js';
import { VersionConflictError } from '../../../errors/VersionConflictError.js';
import type { RedisSubscriber } from '../pubsub/redisSubscriber.js';
import type { RedisKeys } from '../redisKeys.js';
import type { RedisRequest } from '../redisRequest.js';
import { runScript, type PublishCommand, type RedisClient } from '../redisScript.js';
import { expirySweeper } from './expirySweeper.js';
import { scanKeys } from './scanKeys.js';
import { deleteItem } from './scripts/deleteItem.js';
import { dueItems } from './scripts/dueItems.js';
import { forgetExpired } from './scripts/forgetExpired.js';
import { getItem } from './scripts/getItem.js';
import { putItem } from './scripts/putItem.js';
import { StoreChangeRouter } from './storeChangeRouter.js';
import { storeSignals, watchChanges, type StoreSnapshot } from './watchChanges.js';

/** How many due items the expiry sweeper ends per round trip. */
const SWEEP_BATCH = 100;
/** How long an item with a time to live outlives its expiry in Redis if no sweeper ends it. */
const GC_GRACE = 60_000;
/** Longest pause between attempts to read the store after a pub/sub gap (a Cluster failover can take seconds). */
const CATCH_UP_MAX_DELAY = 2_000;

/** What the store needs from the Redis backend that hosts it. */
export interface RedisStoreContext {
  readonly client: RedisClient;
  readonly keys: RedisKeys;
  readonly subscriber: RedisSubscriber;
  readonly publishCommand: PublishCommand;
  readonly request: RedisRequest;
  readonly counterLifetime: number;
  readonly expiryCheckInterval: number;
}

/** The server's clock in microseconds (Redis `TIME`). */
export function serverMicroseconds(client: RedisClient): Observable<number> {
  return defer(() => client.time()).pipe(
    map(([seconds, microseconds]) => Number(seconds) * 1_000_000 + Number(microseconds)),
  );
}

/**
 * The store half of the Redis backend: versioned items in 256 store shards, each write one script
 * that publishes its change, `changes()` from those messages (routed by key prefix), a catch-up
 * snapshot after a pub/sub gap, and a sweeper that announces expiries while anyone watches.
 */
export function redisStore(
  context: RedisStoreContext,
): Pick<SyncBackend, 'get' | 'put' | 'delete' | 'list' | 'changes'> {
  const { client, keys, subscriber, publishCommand, request, counterLifetime } = context;
  /** Where the change of `key` is published: the store channel, or on a Cluster its store shard's channel. */
  const storeChannel = (key: string): string =>
    keys.published(publishCommand === 'SPUBLISH' ? keys.storeShardChannel(key) : keys.storeChannel());
  const storeChanges = new StoreChangeRouter(
    storeSignals(subscriber, publishCommand === 'SPUBLISH' ? keys.storeShardChannels() : [keys.storeChannel()]),
  );

  const readItem = (key: string): Observable<Item | undefined> =>
    runScript(
      client,
      getItem,
      [keys.item(key), keys.itemVersion(key)],
      [key, storeChannel(key), publishCommand, counterLifetime],
    ).pipe(map((found) => found && { key, ...found }));

  const listItems = (prefix: string): Observable<readonly Item[]> =>
    defer(async () => {
      const found = await scanKeys(client, keys.storePattern('item', prefix));
      const now = (await firstValueFrom(serverMicroseconds(client))) / 1000;
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
    context.expiryCheckInterval,
  );

  return {
    get(key) {
      return request('get', () => readItem(key), true);
    },
    put(key: string, value: string, options: PutOptions = {}) {
      // Once sent, a put runs to its end whatever becomes of the request: the item's entry in the
      // expiry index (another slot, so not in the script) is written when the reply comes, also
      // after the request timed out or was unsubscribed, or the item would never be announced as
      // expired (watchers would keep it for ever).
      const written = (): Promise<Item> =>
        firstValueFrom(
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
          ),
        ).then(async (reply) => {
          if (!reply.written) throw new VersionConflictError(key, options.ifVersion ?? 0, reply.actualVersion);
          if (reply.expiresAt !== undefined) await client.zadd(keys.expiring(), reply.expiresAt, key);
          return { key, value, version: reply.version };
        });
      return request('put', () => defer(written));
    },
    delete(key: string, options: DeleteOptions = {}) {
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
      return request('list', () => listItems(prefix), true);
    },
    changes(prefix) {
      return watchChanges(storeChanges.follow(prefix), prefix, {
        serverMicroseconds: () => request('now', () => serverMicroseconds(client)),
        get: (key) => request('get', () => readItem(key), true),
        snapshot,
        sweeper,
      });
    },
  };
}
