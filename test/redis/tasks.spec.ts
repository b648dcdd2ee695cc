import { Redis } from 'ioredis';
import { createRedisBackend, type RedisBackend } from '../../src/backends/redis/index.js';
import { describeTaskBackendContract } from '../contract/taskBackendContract.js';
import { startRedisServer, stopRedisServers, type RedisServer } from '../support/redisServer.js';
import { closeClient } from '../support/redisTestKit.js';
import { randomPrefix } from '../support/testKit.js';

/** The task contract suite, the one the memory backend passes, on a real redis-server. */
let server: RedisServer;
let client: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  client = new Redis(server.url, { enableOfflineQueue: false, lazyConnect: true });
  await client.connect();
});

afterAll(async () => {
  await closeClient(client);
  await stopRedisServers(server);
});

describeTaskBackendContract('redis (standalone)', () => createRedisBackend({ client, prefix: randomPrefix('tasks') }), {
  teardown: (backend: RedisBackend) => backend.close(),
});
