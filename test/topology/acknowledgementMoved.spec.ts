import { Cluster } from 'ioredis';
import { firstValueFrom } from 'rxjs';
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';
import { startRedisCluster, type RedisCluster } from '../support/redisCluster.js';
import { adminClient } from '../support/redisServer.js';
import { waitUntil } from '../support/testKit.js';
import { leaseNameIn, taskNameIn } from './support/slotNames.js';

/**
 * Regression: with `replicaAcknowledgement` on a Cluster, the script and its WAIT go as one
 * pipeline; after a failover moved the slot, the script's reply was MOVED and WAIT's another
 * error, and ioredis redirects a Cluster pipeline only when all its replies failed the same way,
 * so every acknowledged request kept failing with MOVED. The pair is now sent again after the
 * slot table is refreshed.
 */
let cluster: RedisCluster;
let client: Cluster;
let backend: RedisBackend;
const prefix = 'moved';

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
  client = new Cluster([...cluster.startupNodes], { retryDelayOnFailover: 200 });
  backend = createRedisBackend({ client, prefix, replicaAcknowledgement: { replicas: 1, timeout: 500 } });
}, 60_000);

afterAll(async () => {
  await backend.close();
  client.disconnect();
  await cluster.stop();
});

it('acknowledged requests follow a slot to its new master after a failover', async () => {
  const range = cluster.slotRanges[0]!;
  const name = taskNameIn(prefix, 'job', range);
  const lockName = leaseNameIn('lock', 'l', range);
  // Warm up: the client learns the slot table and loads the scripts on the first master.
  await firstValueFrom(backend.enqueue(request(name)));

  const master = await cluster.masterOf(range[0]);
  const replica = cluster.nodes.find((node) => node.replicaOf === cluster.nodes.indexOf(master))!;
  const admin = adminClient(replica.server);
  try {
    await admin.cluster('FAILOVER'); // a manual failover: the replica takes over, nothing is lost
    await waitUntil(
      async () => String(await admin.info('replication')).includes('role:master'),
      20_000,
      'the replica to be promoted',
      50,
    );
  } finally {
    admin.disconnect();
  }

  const enqueued = await firstValueFrom(backend.enqueue(request(name)));
  expect(enqueued.created).toBe(true);
  const attempt = await firstValueFrom(
    backend.tryAcquire(`lock:${lockName}`, { owner: 'o'.repeat(32), holder: 'h', leaseDuration: 10_000 }),
  );
  expect(attempt).toMatchObject({ granted: true });
}, 60_000);

function request(name: string) {
  const policy = { attempts: 1, retryDelay: 100, maxRetryDelay: 100, retryJitter: 0, timeout: Infinity };
  return { name, input: 'null', policy, retention: 60_000 };
}
