import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { firstValueFrom } from 'rxjs';
import {
  BackendUnavailableError,
  changes,
  keyValue,
  leader,
  leadership,
  lock,
  type ChangeEvent,
  type Item,
  type Leader,
  type Lease,
  type Term,
} from 'rx-sync';
import { createRedisBackend, type RedisBackend, type RedisBackendOptions } from 'rx-sync/redis';
import { RedisKeys } from '../../src/backends/redis/redisKeys.js';
import { ReplicaAcknowledgementError } from '../../src/backends/redis/replicaAcknowledgement.js';
import { putItem } from '../../src/backends/redis/store/scripts/putItem.js';
import { lockLeaseKey } from '../../src/internal/leaseKeys.js';
import { describeBackendContract } from '../contract/backendContract.js';
import { describeTaskBackendContract } from '../contract/taskBackendContract.js';
import { startRedisCluster, type RedisCluster } from '../support/redisCluster.js';
import { adminClient, startRedisServer, stopRedisServers, type RedisServer } from '../support/redisServer.js';
import { commandCalls, ready } from '../support/redisTestKit.js';
import { randomName, randomPrefix, Recorder, single, waitUntil } from '../support/testKit.js';
import { runAcknowledgementHazard } from './support/acknowledgementHazard.js';
import { checkBackendClock } from './support/clockCheck.js';
import { runFailoverScenario } from './support/failoverScenario.js';
import { leaseNameIn, leaseSlot, storeKeyIn, taskNameIn } from './support/slotNames.js';
import { assertHoldsQueue, runTaskFailoverScenario } from './support/taskFailoverScenario.js';

/**
 * The Redis backend on a Redis Cluster of three masters with a replica each, shared by every test
 * of this file: the backend and task backend contracts, what is particular to a Cluster (sharded
 * pub/sub, a store spread over every shard, replica acknowledgement on the owning master), then
 * failovers (`kill -9` of a master, a different one each time), the last tests of the file: locks,
 * a leadership and watchers; the replication hazard; a worker processing a stream of tasks, with
 * the clock read before and after. The client is an ioredis `Cluster` with
 * `retryDelayOnFailover`, as the README recommends.
 */
let cluster: RedisCluster;
const clients: (Cluster | Redis)[] = [];
const backends: RedisBackend[] = [];

function clusterClient(options: ClusterOptions = {}): Cluster {
  const client = new Cluster([...cluster.startupNodes], { retryDelayOnFailover: 200, ...options });
  client.on('error', () => undefined); // failovers: requests report what matters
  clients.push(client);
  return client;
}

function backend(options: Omit<RedisBackendOptions, 'client'>): RedisBackend {
  const made = createRedisBackend({ client: clusterClient(), expiryCheckInterval: 100, ...options });
  backends.push(made);
  return made;
}

/** A plain connection to one node, for administration. */
function admin(server: Pick<RedisServer, 'host' | 'port'>): Redis {
  const client = adminClient(server);
  clients.push(client);
  return client;
}

const masters = (): RedisServer[] =>
  cluster.nodes.filter((node) => node.replicaOf === undefined).map((node) => node.server);

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
}, 30_000);

afterEach(async () => {
  await Promise.all(backends.splice(0).map((made) => made.close()));
  for (const client of clients.splice(0)) client.disconnect();
});

afterAll(async () => {
  await cluster?.stop();
});

describeBackendContract(
  'redis (Cluster: 3 masters, 3 replicas)',
  () => createRedisBackend({ client: clusterClient(), prefix: randomPrefix('cluster'), expiryCheckInterval: 100 }),
  // Changes of keys in different store shards come through different masters' channels.
  { teardown: (made: RedisBackend) => made.close(), announcesLeaseExpiry: false, ordersChangesAcrossKeys: false },
);

// Task names 'job' and 'other' live in different slots here: a claim across both peeks, then claims per name.
describeTaskBackendContract(
  'redis (Cluster: 3 masters, 3 replicas)',
  () =>
    createRedisBackend({ client: clusterClient(), prefix: randomPrefix('cluster-tasks'), expiryCheckInterval: 100 }),
  { teardown: (made: RedisBackend) => made.close() },
);

