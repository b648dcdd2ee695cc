import { killWorkers } from './support/childProcesses.js';
import { expectFair, PROCESSES, RUN_TIMEOUT, runLockFairness } from './support/lockFairness.js';
import { Resources, useRedisServer, useRedisServers } from '../support/redisTestKit.js';
import { randomPrefix } from '../support/testKit.js';

/**
 * Fairness of `lock()` between separate Node processes: five processes loop acquire → one RPUSH →
 * release on one key with no pause, until the server recorded 500 acquisitions; each must have had
 * its share (busiest ≤ 1.5 × least busy), none may time out. The Cluster case is in
 * test/topology/lockFairness.spec.ts.
 */
const resources = new Resources();

afterEach(async () => {
  await killWorkers();
  await resources.release();
});

describe('one Redis', () => {
  const server = useRedisServer();

  it(
    `shares one key fairly between ${PROCESSES} processes that loop on it`,
    async () => {
      const admin = resources.client(server);
      const outcome = await runLockFairness({
        topology: 'single',
        addresses: [server],
        prefix: randomPrefix('fair'),
        read: (list) => admin.lrange(list, 0, -1),
      });
      expectFair(outcome);
    },
    RUN_TIMEOUT,
  );
});

describe('a quorum of 3 independent masters (the store on a fourth server)', () => {
  const [store, ...masters] = useRedisServers(4);

  it(
    `shares one key fairly between ${PROCESSES} processes that loop on it`,
    async () => {
      const admin = resources.client(store!);
      const outcome = await runLockFairness({
        topology: 'quorum',
        addresses: [store!, ...masters],
        prefix: randomPrefix('fair-quorum'),
        read: (list) => admin.lrange(list, 0, -1),
      });
      expectFair(outcome);
    },
    RUN_TIMEOUT,
  );
});
