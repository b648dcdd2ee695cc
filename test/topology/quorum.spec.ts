import { Redis } from 'ioredis';
import { firstValueFrom } from 'rxjs';
import { BackendUnavailableError, leadership, lock, type Lease, type Term } from 'rx-sync';
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';
import { describeBackendContract } from '../contract/backendContract.js';
import type { RedisServer } from '../support/redisServer.js';
import { closeClient, leaseKeys, ready, useRedisServers } from '../support/redisTestKit.js';
import { now, randomName, randomPrefix, Recorder } from '../support/testKit.js';

/**
 * Locks and leadership by the Redlock quorum over five independent masters (the store on a sixth
 * server), shared by every test of this file: the whole backend contract with five masters up,
 * again with two of them killed (3 of 5 answer: a majority), then with a third one killed (2 of 5):
 * a held lease is given up by its validity deadline, and acquiring fails cleanly with
 * `BackendUnavailableError` whose cause says the quorum was not reached.
 */
const servers = useRedisServers(6, {}, 30_000);
const store = servers[0]!;
const masters = servers.slice(1);
const down = new Set<number>();
const clients: Redis[] = [];

/** A quorum client: fails fast while its master is down (no offline queue), as the README recommends. */
function client(server: RedisServer, enableOfflineQueue = false): Redis {
  // A short `disconnectTimeout`: closing a client of a killed master leaves no 2 s timer behind.
  const made = new Redis({ host: server.host, port: server.port, enableOfflineQueue, disconnectTimeout: 100 });
  made.on('error', () => undefined); // masters are killed on purpose
  clients.push(made);
  return made;
}

/** A backend on the five masters; waits for the clients of the live ones. */
async function quorumBackend(prefix = randomPrefix('five')): Promise<RedisBackend> {
  const quorum = masters.map((master) => client(master));
  await Promise.all(quorum.filter((_, index) => !down.has(index)).map((made) => ready(made, 10_000)));
  const storeClient = client(store, true);
  await ready(storeClient);
  return createRedisBackend({ client: storeClient, quorum, prefix, expiryCheckInterval: 100 });
}

async function kill(...indexes: number[]): Promise<void> {
  await Promise.all(indexes.map((index) => masters[index]!.stop('SIGKILL')));
  for (const index of indexes) down.add(index);
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((made) => closeClient(made)));
});

const contract = { teardown: (backend: RedisBackend) => backend.close(), announcesLeaseExpiry: false } as const;

describeBackendContract('redis (quorum of 5 masters, all up)', () => quorumBackend(), contract);

describe('with 2 of 5 masters killed (3 answer: a majority)', () => {
  beforeAll(() => kill(3, 4));

  describeBackendContract('redis (quorum of 5 masters, 3 up)', () => quorumBackend(), contract);
});

describe('with 3 of 5 masters killed (2 answer: no majority)', () => {
  it('a held lock and leadership end by their validity deadline when the third master dies', async () => {
    const backend = await quorumBackend();
    const leaseDuration = 1_500;
    const held = new Recorder<Lease>(lock(backend, randomName('held'), { leaseDuration }), { label: 'lock' });
    const lease = await held.nth(0);
    const campaign = new Recorder<Term>(leadership(backend, randomName('group'), { leaseDuration }), {
      label: 'leadership',
    });
    const term = await campaign.nth(0);
    await kill(2);
    const killedAt = now();
    await held.completion(2 * leaseDuration);
    await campaign.completion(2 * leaseDuration);
    expect(held.endedAt! - killedAt).toBeLessThanOrEqual(leaseDuration);
    expect(campaign.endedAt! - killedAt).toBeLessThanOrEqual(leaseDuration);
    expect(lease.isValid()).toBe(false);
    expect(term.isValid()).toBe(false);
    await backend.close();
  });

  it('acquiring and campaigning fail cleanly with BackendUnavailableError: quorum not reached', async () => {
    const prefix = randomPrefix('two-up');
    const backend = await quorumBackend(prefix);
    const name = randomName('lock');
    const attempt = new Recorder<Lease>(lock(backend, name, { acquireTimeout: 20_000 }), {
      label: 'lock',
      within: 15_000,
    });
    const error = await attempt.failure();
    expect(attempt.values).toEqual([]);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error).toMatchObject({ operation: 'tryAcquire', transient: true });
    const cause = (error as Error).cause as AggregateError;
    expect(cause).toBeInstanceOf(AggregateError);
    expect(cause.message).toMatch(/quorum not reached: 2 of 5 masters answered, 3 needed/);
    expect(cause.errors).toHaveLength(3);
    // The partial grants on the live masters were given back.
    const live = [0, 1].map((index) => client(masters[index]!));
    for (const admin of live) {
      await ready(admin);
      expect(await admin.exists(leaseKeys(prefix, 'lock', name).lease)).toBe(0);
    }
    const campaign = new Recorder<Term>(leadership(backend, randomName('group')), {
      label: 'leadership',
      within: 15_000,
    });
    expect(await campaign.failure()).toBeInstanceOf(BackendUnavailableError);
    await expect(firstValueFrom(backend.readLease('lock:any'))).rejects.toBeInstanceOf(BackendUnavailableError);
    await backend.close();
  });
});
