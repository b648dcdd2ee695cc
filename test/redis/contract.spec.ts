import { Redis } from 'ioredis';
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';
import { describeBackendContract } from '../contract/backendContract.js';
import type { RedisServer } from '../support/redisServer.js';
import { closeClient, useRedisServers } from '../support/redisTestKit.js';
import { randomPrefix } from '../support/testKit.js';

/**
 * The backend contract suite, the same one the memory backend passes, on real redis-server
 * processes: one standalone server, and three independent masters for the Redlock quorum (the
 * store then lives on a fourth). Redis announces no lease expiry by itself (rx-sync does not use
 * keyspace notifications): waiters and `leader()` learn of a lapse at the expiry they were told.
 */
const clients: Redis[] = [];

function client(server: RedisServer): Redis {
  const made = new Redis(server.url, { enableOfflineQueue: false, lazyConnect: false });
  clients.push(made);
  return made;
}

// Declared before useRedisServer(): afterAll hooks run in declaration order, so this one runs while the server is up.
afterAll(() => Promise.all(clients.map((made) => closeClient(made))));
const servers = useRedisServers(4);

const contract = { teardown: (backend: RedisBackend) => backend.close(), announcesLeaseExpiry: false } as const;

async function connected(made: Redis): Promise<Redis> {
  if (made.status !== 'ready') await new Promise<void>((resolve) => made.once('ready', () => resolve()));
  return made;
}

describeBackendContract(
  'redis (standalone)',
  async () =>
    createRedisBackend({
      client: await connected(client(servers[0]!)),
      prefix: randomPrefix('contract'),
      expiryCheckInterval: 100,
    }),
  contract,
);

describeBackendContract(
  'redis (quorum of 3 masters)',
  async () =>
    createRedisBackend({
      client: await connected(client(servers[0]!)),
      quorum: await Promise.all(servers.slice(1).map((server) => connected(client(server)))),
      prefix: randomPrefix('quorum'),
      expiryCheckInterval: 100,
    }),
  contract,
);
