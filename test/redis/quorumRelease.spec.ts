/**
 * Release on a Redlock quorum, on every size from 2 to 5 masters: `true` exactly when the owner held
 * the lease on a majority. Regression: a stale owner, whose lease had lapsed on a majority and been
 * taken by another while a leftover of it stayed on a minority (a master where it lapsed later),
 * got `true` because one master deleted that leftover (seen 1 run in 4 on five masters).
 */
import type { SyncBackend } from 'rx-sync';
import { leaseKeys, ready, type Redis, Resources, useRedisServers } from '../support/redisTestKit.js';
import { randomPrefix, single } from '../support/testKit.js';

const servers = useRedisServers(6);
const resources = new Resources();

afterEach(() => resources.release());

/**
 * A quorum backend on the first `size` masters (events and store on the last server), admin clients
 * of those masters, and `settled()`: resolves once every master has carried out what the backend
 * sent it so far (a quorum step replies as soon as a majority settles it; the others' requests may
 * still be on their way, and each master runs its connection's requests in order).
 */
async function quorumOf(
  size: number,
  prefix: string,
): Promise<{ backend: SyncBackend; admins: Redis[]; settled: () => Promise<unknown> }> {
  const masters = servers.slice(0, size);
  const quorum = masters.map((master) => resources.client(master, { enableOfflineQueue: false }));
  for (const client of quorum) await ready(client);
  const backend = resources.backend({ client: resources.client(servers[5]!), quorum, prefix });
  return {
    backend,
    admins: masters.map((master) => resources.client(master)),
    settled: () => Promise.all(quorum.map((client) => client.ping())),
  };
}

const claim = (owner: string) => ({ owner, holder: owner, leaseDuration: 60_000 });

describe.each([2, 3, 4, 5])('release on a quorum of %i masters', (size) => {
  const majority = Math.floor(size / 2) + 1;

  it(`is false for a stale owner whose leftovers remain on ${size - majority} of them, which it removes; the holder keeps the lease`, async () => {
    const prefix = randomPrefix('qr');
    const { backend, admins, settled } = await quorumOf(size, prefix);
    const { lease } = leaseKeys(prefix, 'lock', 'k');
    expect(await single(backend.tryAcquire('lock:k', claim('a')))).toMatchObject({ granted: true });
    await settled();
    // a's lease lapses on a majority (here: its key is deleted there) and b takes them; on the
    // rest, leftovers of a's tenure remain. Then a, stale, releases.
    for (const admin of admins.slice(0, majority)) await admin.del(lease);
    expect(await single(backend.tryAcquire('lock:k', claim('b')))).toMatchObject({ granted: true });
    await settled();
    const owners = async (): Promise<(string | null)[]> =>
      Promise.all(admins.map((admin) => admin.hget(lease, 'owner')));
    expect(await owners()).toEqual([...Array(majority).fill('b'), ...Array(size - majority).fill('a')]);

    expect(await single(backend.release('lock:k', 'a'))).toBe(false);
    await settled();
    expect(await owners()).toEqual([...Array(majority).fill('b'), ...Array(size - majority).fill(null)]);
    expect(await single(backend.readLease('lock:k'))).toMatchObject({ holder: 'b' });
    expect(await single(backend.release('lock:k', 'b'))).toBe(true);
    expect(await single(backend.readLease('lock:k'))).toBeUndefined();
  });

  it('is true for an owner that holds the lease on exactly a majority, and false for one that never held it', async () => {
    const prefix = randomPrefix('qr');
    const { backend, admins, settled } = await quorumOf(size, prefix);
    const { lease } = leaseKeys(prefix, 'lock', 'k');
    expect(await single(backend.tryAcquire('lock:k', claim('a')))).toMatchObject({ granted: true });
    await settled();
    for (const admin of admins.slice(majority)) await admin.del(lease);
    expect(await single(backend.release('lock:k', 'nobody'))).toBe(false);
    expect(await single(backend.release('lock:k', 'a'))).toBe(true);
    await settled();
    expect(await Promise.all(admins.map((admin) => admin.exists(lease)))).toEqual(Array(size).fill(0));
  });
});