describe('Redis Cluster', () => {
  it('publishes every event with SPUBLISH on the shard that owns the data, never PUBLISH, without keyspace notifications', async () => {
    const admins = masters().map((server) => admin(server));
    const before = await Promise.all(admins.map((node) => commandCalls(node, ['publish'])));
    const sharded = await Promise.all(admins.map((node) => commandCalls(node, ['spublish'])));
    const prefix = randomPrefix('sharded');
    const a = backend({ prefix });
    const b = backend({ prefix });
    const name = leaseNameIn('lock', 'l', cluster.slotRanges[1]!);
    const holding = new Recorder<Lease>(lock(a, name), { label: 'holder' });
    await holding.nth(0);
    const waiting = new Recorder<Lease>(lock(b, name), { label: 'waiter' });
    // The waiter (in line) listens on its backend's channel of turns for the lease, on the master
    // that owns the lease's slot.
    const turns = `${new RedisKeys(prefix).leaseTurnsPrefix(lockLeaseKey(name))}*`;
    await waitUntil(
      async () => ((await admins[1]!.pubsub('SHARDCHANNELS', turns)) as string[]).length === 1,
      5_000,
      'the waiter to listen on the owning shard',
    );
    expect(await admins[0]!.pubsub('SHARDCHANNELS', turns)).toEqual([]);
    holding.stop(); // the release wakes the waiter through its sharded channel
    await waiting.nth(0);
    waiting.stop();
    await single(a.put('k', 'v'));
    await single(a.delete('k'));

    const after = await Promise.all(admins.map((node) => commandCalls(node, ['publish'])));
    expect(after).toEqual(before);
    const shardedAfter = await Promise.all(admins.map((node) => commandCalls(node, ['spublish'])));
    expect(shardedAfter[1]! - sharded[1]!).toBeGreaterThanOrEqual(4); // acquired, released, turn, acquired
    for (const node of admins) {
      expect(await node.pubsub('CHANNELS', `${prefix}*`)).toEqual([]); // nothing on classic pub/sub
      expect(await node.config('GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', '']);
    }
  });

  it('spreads the store over every master; list and changes see every shard', async () => {
    const prefix = randomPrefix('spread');
    const a = backend({ prefix });
    const b = backend({ prefix });
    const keys = cluster.slotRanges.map((range, index) => storeKeyIn(prefix, `m${index}`, range));
    const seen = new Recorder<ChangeEvent>(changes(b, ''), { label: 'changes' });
    await single(b.get('warm-up')); // the watch is live once a read after it is answered
    const written = [];
    for (const key of keys) written.push(await single(a.put(key, `on ${key}`)));
    await seen.until((r) => r.values.length >= keys.length, 'report a write on every master');
    // Sharded pub/sub orders messages per shard, not across shards.
    expect(seen.values.map((event) => event.key).sort()).toEqual([...keys].sort());
    expect(await single(b.list(''))).toEqual([...written].sort((x, y) => (x.key < y.key ? -1 : 1)));
    // Each master holds one of the items, and the watcher listens on that master's shard channel.
    const admins = masters().map((server) => admin(server));
    for (const [index, key] of keys.entries()) {
      const names = new RedisKeys(prefix);
      expect(await admins[index]!.exists(names.item(key))).toBe(1);
      expect(await admins[index]!.pubsub('SHARDNUMSUB', names.storeShardChannel(key))).toEqual([
        names.storeShardChannel(key),
        1,
      ]);
    }
    seen.stop();
  });

  it("watchers converge after a shard's pub/sub connection is lost, on what was written meanwhile", async () => {
    const prefix = randomPrefix('gap');
    const watching = backend({ prefix });
    const writer = backend({ prefix });
    const key = storeKeyIn(prefix, 'cfg', cluster.slotRanges[1]!);
    const names = new RedisKeys(prefix);
    const before = await single(writer.put(key, 'before'));
    const value = new Recorder<Item | undefined>(keyValue(watching, key), { label: 'keyValue' });
    const seen = new Recorder<ChangeEvent>(changes(watching, ''), { label: 'changes' });
    await value.until((r) => r.values.at(-1)?.version === before.version, 'see the first write');
    const master = admin(masters()[1]!);
    await waitUntil(
      async () => Number((await master.pubsub('SHARDNUMSUB', names.storeShardChannel(key)))[1]) === 1,
      5_000,
      'the watcher to listen on the shard',
    );

    // Drop the shard's subscriber and write in the same breath (one pipeline, run in order by the
    // master): the write's message reaches nobody; only the catch-up after the gap can report it.
    const replies = await master
      .pipeline()
      .client('KILL', 'TYPE', 'pubsub')
      .eval(
        putItem.lua,
        putItem.numberOfKeys,
        names.item(key),
        names.itemVersion(key),
        key,
        'during the gap',
        -1,
        0,
        names.storeShardChannel(key),
        'SPUBLISH',
        60_000,
        60_000,
      )
      .exec();
    expect(replies?.map(([error]) => error)).toEqual([null, null]);
    const stored = await single(writer.get(key));
    expect(stored?.value).toBe('during the gap');
    await value.until((r) => r.values.at(-1)?.version === stored?.version, 'converge on the write of the gap');
    await seen.until(
      (r) => r.values.some((event) => event.type === 'put' && event.version === stored?.version),
      'report the write of the gap',
    );
    value.stop();
    seen.stop();
  });

  it('a shard channel lingers on its master: a watcher back within the linger sends no SSUBSCRIBE; a lost shard connection ends the linger', async () => {
    const prefix = randomPrefix('linger');
    const client = clusterClient();
    let connection: Cluster | undefined; // the backend's pub/sub duplicate
    const duplicate = client.duplicate.bind(client);
    client.duplicate = (...args: Parameters<Cluster['duplicate']>) => (connection = duplicate(...args));
    // No linger ends by itself in this test.
    const watching = createRedisBackend({ client, prefix, expiryCheckInterval: 100, channelLinger: 60_000 });
    backends.push(watching);
    const key = storeKeyIn(prefix, 'cfg', cluster.slotRanges[1]!);
    const channel = new RedisKeys(prefix).storeShardChannel(key);
    const master = admin(masters()[1]!);
    const subscribers = async (): Promise<number> => Number((await master.pubsub('SHARDNUMSUB', channel))[1]);
    const first = new Recorder<Item | undefined>(keyValue(watching, key), { label: 'first watcher' });
    await first.nth(0);
    expect(await subscribers()).toBe(1);
    first.stop();
    const subscribes = await commandCalls(master, ['ssubscribe']);
    const again = new Recorder<Item | undefined>(keyValue(watching, key), { label: 'watcher back' });
    await again.nth(0);
    const written = await single(watching.put(key, 'heard'));
    await again.until((r) => r.values.at(-1)?.version === written.version, 'hear the put');
    expect(await commandCalls(master, ['ssubscribe'])).toBe(subscribes);
    expect(await subscribers()).toBe(1);
    again.stop();

    // Subscriptions may be lost: the linger ends, and ioredis does not bring the channel back once
    // its subscribers are ready again (it subscribes again the channels it knows; the UNSUBSCRIBE
    // follows, and a read waits for it).
    const recovered = new Promise<void>((resolve) => connection!.once('subscribersReady', () => resolve()));
    await master.client('KILL', 'TYPE', 'pubsub');
    await recovered;
    await single(watching.get(key));
    expect(await subscribers()).toBe(0);
  });

  it('a quorum of independent masters publishes its lease events on the Cluster with SPUBLISH', async () => {
    const independent = await Promise.all([0, 1, 2].map(() => startRedisServer()));
    try {
      const quorum = independent.map((server) => {
        const made = new Redis({
          host: server.host,
          port: server.port,
          enableOfflineQueue: false,
          disconnectTimeout: 100,
        });
        clients.push(made);
        return made;
      });
      await Promise.all(quorum.map((made) => ready(made)));
      const prefix = randomPrefix('quorum');
      const [a, b] = [0, 1].map(() =>
        createRedisBackend({ client: clusterClient(), quorum, prefix, expiryCheckInterval: 100 }),
      );
      backends.push(a!, b!);
      const group = randomName('group');
      const leaders = new Recorder<Leader | undefined>(leader(b!, group), { label: 'leader on b' });
      expect(await leaders.nth(0)).toBeUndefined();
      const campaign = new Recorder<Term>(leadership(a!, group, { candidate: 'a' }), { label: 'campaign' });
      const term = await campaign.nth(0);
      await leaders.until((r) => r.values.at(-1)?.term === term.term, 'see the leader (acquired, by SPUBLISH)');
      campaign.stop();
      await leaders.until((r) => r.values.at(-1) === undefined, 'see the resignation (released, by SPUBLISH)');
      leaders.stop();
    } finally {
      await stopRedisServers(...independent);
    }
  });

  it('replicaAcknowledgement waits for the replica of the master that owns the lease', async () => {
    const prefix = randomPrefix('acknowledged');
    const acknowledged = backend({ prefix, replicaAcknowledgement: { replicas: 1, timeout: 100 } });
    const onFirst = leaseNameIn('lock', 'first', cluster.slotRanges[0]!);
    const onSecond = leaseNameIn('lock', 'second', cluster.slotRanges[1]!);
    expect(leaseSlot('lock', onFirst)).toBeLessThanOrEqual(cluster.slotRanges[0]![1]);
    const replicaOfFirst = cluster.nodes.find((node) => node.replicaOf === 0)!.server;

    await admin(replicaOfFirst).call('CLIENT', 'PAUSE', '3000', 'WRITE');
    const refused = new Recorder<Lease>(lock(acknowledged, onFirst), { label: 'lock on the first master' });
    const error = await refused.failure();
    expect(refused.values).toEqual([]);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as BackendUnavailableError).cause).toBeInstanceOf(ReplicaAcknowledgementError);
    expect(await single(acknowledged.readLease(lockLeaseKey(onFirst)))).toBeUndefined();
    // The other shards' replicas keep up: their grants count.
    const granted = await firstValueFrom(lock(acknowledged, onSecond));
    expect(granted.token).toBeGreaterThan(0);

    await admin(replicaOfFirst).call('CLIENT', 'UNPAUSE');
    const later = await firstValueFrom(lock(acknowledged, onFirst));
    expect(later.token).toBeGreaterThan(0);
  });
});

