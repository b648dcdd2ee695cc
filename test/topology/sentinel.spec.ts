import { Redis, type RedisOptions } from 'ioredis';
import { createRedisBackend, type RedisBackend, type RedisBackendOptions } from 'rx-sync/redis';
import { describeBackendContract } from '../contract/backendContract.js';
import { describeTaskBackendContract } from '../contract/taskBackendContract.js';
import { startRedisSentinel, type RedisSentinelGroup } from '../support/redisSentinel.js';
import type { RedisServer } from '../support/redisServer.js';
import { randomName, randomPrefix, waitUntil } from '../support/testKit.js';
import { runAcknowledgementHazard } from './support/acknowledgementHazard.js';
import { checkBackendClock } from './support/clockCheck.js';
import { runFailoverScenario } from './support/failoverScenario.js';
import { assertHoldsQueue, runTaskFailoverScenario } from './support/taskFailoverScenario.js';

/**
 * The Redis backend on a Sentinel-managed Redis (one master, one replica, three sentinels), shared
 * by every test of this file: the backend and task backend contracts, then failovers (`kill -9` of
 * the master, started again as a replica after each), the last tests of the file: locks, a
 * leadership and watchers; the replication hazard; a worker processing a stream of tasks, with
 * the clock read before and after. The client is a plain ioredis `Redis` with `sentinels` and
 * `failoverDetector: true`; the backend needs nothing else.
 */
let group: RedisSentinelGroup;
const clients: Redis[] = [];
const backends: RedisBackend[] = [];

/** A Sentinel-managed client, as the README recommends it. */
function sentinelClient(options: RedisOptions = {}): Redis {
  const client = new Redis({
    sentinels: [...group.sentinelAddresses],
    name: group.name,
    failoverDetector: true,
    ...options,
  });
  client.on('error', () => undefined); // failovers: requests report what matters
  clients.push(client);
  return client;
}

function backend(options: Omit<RedisBackendOptions, 'client'> & { client?: Redis }): RedisBackend {
  const made = createRedisBackend({ client: sentinelClient(), expiryCheckInterval: 100, ...options });
  backends.push(made);
  return made;
}

beforeAll(async () => {
  group = await startRedisSentinel();
}, 60_000);

/**
 * Overall deadline for the group to take writes again after a kill: about 3.5 s here (down-after 2 s),
 * plus 6 s (2 × failover-timeout) for each round of a split vote among the sentinels.
 */
const FAILOVER_BOUND = 30_000;

/** Servers killed and not yet brought back: a test that failed half-way leaves the group whole. */
const down = new Set<RedisServer>();

async function crash(server: RedisServer): Promise<void> {
  down.add(server);
  await server.stop('SIGKILL');
}

async function restore(server: RedisServer): Promise<void> {
  await group.restore(server);
  down.delete(server);
}

afterEach(async () => {
  try {
    for (const server of [...down]) await restore(server);
  } finally {
    // Even when a restore failed: clients left connected would keep jest from exiting.
    await Promise.all(backends.splice(0).map((made) => made.close()));
    // `disconnect()`, not QUIT: ioredis ends a failover detector's sentinel connections only on
    // `disconnect()`; after QUIT they would keep reconnecting to the sentinels once those are stopped.
    for (const client of clients.splice(0)) client.disconnect();
  }
});

afterAll(async () => {
  await group?.stop();
});

describeBackendContract(
  'redis (Sentinel: 1 master, 1 replica, 3 sentinels)',
  () => createRedisBackend({ client: sentinelClient(), prefix: randomPrefix('sentinel'), expiryCheckInterval: 100 }),
  { teardown: (made: RedisBackend) => made.close(), announcesLeaseExpiry: false },
);

describeTaskBackendContract(
  'redis (Sentinel: 1 master, 1 replica, 3 sentinels)',
  () =>
    createRedisBackend({ client: sentinelClient(), prefix: randomPrefix('sentinel-tasks'), expiryCheckInterval: 100 }),
  { teardown: (made: RedisBackend) => made.close() },
);

describe('Sentinel failover (kill -9 the master)', () => {
  it('locks, a leadership and watchers recover; tokens, terms and versions never go back', async () => {
    const prefix = randomPrefix('failover');
    const master = await group.master();
    const report = await runFailoverScenario({
      backends: [backend({ prefix }), backend({ prefix })],
      names: { lock: randomName('lock'), group: randomName('group'), key: randomName('key') },
      kill: () => crash(master),
      bound: FAILOVER_BOUND,
    });
    console.info(`Sentinel failover (down-after ${group.downAfter} ms): ${JSON.stringify(report)}`);
    expect(await group.master()).not.toBe(master);
    await restore(master);
  }, 120_000);

  it('with replicaAcknowledgement, a grant that did not reach the replica is never reported as acquired', async () => {
    const prefix = randomPrefix('acknowledged');
    const master = await group.master();
    const replica = group.servers.find((server) => server !== master)!;
    await runAcknowledgementHazard({
      plain: backend({ prefix }),
      acknowledged: backend({ prefix, replicaAcknowledgement: { replicas: 1, timeout: 100 } }),
      contender: backend({ prefix }),
      names: [randomName('a'), randomName('b')],
      replica,
      killMaster: () => crash(master),
      promoted: () =>
        waitUntil(
          async () => (await group.master()) === replica,
          FAILOVER_BOUND,
          'the sentinels to promote the replica',
        ),
    });
    await restore(master);
  }, 120_000);

  it('a worker processes a stream of tasks through the failover: none acknowledged is lost, none completes twice; the clock stays right', async () => {
    const prefix = randomPrefix('task-failover');
    const master = await group.master();
    const replica = group.servers.find((server) => server !== master)!;
    const name = randomName('job');
    const replicaAcknowledgement = { replicas: 1, timeout: 200 };
    const clockBackend = backend({ prefix });
    const clockBefore = await checkBackendClock(clockBackend, 'Sentinel TIME before the failover');
    const report = await runTaskFailoverScenario({
      backends: {
        // The submitter gives up after 1 s (the failover takes longer), so that submits fail while
        // it lasts and are submitted again with their idempotency key.
        submitter: backend({ prefix, replicaAcknowledgement, requestTimeout: 1_000 }),
        worker: backend({ prefix, replicaAcknowledgement }),
      },
      name,
      kill: async () => {
        await assertHoldsQueue(master, prefix, name);
        await crash(master);
      },
      recover: async () => {
        await waitUntil(
          async () => (await group.master()) === replica,
          FAILOVER_BOUND,
          'the sentinels to promote the replica',
        );
        await restore(master);
      },
      bound: FAILOVER_BOUND,
    });
    const clockAfter = await checkBackendClock(clockBackend, 'Sentinel TIME after the failover');
    console.info(
      `Sentinel task failover (down-after ${group.downAfter} ms): ${JSON.stringify(report)}\n${clockBefore}\n${clockAfter}`,
    );
  }, 120_000);
});
