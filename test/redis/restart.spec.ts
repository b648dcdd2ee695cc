import { firstValueFrom } from 'rxjs';
import { keyValue, leadership, lock, type Item } from 'rx-sync';
import { leaseKeys, ready, type Redis, Resources, storeKeys, useRedisServer } from '../support/redisTestKit.js';
import { randomPrefix, single } from '../support/testKit.js';

const server = useRedisServer();
let admin: Redis;
const resources = new Resources();

beforeEach(() => {
  admin = resources.client(server);
});
afterEach(() => resources.release());

/** kill -9 the server and start it again, empty (no persistence); waits until `clients` are connected again. */
async function crashAndRestart(...clients: Redis[]): Promise<void> {
  await server.stop('SIGKILL');
  await server.restart();
  for (const client of clients) await ready(client, 15_000);
  expect(await clients[0]!.dbsize()).toBe(0);
}

/** The token of one acquisition of `key`, released right after. */
async function takeToken(backend: Parameters<typeof lock>[0], key: string): Promise<number> {
  return (await firstValueFrom(lock(backend, key, { acquireTimeout: 15_000 }))).token;
}

describe('after a kill -9 and restart of a non-persistent Redis', () => {
  it('keeps fencing tokens strictly increasing (seeded from the server clock) for locks and leadership', async () => {
    const prefix = randomPrefix('restart');
    const client = resources.client(server);
    const backend = resources.backend({ client, prefix });

    const tokens = [
      await takeToken(backend, 'jobs'),
      await takeToken(backend, 'jobs'),
      await takeToken(backend, 'jobs'),
    ];
    const campaign = resources.record(leadership(backend, 'billing', { leaseDuration: 2_000 }), 'leader before');
    const termBefore = (await campaign.nth(0)).term;
    const holder = resources.record(lock(backend, 'held', { leaseDuration: 2_000 }), 'holder during the crash');
    const heldToken = (await holder.nth(0)).token;
    expect(await admin.get(leaseKeys(prefix, 'lock', 'jobs').token)).toBe(String(tokens[2]));

    await crashAndRestart(admin, client);

    // The holders learn at their next renewal (refused: the lease is gone) or at their validity deadline.
    await holder.completion(10_000);
    await campaign.completion(10_000);

    tokens.push(await takeToken(backend, 'jobs'));
    for (let index = 1; index < tokens.length; index++) expect(tokens[index]).toBeGreaterThan(tokens[index - 1]!);
    expect(await takeToken(backend, 'held')).toBeGreaterThan(heldToken);
    const again = resources.record(leadership(backend, 'billing', { leaseDuration: 2_000 }), 'leader after');
    expect((await again.nth(0, 15_000)).term).toBeGreaterThan(termBefore);
  });

  it('keeps store versions increasing, and a watcher converges on the emptied store and on new writes', async () => {
    const prefix = randomPrefix('versions');
    const client = resources.client(server);
    const backend = resources.backend({ client, prefix });
    const writer = resources.backend({ client: resources.client(server), prefix });

    const watcher = resources.record(keyValue(backend, 'cfg/a'), 'keyValue');
    await watcher.nth(0);
    const versions: number[] = [];
    for (const value of ['1', '2', '3']) versions.push((await single(writer.put('cfg/a', value))).version);
    await watcher.until((recorder) => recorder.last?.value === '3', 'see the last put');

    await crashAndRestart(admin, client);

    // The item is gone with the data: after its reconnect, the watcher reads again and reports the absence.
    await watcher.until((recorder) => recorder.last === undefined, 'report the lost item', 15_000);
    const after = await single(writer.put('cfg/a', '4'), 15_000);
    versions.push(after.version);
    for (let index = 1; index < versions.length; index++) expect(versions[index]).toBeGreaterThan(versions[index - 1]!);
    expect(Number(await admin.get(storeKeys(prefix, 'cfg/a').version))).toBe(after.version);

    await watcher.until((recorder) => recorder.last?.value === '4', 'see the put after the restart');
    const seen = watcher.values.filter((item): item is Item => item !== undefined).map((item) => item.version);
    for (let index = 1; index < seen.length; index++) expect(seen[index]).toBeGreaterThan(seen[index - 1]!);
    expect(await single(backend.get('cfg/a'))).toEqual({ key: 'cfg/a', value: '4', version: after.version });
  });
});