describe('Redis Cluster failover (kill -9 a master)', () => {
  it('locks, a leadership and watchers recover; tokens, terms and versions never go back', async () => {
    const prefix = randomPrefix('failover');
    const range = cluster.slotRanges[0]!;
    const names = {
      lock: leaseNameIn('lock', 'lock', range),
      group: leaseNameIn('leader', 'group', range),
      key: storeKeyIn(prefix, 'key', range),
    };
    const master = await cluster.masterOf(range[0]);
    const report = await runFailoverScenario({
      backends: [backend({ prefix }), backend({ prefix })],
      names,
      kill: () => master.server.stop('SIGKILL'),
      bound: 20_000,
    });
    console.info(`Cluster failover (node timeout ${cluster.nodeTimeout} ms): ${JSON.stringify(report)}`);
    expect((await cluster.masterOf(range[0])).server).not.toBe(master.server);
  }, 60_000);

  it('with replicaAcknowledgement, a grant that did not reach the replica is never reported as acquired', async () => {
    const prefix = randomPrefix('acknowledged');
    const range = cluster.slotRanges[1]!;
    const master = await cluster.masterOf(range[0]);
    const replica = cluster.nodes.find((node) => node.replicaOf === cluster.nodes.indexOf(master))!;
    await runAcknowledgementHazard({
      plain: backend({ prefix }),
      acknowledged: backend({ prefix, replicaAcknowledgement: { replicas: 1, timeout: 100 } }),
      contender: backend({ prefix }),
      names: [leaseNameIn('lock', 'a', range), leaseNameIn('lock', 'b', range)],
      replica: replica.server,
      killMaster: () => master.server.stop('SIGKILL'),
      promoted: () =>
        waitUntil(
          async () => (await cluster.masterOf(range[0])) === replica,
          30_000,
          'the replica to take over its master',
        ),
    });
  }, 60_000);

  it('a worker processes a stream of tasks through the failover: none acknowledged is lost, none completes twice; the clock stays right', async () => {
    const prefix = randomPrefix('task-failover');
    const range = cluster.slotRanges[2]!; // the one shard whose master the tests above left alone
    const master = await cluster.masterOf(range[0]);
    const name = taskNameIn(prefix, 'job', range);
    const replicaAcknowledgement = { replicas: 1, timeout: 200 };
    const clockBackend = backend({ prefix });
    const clockBefore = await checkBackendClock(clockBackend, 'Cluster TIME before the failover');
    const report = await runTaskFailoverScenario({
      backends: {
        // The submitter gives up after 1 s (the failover takes longer), so that submits fail while
        // it lasts and are submitted again with their idempotency key.
        submitter: backend({ prefix, replicaAcknowledgement, requestTimeout: 1_000 }),
        worker: backend({ prefix, replicaAcknowledgement }),
      },
      name,
      kill: async () => {
        await assertHoldsQueue(master.server, prefix, name);
        await master.server.stop('SIGKILL');
      },
      recover: async () => {
        await waitUntil(
          async () => (await cluster.masterOf(range[0])) !== master,
          20_000,
          'a replica to take over the killed master',
        );
        await cluster.restore(master);
      },
      bound: 20_000,
    });
    const clockAfter = await checkBackendClock(clockBackend, 'Cluster TIME after the failover');
    console.info(
      `Cluster task failover (node timeout ${cluster.nodeTimeout} ms): ${JSON.stringify(report)}\n${clockBefore}\n${clockAfter}`,
    );
  }, 120_000);
});
