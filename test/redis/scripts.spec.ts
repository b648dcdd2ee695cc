import { createHash } from 'node:crypto';
import type { LeaseClaim } from 'rx-sync';
import { runScript, type RedisScript } from '../../src/backends/redis/redisScript.js';
import {
  acquireLease,
  acquireLeaseArgs,
  type AcquireLeaseReply,
  type LeasePublishing,
} from '../../src/backends/redis/leases/scripts/acquireLease.js';
import { deleteItem } from '../../src/backends/redis/store/scripts/deleteItem.js';
import { dueItems } from '../../src/backends/redis/store/scripts/dueItems.js';
import { forgetExpired } from '../../src/backends/redis/store/scripts/forgetExpired.js';
import { getItem } from '../../src/backends/redis/store/scripts/getItem.js';
import { putItem } from '../../src/backends/redis/store/scripts/putItem.js';
import { raiseTokenFloor } from '../../src/backends/redis/leases/scripts/raiseTokenFloor.js';
import { readLease } from '../../src/backends/redis/leases/scripts/readLease.js';
import { releaseLease } from '../../src/backends/redis/leases/scripts/releaseLease.js';
import { renewLease } from '../../src/backends/redis/leases/scripts/renewLease.js';
import { updateLease } from '../../src/backends/redis/leases/scripts/updateLease.js';
import { cancelTask } from '../../src/backends/redis/tasks/scripts/cancelTask.js';
import { claimTasks } from '../../src/backends/redis/tasks/scripts/claimTasks.js';
import { completeTasks } from '../../src/backends/redis/tasks/scripts/completeTasks.js';
import { enqueueTask } from '../../src/backends/redis/tasks/scripts/enqueueTask.js';
import { failTask } from '../../src/backends/redis/tasks/scripts/failTask.js';
import { peekTasks } from '../../src/backends/redis/tasks/scripts/peekTasks.js';
import { readTask } from '../../src/backends/redis/tasks/scripts/readTask.js';
import { renewTaskClaim } from '../../src/backends/redis/tasks/scripts/renewTaskClaim.js';
import { reportTaskProgress } from '../../src/backends/redis/tasks/scripts/reportTaskProgress.js';
import { luaModules } from '../support/redisScriptFiles.js';
import { leaseKeys, type Redis, Resources, storeKeys, useRedisServer } from '../support/redisTestKit.js';
import { randomPrefix, single } from '../support/testKit.js';

/** Every script module of src/backends/redis, by path from there (the helpers hold no script). */
const SCRIPTS: Record<string, RedisScript<readonly string[], readonly (string | number)[], unknown>> = {
  'leases/scripts/acquireLease.ts': acquireLease,
  'store/scripts/deleteItem.ts': deleteItem,
  'store/scripts/dueItems.ts': dueItems,
  'store/scripts/forgetExpired.ts': forgetExpired,
  'store/scripts/getItem.ts': getItem,
  'store/scripts/putItem.ts': putItem,
  'leases/scripts/raiseTokenFloor.ts': raiseTokenFloor,
  'leases/scripts/readLease.ts': readLease,
  'leases/scripts/releaseLease.ts': releaseLease,
  'leases/scripts/renewLease.ts': renewLease,
  'leases/scripts/updateLease.ts': updateLease,
  'tasks/scripts/cancelTask.ts': cancelTask,
  'tasks/scripts/claimTasks.ts': claimTasks,
  'tasks/scripts/completeTasks.ts': completeTasks,
  'tasks/scripts/enqueueTask.ts': enqueueTask,
  'tasks/scripts/failTask.ts': failTask,
  'tasks/scripts/peekTasks.ts': peekTasks,
  'tasks/scripts/readTask.ts': readTask,
  'tasks/scripts/renewTaskClaim.ts': renewTaskClaim,
  'tasks/scripts/reportTaskProgress.ts': reportTaskProgress,
};
const HELPERS = [
  'luaHelpers.ts',
  'leases/scripts/luaLineHelpers.ts',
  'store/scripts/luaStoreHelpers.ts',
  'tasks/scripts/luaTaskHelpers.ts',
];
const WEEK = 7 * 24 * 60 * 60 * 1000;

