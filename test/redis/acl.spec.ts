import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { firstValueFrom, timeout } from 'rxjs';
import { BackendReplyError, lock } from 'rx-sync';
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';
import { describeBackendContract } from '../contract/backendContract.js';
import { describeTaskBackendContract } from '../contract/taskBackendContract.js';
import { adminClient } from '../support/redisServer.js';
import { closeClient, leaseKeys, storeKeys, useRedisServer } from '../support/redisTestKit.js';
import { randomPrefix } from '../support/testKit.js';

/**
 * rx-sync under a least-privilege ACL user: keys and channels of its prefix only (`~prefix:*`,
 * `&prefix:*`), and only the commands it sends: EVALSHA/EVAL (the scripts), the commands the
 * scripts call (Redis checks each of them, with its keys, against the user that runs the script),
 * the few it sends itself (TIME, HMGET, GET, ZADD, SCAN, PUBLISH in quorum mode, SUBSCRIBE and
 * UNSUBSCRIBE on its pub/sub connection) and INFO, ioredis's ready check. Both contract suites run
 * through such a user, a fresh one per test for that test's prefix; then the ACL log must show no
 * refused command. Not needed on one Redis, so left out: WAIT (`replicaAcknowledgement`), and on a
 * Cluster SPUBLISH, SSUBSCRIBE, SUNSUBSCRIBE and CLUSTER|SLOTS (ioredis's slot table).
 */
const ACL_COMMANDS = [
  // scripts (ioredis defineCommand: EVALSHA, EVAL on NOSCRIPT)
  'evalsha',
  'eval',
  // called by the scripts, and TIME, HMGET, GET, ZADD, SCAN by the backend itself
  'time',
  'get',
  'set',
  'del',
  'exists',
  'pexpire',
  'pttl',
  'persist',
  'hget',
  'hmget',
  'hgetall',
  'hset',
  'hdel',
  'hincrby',
  'zadd',
  'zrem',
  'zscore',
  'zrange',
  'zrangebyscore',
  'zpopmin',
  'scan',
  'publish',
  // the pub/sub connection
  'subscribe',
  'unsubscribe',
  // ioredis's ready check (or connect with `enableReadyCheck: false` and leave it out)
  'info',
] as const;

/** The `ACL SETUSER` arguments of a user limited to `prefix`. */
function aclSetUser(user: string, password: string, prefix: string): string[] {
  return [
    user,
    'reset',
    'on',
    `>${password}`,
    `~${prefix}:*`,
    `&${prefix}:*`,
    ...ACL_COMMANDS.map((command) => `+${command}`),
  ];
}

let admin: Redis;
/** The user and client of each backend, for teardown. */
const connections = new Map<RedisBackend, { user: string; client: Redis }>();

// Declared before useRedisServer(): afterAll hooks run in declaration order, so this one runs while the server is up.
afterAll(() => closeClient(admin));
const server = useRedisServer();
beforeAll(async () => {
  admin = adminClient(server);
  await admin.call('ACL', 'LOG', 'RESET');
});

