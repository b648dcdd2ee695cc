import { Redis } from 'ioredis';
import { firstValueFrom, take, toArray } from 'rxjs';
import { backendClock, BackendUnavailableError, clock, ClockSourceError, createClock } from 'rx-sync';
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';
import { summarize, toReadingData } from '../support/clockHelpers.js';
import { freePort } from '../support/redisServer.js';
import { useRedisServer } from '../support/redisTestKit.js';

/**
 * backendClock on the Redis backend: Redis TIME, against a redis-server that the test starts on
 * 127.0.0.1. Redis and Date.now() read the same clock here, so the true offset is 0.
 */
describe('backendClock on Redis (TIME)', () => {
  let client: Redis | undefined;
  let backend: RedisBackend | undefined;
  const measurements: string[] = [];

  // Declared before useRedisServer(): afterAll hooks run in declaration order, so this one runs while the server is up.
  afterAll(async () => {
    await backend?.close();
    client?.disconnect();
  });
  const server = useRedisServer();
  beforeAll(async () => {
    client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    await client.connect();
    backend = createRedisBackend({ client, prefix: 'rxs-time', requestTimeout: 500 });
  });
  afterAll(() => console.log(`Redis TIME measurements (true offset 0):\n${measurements.join('\n')}`));

  it('measures an offset of 0 within the reading uncertainty', async () => {
    const list = await firstValueFrom(
      clock(backendClock(backend!), { refreshInterval: 20 }).pipe(toReadingData(), take(10), toArray()),
    );
    measurements.push(summarize('redis TIME', list));
    for (const reading of list) {
      expect(reading.source).toBe('redis');
      expect(Math.abs(reading.sampleOffset)).toBeLessThanOrEqual(reading.uncertainty);
      expect(Math.abs(reading.offset)).toBeLessThanOrEqual(reading.uncertainty);
      expect(reading.uncertainty).toBeGreaterThanOrEqual(1.5); // TIME in whole ms: the resolution is counted
    }
  });

  it('answers now() through the Promise facade', async () => {
    const t = createClock(backendClock(backend!));
    const reading = await t.read();
    // Bracket the call with the local clock: on a loaded machine the await itself takes time.
    const before = Date.now();
    const now = await t.now();
    const after = Date.now();
    expect(now).toBeGreaterThanOrEqual(before - reading.uncertainty - 1);
    expect(now).toBeLessThanOrEqual(after + reading.uncertainty + 1);
  });

  it('errors with ClockSourceError when Redis cannot be reached', async () => {
    const nowhere = new Redis(`redis://127.0.0.1:${await freePort()}`, {
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    const unreachable = createRedisBackend({ client: nowhere, prefix: 'rxs-time', requestTimeout: 500 });
    try {
      const error = await firstValueFrom(clock(backendClock(unreachable), { sampleTimeout: 2_000 })).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ClockSourceError);
      expect((error as ClockSourceError).source).toBe('redis');
      expect((error as ClockSourceError).cause).toBeInstanceOf(BackendUnavailableError);
    } finally {
      await unreachable.close();
      nowhere.disconnect();
    }
  });
});