const server = useRedisServer();
const resources = new Resources();
/** How the lease scripts of these tests publish: events on the lease's channel, turns beside it. */
function published(keys: { channel: string; turnsPrefix: string }): LeasePublishing {
  return { channel: keys.channel, publishCommand: 'PUBLISH', turnsPrefix: keys.turnsPrefix };
}

/** Lease scripts that publish nothing, as a quorum's masters run them. */
const NOT_PUBLISHED: LeasePublishing = { channel: '', publishCommand: 'PUBLISH', turnsPrefix: '' };

/** One `acquireLease` for `claim` on the lease of `keys`, waiting (if it must) through the inbox `inbox`. */
function acquire(
  keys: ReturnType<typeof leaseKeys>,
  claim: LeaseClaim,
  publishing: LeasePublishing = published(keys),
): Promise<AcquireLeaseReply> {
  return single(
    runScript(
      client,
      acquireLease,
      [keys.lease, keys.token, keys.line, keys.lineDeadlines, keys.lineWaiters],
      acquireLeaseArgs(claim, 'inbox', publishing, WEEK),
    ),
  );
}

let client: Redis;

beforeEach(() => {
  client = resources.client(server);
});
afterEach(() => resources.release());

describe('Lua scripts on a real redis-server', () => {
  it('covers every module of Lua in src/backends/redis', () => {
    expect(luaModules()).toEqual([...Object.keys(SCRIPTS), ...HELPERS].sort());
  });

  it.each(Object.entries(SCRIPTS))('%s compiles (SCRIPT LOAD) under its registered name', async (_file, script) => {
    expect(script.name).toMatch(/^rxSync[A-Z]\w+$/);
    const sha = await client.script('LOAD', script.lua);
    expect(sha).toBe(createHash('sha1').update(script.lua).digest('hex'));
    expect(await client.script('EXISTS', sha as string)).toEqual([1]);
  });

  it('has distinct command names', () => {
    const names = Object.values(SCRIPTS).map((script) => script.name);
    expect(new Set(names).size).toBe(names.length);
  });

  describe('lease scripts', () => {
    it('acquire grants with a clock-seeded token, is idempotent for the owner, and refuses others with the holder', async () => {
      const keys = leaseKeys(randomPrefix(), 'lock', 'a');
      const before = Date.now() * 1000;
      const granted = await acquire(keys, { owner: 'owner-1', holder: 'node-1', leaseDuration: 5_000 });
      expect(granted).toEqual({ granted: true, token: expect.any(Number) });
      const token = (granted as { token: number }).token;
      expect(Number.isSafeInteger(token)).toBe(true);
      expect(token).toBeGreaterThanOrEqual(before - 5_000_000); // seeded from the server clock (µs)
      expect(await client.hget(keys.lease, 'owner')).toBe('owner-1');
      expect(Number(await client.get(keys.token))).toBe(token);

      const again = await acquire(keys, { owner: 'owner-1', holder: 'node-1', leaseDuration: 5_000 });
      expect(again).toEqual({ granted: true, token });

      const refused = await acquire(keys, { owner: 'owner-2', holder: 'node-2', leaseDuration: 5_000, value: 'v' });
      expect(refused).toEqual({
        granted: false,
        current: { holder: 'node-1', token },
        retryIn: expect.any(Number),
        minted: token, // the last token minted for the lease
      });
      const { retryIn } = refused as { retryIn: number };
      expect(retryIn).toBeGreaterThan(0);
      expect(retryIn).toBeLessThanOrEqual(5_000);
    });

    it('acquire continues from the token counter when it is ahead of the clock, and keeps the value', async () => {
      const keys = leaseKeys(randomPrefix(), 'leader', 'g');
      const floor = 5_000_000_000_000_000;
      await client.set(keys.token, String(floor - 1)); // as a quorum's raiseTokenFloor leaves it
      const reply = await acquire(
        keys,
        { owner: 'o', holder: 'h', leaseDuration: 5_000, value: 'addr' },
        NOT_PUBLISHED,
      );
      expect(reply).toEqual({ granted: true, token: floor });
      expect(await single(runScript(client, readLease, [keys.lease], []))).toEqual({
        holder: 'h',
        token: floor,
        value: 'addr',
        expiresIn: expect.any(Number),
      });
    });

    it('read, renew, update and release parse their replies', async () => {
      const keys = leaseKeys(randomPrefix(), 'lock', 'b');
      expect(await single(runScript(client, readLease, [keys.lease], []))).toBeUndefined();
      expect(await single(runScript(client, renewLease, [keys.lease], ['o', 1_000]))).toBe(false);
      expect(
        await single(runScript(client, updateLease, [keys.lease], ['o', 'x', keys.channel, 'PUBLISH'])),
      ).toBeUndefined();
      expect(
        await single(
          runScript(
            client,
            releaseLease,
            [keys.lease, keys.token, keys.line, keys.lineDeadlines, keys.lineWaiters],
            ['o', keys.channel, 'PUBLISH', '0', keys.turnsPrefix, '1', WEEK],
          ),
        ),
      ).toEqual({ token: 0 });

      const granted = await acquire(keys, { owner: 'o', holder: 'h', leaseDuration: 1_000 });
      const token = (granted as { token: number }).token;
      const held = await single(runScript(client, readLease, [keys.lease], []));
      expect(held).toEqual({ holder: 'h', token, expiresIn: expect.any(Number) });
      expect(held).not.toHaveProperty('value');

      expect(await single(runScript(client, renewLease, [keys.lease], ['other', 60_000]))).toBe(false);
      expect(await single(runScript(client, renewLease, [keys.lease], ['o', 60_000]))).toBe(true);
      expect(await client.pttl(keys.lease)).toBeGreaterThan(1_000);

      expect(
        await single(runScript(client, updateLease, [keys.lease], ['other', 'x', keys.channel, 'PUBLISH'])),
      ).toBeUndefined();
      expect(await single(runScript(client, updateLease, [keys.lease], ['o', 'x', keys.channel, 'PUBLISH']))).toEqual({
        holder: 'h',
        token,
        committed: false,
      });
      expect(await single(runScript(client, readLease, [keys.lease], []))).toMatchObject({ value: 'x' });

      expect(
        await single(
          runScript(
            client,
            releaseLease,
            [keys.lease, keys.token, keys.line, keys.lineDeadlines, keys.lineWaiters],
            ['other', keys.channel, 'PUBLISH', '0', keys.turnsPrefix, '1', WEEK],
          ),
        ),
      ).toEqual({ token: 0 });
      expect(
        await single(
          runScript(
            client,
            releaseLease,
            [keys.lease, keys.token, keys.line, keys.lineDeadlines, keys.lineWaiters],
            ['o', keys.channel, 'PUBLISH', '0', keys.turnsPrefix, '1', WEEK],
          ),
        ),
      ).toEqual({ token });
      expect(await client.exists(keys.lease)).toBe(0);
      expect(Number(await client.get(keys.token))).toBe(token); // the counter outlives the lease
    });

    it('raiseTokenFloor raises the counter, never lowers it, and stamps only the owner', async () => {
      const keys = leaseKeys(randomPrefix(), 'lock', 'c');
      await acquire(keys, { owner: 'o', holder: 'h', leaseDuration: 5_000 }, NOT_PUBLISHED);
      const high = 6_000_000_000_000_000;
      expect(await single(runScript(client, raiseTokenFloor, [keys.token, keys.lease], [high, WEEK, 'o']))).toBe(1);
      expect(Number(await client.get(keys.token))).toBe(high);
      expect(Number(await client.hget(keys.lease, 'token'))).toBe(high);
      expect(
        await single(runScript(client, raiseTokenFloor, [keys.token, keys.lease], [high - 10, WEEK, 'other'])),
      ).toBe(1);
      expect(Number(await client.get(keys.token))).toBe(high);
      expect(Number(await client.hget(keys.lease, 'token'))).toBe(high);
    });
  });

  describe('store scripts', () => {
    it('put, get and delete parse their replies and versions grow', async () => {
      const prefix = randomPrefix();
      const keys = storeKeys(prefix, 'cfg/a');
      const args = (ifVersion: number, timeToLive = 0) =>
        ['cfg/a', 'v', ifVersion, timeToLive, keys.channel, 'PUBLISH', WEEK, 60_000] as [
          string,
          string,
          number,
          number,
          string,
          'PUBLISH',
          number,
          number,
        ];

      expect(
        await single(runScript(client, getItem, [keys.item, keys.version], ['cfg/a', keys.channel, 'PUBLISH', WEEK])),
      ).toBeUndefined();
      const first = await single(runScript(client, putItem, [keys.item, keys.version], args(0)));
      expect(first).toEqual({ written: true, version: expect.any(Number), expiresAt: undefined });
      const version = (first as { version: number }).version;
      expect(await single(runScript(client, putItem, [keys.item, keys.version], args(0)))).toEqual({
        written: false,
        actualVersion: version,
      });
      const second = await single(runScript(client, putItem, [keys.item, keys.version], args(version, 60_000)));
      expect(second).toEqual({ written: true, version: expect.any(Number), expiresAt: expect.any(Number) });
      const secondVersion = (second as { version: number }).version;
      expect(secondVersion).toBeGreaterThan(version);
      expect(
        await single(runScript(client, getItem, [keys.item, keys.version], ['cfg/a', keys.channel, 'PUBLISH', WEEK])),
      ).toEqual({
        value: 'v',
        version: secondVersion,
      });

      expect(
        await single(
          runScript(client, deleteItem, [keys.item, keys.version], ['cfg/a', version, keys.channel, 'PUBLISH', WEEK]),
        ),
      ).toEqual({
        outcome: 'conflict',
        actualVersion: secondVersion,
      });
      expect(
        await single(
          runScript(client, deleteItem, [keys.item, keys.version], ['cfg/a', -1, keys.channel, 'PUBLISH', WEEK]),
        ),
      ).toEqual({
        outcome: 'deleted',
      });
      expect(
        await single(
          runScript(client, deleteItem, [keys.item, keys.version], ['cfg/a', -1, keys.channel, 'PUBLISH', WEEK]),
        ),
      ).toEqual({
        outcome: 'absent',
      });
      expect(Number(await client.get(keys.version))).toBeGreaterThan(secondVersion); // the delete took a fresh version
    });

    it('dueItems and forgetExpired read the expiry index', async () => {
      const prefix = randomPrefix();
      const index = `${prefix}:{kv-expiring}`;
      expect(await single(runScript(client, dueItems, [index], [10]))).toEqual({ due: [], nextIn: undefined });
      const [seconds] = await client.time();
      const serverMs = Number(seconds) * 1000;
      await client.zadd(index, serverMs - 10_000, 'old', serverMs + 600_000, 'later');
      const reply = await single(runScript(client, dueItems, [index], [10]));
      expect(reply.due).toEqual(['old']);
      expect(reply.nextIn).toBeGreaterThan(500_000);
      expect(await single(runScript(client, forgetExpired, [index], ['later']))).toBe(false);
      expect(await single(runScript(client, forgetExpired, [index], ['old']))).toBe(true);
      expect(await single(runScript(client, forgetExpired, [index], ['missing']))).toBe(false);
      expect(await client.zrange(index, 0, -1)).toEqual(['later']);
    });
  });
});
