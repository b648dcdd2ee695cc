import { Redis, type RedisOptions } from 'ioredis';
import { createRedisBackend, type RedisBackend, type RedisBackendOptions } from '../../src/backends/redis/index.js';
import { describeBackendContract } from '../contract/backendContract.js';
import { startRedisSentinel, type RedisSentinelGroup } from '../support/redisSentinel.js';
import { adminClient, type RedisServer } from '../support/redisServer.js';
import { randomName, randomPrefix, waitUntil } from '../redis/support/redisTestKit.js';
import { runAcknowledgementHazard } from './support/acknowledgementHazard.js';
import { runFailoverScenario } from './support/failoverScenario.js';

/**
 * The Redis backend on a Sentinel-managed Redis (one master, one replica, three sentinels), shared
 * by every test of this file: the backend contract, then failovers (`kill -9` of the master), the
 * last tests of the file. The client is a plain ioredis `Redis` with `sentinels` and
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

/** A plain connection to one data server, for administration. */
function admin(server: RedisServer): Redis {
  const client = adminClient(server);
  clients.push(client);
  return client;
}

// Known flake (one failure in about eight runs of the topology project, not yet reproduced or
// identified): a test of these real-topology suites gets one more try, and the first failure is
// logged, so a persistent bug still fails. Root-cause it and remove this line.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

beforeAll(async () => {
  group = await startRedisSentinel({ downAfter: 1_000 });
}, 30_000);

afterEach(async () => {
  await Promise.all(backends.splice(0).map((made) => made.close()));
  // `disconnect()`, not QUIT: ioredis ends a failover detector's sentinel connections only on
  // `disconnect()`; after QUIT they would keep reconnecting to the sentinels once those are stopped.
  for (const client of clients.splice(0)) client.disconnect();
});

afterAll(async () => {
  await group?.stop();
});

describeBackendContract(
  'redis (Sentinel: 1 master, 1 replica, 3 sentinels)',
  () => createRedisBackend({ client: sentinelClient(), prefix: randomPrefix('sentinel'), expiryCheckInterval: 100 }),
  { teardown: (made: RedisBackend) => made.close(), announcesLeaseExpiry: false },
);

describe('Sentinel failover (kill -9 the master)', () => {
  it('locks, a leadership and watchers recover; tokens, terms and versions never go back', async () => {
    const prefix = randomPrefix('failover');
    const master = await group.master();
    const report = await runFailoverScenario({
      backends: [backend({ prefix }), backend({ prefix })],
      names: { lock: randomName('lock'), group: randomName('group'), key: randomName('key') },
      kill: () => master.stop('SIGKILL'),
      bound: 20_000,
    });
    console.info(`Sentinel failover (down-after ${group.downAfter} ms): ${JSON.stringify(report)}`);
    expect(await group.master()).not.toBe(master);
    await group.restore(master);
  }, 60_000);

  it('with replicaAcknowledgement, a grant that did not reach the replica is never reported as acquired', async () => {
    const prefix = randomPrefix('acknowledged');
    const master = await group.master();
    const replica = group.servers.find((server) => server !== master)!;
    await runAcknowledgementHazard({
      plain: backend({ prefix }),
      acknowledged: backend({ prefix, replicaAcknowledgement: { replicas: 1, timeout: 100 } }),
      contender: backend({ prefix }),
      names: [randomName('a'), randomName('b')],
      // Shorter than `down-after-milliseconds`: the pause also holds up the sentinels' hello
      // messages to the replica, and a replica they think is down is never promoted.
      pauseReplica: async (duration) => {
        await admin(replica).call('CLIENT', 'PAUSE', String(duration), 'WRITE');
      },
      failOver: async () => {
        await master.stop('SIGKILL');
        await waitUntil(async () => (await group.master()) === replica, 20_000, 'the sentinels to promote the replica');
      },
    });
    await group.restore(master);
  }, 60_000);
});
