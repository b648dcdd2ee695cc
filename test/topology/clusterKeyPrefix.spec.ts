import { Cluster } from 'ioredis';
import { filter, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { changes, lock, submit, worker } from 'rx-sync';
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';
import { startRedisCluster, type RedisCluster } from '../support/redisCluster.js';

/**
 * Regression: on a Cluster whose client has an ioredis `keyPrefix`, ioredis prefixes sharded
 * channels when it subscribes (they are keys to it) but not the channels the scripts publish to,
 * so no event arrived (a task's submitter waited forever). Scripts now publish to the prefixed
 * channel, and the subscriber takes the prefix off what Redis reports.
 */
let cluster: RedisCluster;
let client: Cluster;
let backend: RedisBackend;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
  client = new Cluster([...cluster.startupNodes], { keyPrefix: 'tenant-7:' });
  backend = createRedisBackend({ client, prefix: 'kp' });
}, 60_000);

afterAll(async () => {
  await backend.close();
  client.disconnect();
  await cluster.stop();
});

it('delivers task events: a submit completes with its result', async () => {
  const pool = worker(backend, { double: (n: number) => n * 2 }, { pollInterval: 10_000, gracePeriod: 0 }).subscribe();
  const events = await lastValueFrom(submit(backend, 'double', 21).pipe(toArray()));
  pool.unsubscribe();
  expect(events.map(({ type }) => type)).toEqual(['queued', 'started', 'succeeded']);
  expect(events.at(-1)).toMatchObject({ result: 42 });
});

it('delivers store changes and lease events', async () => {
  const seen = firstValueFrom(changes(backend, 'config/').pipe(filter((event) => event.type === 'put')));
  const acquired = firstValueFrom(backend.leaseEvents('lock:job').pipe(filter((event) => event.type === 'acquired')));
  await firstValueFrom(backend.get('config/mode')); // reads wait until every subscription is acknowledged
  await firstValueFrom(backend.put('config/mode', 'fast'));
  await expect(seen).resolves.toMatchObject({ key: 'config/mode' });
  const held = lock(backend, 'job').subscribe();
  await expect(acquired).resolves.toMatchObject({ key: 'lock:job' });
  held.unsubscribe();
});