/** A client logged in as a fresh user that may touch only `prefix`'s keys and channels. */
async function restrictedClient(prefix: string): Promise<{ user: string; client: Redis }> {
  const user = `rx-sync-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(16).toString('hex');
  await admin.call('ACL', 'SETUSER', ...aclSetUser(user, password, prefix));
  const client = new Redis({
    host: server.host,
    port: server.port,
    username: user,
    password,
    enableOfflineQueue: false,
    lazyConnect: true,
  });
  await client.connect();
  return { user, client };
}

async function restrictedBackend(expiryCheckInterval?: number): Promise<RedisBackend> {
  const prefix = randomPrefix('acl');
  const connection = await restrictedClient(prefix);
  const backend = createRedisBackend({
    client: connection.client,
    prefix,
    ...(expiryCheckInterval !== undefined && { expiryCheckInterval }),
  });
  connections.set(backend, connection);
  return backend;
}

async function teardown(backend: RedisBackend): Promise<void> {
  await backend.close();
  const connection = connections.get(backend);
  connections.delete(backend);
  if (!connection) return;
  await closeClient(connection.client);
  await admin.call('ACL', 'DELUSER', connection.user);
}

/** The entries of `ACL LOG` (refused commands, keys and channels), as objects. */
async function aclLog(): Promise<Record<string, unknown>[]> {
  const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
  return entries.map((entry) => {
    const fields: Record<string, unknown> = {};
    for (let index = 0; index + 1 < entry.length; index += 2) fields[String(entry[index])] = entry[index + 1];
    return fields;
  });
}

describe('under a least-privilege ACL user (~prefix:* &prefix:*, only the commands rx-sync sends)', () => {
  describeBackendContract('redis (ACL user)', () => restrictedBackend(100), {
    teardown,
    announcesLeaseExpiry: false,
  });

  describeTaskBackendContract('redis (ACL user)', () => restrictedBackend(), { teardown });

  it('was refused nothing: the ACL log is empty after both suites', async () => {
    expect(await aclLog()).toEqual([]);
  });
});

describe("another prefix's keys and channels", () => {
  const theirs = randomPrefix('other');
  const ours = randomPrefix('acl');
  let client: Redis;
  let user: string;
  let subscriber: Redis | undefined;

  beforeEach(async () => {
    ({ client, user } = await restrictedClient(ours));
    await admin.call('ACL', 'LOG', 'RESET');
  });

  afterEach(async () => {
    if (subscriber) await closeClient(subscriber);
    subscriber = undefined;
    await closeClient(client);
    await admin.call('ACL', 'DELUSER', user);
  });

  it('are untouchable (NOPERM), also from inside a script, and rx-sync reports it as BackendReplyError', async () => {
    // Another tenant's lock and store item, written by the admin.
    const lease = leaseKeys(theirs, 'lock', 'payroll');
    const item = storeKeys(theirs, 'config');
    await admin.hset(lease.lease, 'owner', 'their-secret-owner', 'holder', 'them', 'token', '7');
    await admin.pexpire(lease.lease, 60_000);
    await admin.hset(item.item, 'value', 'theirs', 'version', '3');

    // NOPERM, or for a key a script is given in KEYS, Redis 7.0's "ERR The user executing the script
    // can't access at least one of the keys mentioned in the command arguments".
    const denied = /^NOPERM|^ERR The user executing the script can't access/;
    const refused = (request: Promise<unknown>): Promise<void> => expect(request).rejects.toThrow(denied);
    await refused(client.hgetall(lease.lease));
    await refused(client.hget(lease.lease, 'owner'));
    await refused(client.del(lease.lease));
    await refused(client.hset(item.item, 'value', 'mine'));
    await refused(client.get(item.version));
    await refused(client.publish(lease.channel, '{"type":"released","token":"8"}'));
    // A key passed to a script, and a key a script builds itself: Redis checks both against the
    // user running the script. The task scripts build task record names as KEYS[5] .. n, a base
    // under the prefix, so what they build stays under it (and is allowed, as the suites show).
    await refused(client.eval("return redis.call('HGET', KEYS[1], 'owner')", 1, lease.lease));
    await refused(client.eval("return redis.call('HGET', ARGV[1], 'owner')", 0, lease.lease));
    const base = `${ours}:{task:x}:task:`;
    expect(await client.eval("return redis.call('HGET', KEYS[1] .. ARGV[1], 'id')", 1, base, '42')).toBeNull();

    // Their channel cannot be listened to.
    subscriber = client.duplicate({ enableOfflineQueue: true });
    await refused(subscriber.subscribe(lease.channel));
    await refused(subscriber.subscribe(item.channel));

    // rx-sync on the same client with their prefix: every request is refused, typed, not transient.
    const intruder = createRedisBackend({ client, prefix: theirs });
    try {
      const attempt = firstValueFrom(lock(intruder, 'payroll', { acquireTimeout: 2_000 }).pipe(timeout(5_000)));
      await expect(attempt).rejects.toBeInstanceOf(BackendReplyError);
      await expect(attempt).rejects.toMatchObject({
        transient: false,
        message: expect.stringMatching(/NOPERM|can't access/),
      });
      await expect(firstValueFrom(intruder.get('config'))).rejects.toBeInstanceOf(BackendReplyError);
      await expect(firstValueFrom(intruder.put('config', 'mine'))).rejects.toBeInstanceOf(BackendReplyError);
      await expect(firstValueFrom(intruder.release('lock:payroll', 'their-secret-owner'))).rejects.toBeInstanceOf(
        BackendReplyError,
      );
    } finally {
      await intruder.close();
    }

    // Nothing of theirs changed, and Redis logged the refusals against this user.
    expect(await admin.hgetall(lease.lease)).toEqual({ owner: 'their-secret-owner', holder: 'them', token: '7' });
    expect(await admin.hgetall(item.item)).toEqual({ value: 'theirs', version: '3' });
    const log = await aclLog();
    expect(log.length).toBeGreaterThan(0);
    expect(new Set(log.map((entry) => entry['username']))).toEqual(new Set([user]));
    expect(new Set(log.map((entry) => entry['reason']))).toEqual(new Set(['key', 'channel']));
  });

  it('other commands are refused too (FLUSHDB, KEYS, CONFIG, SCRIPT, FUNCTION, CLIENT)', async () => {
    for (const command of [
      ['FLUSHDB'],
      ['KEYS', '*'],
      ['CONFIG', 'GET', '*'],
      ['SCRIPT', 'FLUSH'],
      ['FUNCTION', 'LIST'],
    ]) {
      await expect(client.call(command[0]!, ...command.slice(1))).rejects.toThrow(/^NOPERM/);
    }
    await expect(client.call('CLIENT', 'LIST')).rejects.toThrow(/^NOPERM/);
  });

  it('their key NAMES are visible to SCAN (Redis does not filter SCAN by key patterns), their contents are not', async () => {
    // A limit of Redis ACLs, documented in the README: SCAN lists every key of the database.
    const lease = leaseKeys(theirs, 'lock', 'visible-name');
    await admin.hset(lease.lease, 'owner', 'x', 'holder', 'them', 'token', '1');
    await admin.pexpire(lease.lease, 60_000);
    const seen: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${theirs}:*`, 'COUNT', 1000);
      cursor = next;
      seen.push(...batch);
    } while (cursor !== '0');
    expect(seen).toContain(lease.lease);
    await expect(client.hgetall(lease.lease)).rejects.toThrow(/^NOPERM/);
  });
});

describe('README', () => {
  it('shows the ACL line this spec uses', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(
      ['ACL SETUSER', ...aclSetUser('billing-app', 'long-random-password', 'billing')].join(' '),
    );
  });
});
