import { Redis } from 'ioredis';
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';
import { describeTaskBackendContract } from '../contract/taskBackendContract.js';
import { closeClient, useRedisServer } from '../support/redisTestKit.js';
import { randomPrefix } from '../support/testKit.js';

/** The task contract suite, the one the memory backend passes, on a real redis-server. */
let client: Redis;

// Declared before useRedisServer(): afterAll hooks run in declaration order, so this one runs while the server is up.
afterAll(() => closeClient(client));
const server = useRedisServer();
beforeAll(async () => {
  client = new Redis(server.url, { enableOfflineQueue: false, lazyConnect: true });
  await client.connect();
});

describeTaskBackendContract('redis (standalone)', () => createRedisBackend({ client, prefix: randomPrefix('tasks') }), {
  teardown: (backend: RedisBackend) => backend.close(),
});
