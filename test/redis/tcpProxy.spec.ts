import { Redis } from 'ioredis';
import { useRedisServer } from '../support/redisTestKit.js';
import { TcpProxy } from '../support/tcpProxy.js';

/** The fault proxy of the fault suite, checked against a real redis-server. */
const server = useRedisServer();
let proxy: TcpProxy;
const clients: Redis[] = [];

function client(): Redis {
  const made = new Redis({ host: '127.0.0.1', port: proxy.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  made.on('error', () => undefined);
  clients.push(made);
  return made;
}

beforeEach(async () => {
  proxy = await TcpProxy.start(server.port);
});
afterEach(async () => {
  for (const made of clients.splice(0)) made.disconnect();
  await proxy.stop();
});

it('forwards commands both ways', async () => {
  const redis = client();
  expect(await redis.set('proxied', 'yes')).toBe('OK');
  expect(await redis.get('proxied')).toBe('yes');
  expect(proxy.connections).toBe(1);
});

it('adds latency to each direction', async () => {
  const redis = client();
  await redis.ping();
  proxy.delay(50);
  const start = performance.now();
  await redis.ping();
  expect(performance.now() - start).toBeGreaterThanOrEqual(95); // 50 ms each way, a lower bound only
});

it('holds traffic during a partition and delivers it, in order, on heal', async () => {
  const redis = client();
  await redis.ping();
  proxy.partition();
  const replies: string[] = [];
  const first = redis.incr('counter').then((value) => replies.push(`incr ${value}`));
  const second = redis.get('counter').then((value) => replies.push(`get ${value}`));
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(replies).toEqual([]);
  proxy.heal();
  await Promise.all([first, second]);
  expect(replies).toEqual(['incr 1', 'get 1']);
});

it('resets open connections, and refuses new ones until healed', async () => {
  const redis = client();
  await redis.ping();
  const closed = new Promise<void>((resolve) => redis.once('close', () => resolve()));
  proxy.reset();
  await closed;
  expect(proxy.connections).toBe(0);
  proxy.refuse();
  const refused = new Redis({ host: '127.0.0.1', port: proxy.port, lazyConnect: true, retryStrategy: () => null });
  refused.on('error', () => undefined);
  clients.push(refused);
  await expect(refused.connect().then(() => refused.ping())).rejects.toThrow();
  proxy.heal();
  expect(await client().ping()).toBe('PONG');
});
