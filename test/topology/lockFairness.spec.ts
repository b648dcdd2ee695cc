import { Cluster } from 'ioredis';
import { killWorkers } from '../redis/support/childProcesses.js';
import { expectFair, PROCESSES, RUN_TIMEOUT, runLockFairness } from '../redis/support/lockFairness.js';
import { startRedisCluster, type RedisCluster } from '../support/redisCluster.js';
import { randomPrefix } from '../support/testKit.js';

/**
 * Fairness of `lock()` between separate Node processes on a Redis Cluster of 3 masters (no
 * replicas: the lock lives on one master, failover is not the point): the scenario of
 * test/redis/lockFairness.spec.ts, whose processes use a `Cluster` client each.
 */
let cluster: RedisCluster;
let admin: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
  admin = new Cluster([...cluster.startupNodes]);
}, 60_000);

afterEach(() => killWorkers());

afterAll(async () => {
  admin?.disconnect();
  await cluster?.stop();
});

describe('a Redis Cluster of 3 masters', () => {
  it(
    `shares one key fairly between ${PROCESSES} processes that loop on it`,
    async () => {
      const outcome = await runLockFairness({
        topology: 'cluster',
        addresses: cluster.startupNodes,
        prefix: randomPrefix('fair-cluster'),
        read: (list) => admin.lrange(list, 0, -1),
      });
      expectFair(outcome);
    },
    RUN_TIMEOUT,
  );
});
