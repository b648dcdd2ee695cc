import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { Redis, type RedisOptions } from 'ioredis';
import { firstValueFrom, lastValueFrom, take, timeout, toArray, type Observable } from 'rxjs';
import { changes, keyValue, leader, leadership, lock, submit, worker, type TaskRequest } from 'rx-sync';
import type { RedisBackend } from 'rx-sync/redis';
import { adminClient, freePort, startRedisServer, stopRedisServers } from '../support/redisServer.js';
import { leaseKeys, Resources, useRedisServer } from '../support/redisTestKit.js';
import { randomPrefix, waitUntil } from '../support/testKit.js';

/**
 * What rx-sync must never give away. Owner ids (the secret that proves a lease is yours) are
 * never published: a raw `PSUBSCRIBE prefix:*` hears every message while locks, leadership, the
 * store and tasks run, and none holds an owner id. Credentials never appear in what rx-sync
 * surfaces: every error a request or a watch ends with, its `cause` chain and every property of
 * it (as `String()`, `JSON.stringify`, `util.inspect` and loggers would show them), and the
 * console, after a wrong password, a password revoked while connected and a refused connection
 * to a URL that holds the password.
 */
const server = useRedisServer();
let admin: Redis;
const resources = new Resources();

beforeAll(() => {
  admin = adminClient(server);
});

afterAll(() => admin.disconnect());

afterEach(() => resources.release());

/** A copy of `backend` (which is frozen) that records every owner id the primitives hand it. */
function recordingOwners(backend: RedisBackend, owners: Set<string>): RedisBackend {
  const copy = Object.fromEntries(
    Object.entries(backend as object).map(([key, value]: [string, unknown]) => [
      key,
      typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(backend) : value,
    ]),
  ) as unknown as RedisBackend;
  return {
    ...copy,
    tryAcquire: (key, claim) => {
      owners.add(claim.owner);
      return backend.tryAcquire(key, claim);
    },
    renew: (key, owner, leaseDuration) => {
      owners.add(owner);
      return backend.renew(key, owner, leaseDuration);
    },
    release: (key, owner) => {
      owners.add(owner);
      return backend.release(key, owner);
    },
    updateLease: (key, owner, value) => {
      owners.add(owner);
      return backend.updateLease(key, owner, value);
    },
  };
}

describe('owner ids are never published', () => {
  it('no message on any channel of the prefix holds an owner id (locks, leadership, store, tasks; single and quorum)', async () => {
    const quorumServers = await Promise.all([0, 1, 2].map(() => startRedisServer()));
    resources.defer(() => stopRedisServers(...quorumServers));
    const prefix = randomPrefix('secrets');
    const owners = new Set<string>();
    const ownersInRedis = new Set<string>();

    // Everything published under the prefix, on the server that carries every channel.
    const messages: { channel: string; message: string }[] = [];
    const listener = resources.client(server);
    listener.on('pmessage', (_pattern: string, channel: string, message: string) =>
      messages.push({ channel, message }),
    );
    await listener.psubscribe(`${prefix}:*`);

    const single = recordingOwners(resources.backend({ client: resources.client(server), prefix }), owners);
    const quorumPrefix = `${prefix}:q`; // also under the pattern
    const quorum = recordingOwners(
      resources.backend({
        client: resources.client(server),
        quorum: quorumServers.map((member) =>
          resources.client(member, { enableOfflineQueue: false, disconnectTimeout: 100 }),
        ),
        prefix: quorumPrefix,
      }),
      owners,
    );
    const readOwner = async (redis: Redis, lease: string): Promise<void> => {
      const owner = await redis.hget(lease, 'owner');
      if (owner !== null) ownersInRedis.add(owner);
    };

    // Locks: a holder and a waiter that takes over, on one Redis and on the quorum.
    for (const [backend, keyPrefix, redis] of [
      [single, prefix, admin],
      [quorum, quorumPrefix, resources.client(quorumServers[0]!, { disconnectTimeout: 100 })],
    ] as const) {
      const first = resources.record(lock(backend, 'invoices', { holder: 'node-a' }), 'first holder');
      await first.nth(0);
      await readOwner(redis, leaseKeys(keyPrefix, 'lock', 'invoices').lease);
      const second = resources.record(lock(backend, 'invoices', { holder: 'node-b' }), 'second holder');
      first.stop();
      await second.nth(0);
      await readOwner(redis, leaseKeys(keyPrefix, 'lock', 'invoices').lease);
      second.stop();
    }

    // Leadership with a public value, watched by leader(); a second candidate takes over.
    const watched = resources.record(leader(single, 'billing'), 'leader');
    const a = resources.record(leadership(single, 'billing', { candidate: 'cand-a', value: 'addr-a' }), 'a');
    await a.nth(0);
    await readOwner(admin, leaseKeys(prefix, 'leader', 'billing').lease);
    const b = resources.record(leadership(single, 'billing', { candidate: 'cand-b', value: 'addr-b' }), 'b');
    a.stop();
    await b.nth(0);
    await readOwner(admin, leaseKeys(prefix, 'leader', 'billing').lease);
    await watched.until((recorder) => recorder.values.some((value) => value?.candidate === 'cand-b'), 'see cand-b');
    b.stop();

    // The store, watched.
    const changed = resources.record(changes(single, 'config/'), 'changes');
    const item = resources.record(keyValue(single, 'config/mode'), 'keyValue');
    // A watch is live once a read made after it is answered (keyValue's first value is one).
    await item.nth(0);
    await firstValueFrom(single.get('config/mode'));
    await firstValueFrom(single.put('config/mode', 'fast'));
    await firstValueFrom(single.delete('config/mode'));
    await changed.until((recorder) => recorder.values.length >= 2, 'see the put and the delete');
    item.stop();

    // Tasks: one submitted and run to its result.
    const pool = resources.record(worker(single, { double: (n: number) => n * 2 }), 'worker');
    const events = await lastValueFrom(submit(single, 'double', 21).pipe(toArray(), timeout(10_000)));
    expect(events.at(-1)).toMatchObject({ type: 'succeeded', result: 42 });
    pool.stop();

    // Every release is published; wait for the last ones to arrive.
    await waitUntil(
      () =>
        messages.filter((entry) => entry.message.includes('"released"')).length >= 6 &&
        messages.some((entry) => entry.message.includes('"succeeded"')),
      5_000,
      'the releases of 4 lock tenures and 2 terms, and the task success',
    );

    expect(owners.size).toBeGreaterThanOrEqual(6);
    for (const owner of owners) expect(owner).toMatch(/^[0-9a-f]{32}$/);
    expect(ownersInRedis.size).toBe(6);
    for (const owner of ownersInRedis) expect(owners).toContain(owner);
    // The check can see what is published: holders, candidates, values, task events.
    const everything = messages.map((entry) => `${entry.channel} ${entry.message}`).join('\n');
    for (const visible of ['node-a', 'node-b', 'cand-b', 'addr-b', '"put"', '"succeeded"']) {
      expect(everything).toContain(visible);
    }
    const leaked = messages.filter((entry) =>
      [...owners].some((owner) => entry.channel.includes(owner) || entry.message.includes(owner)),
    );
    expect(leaked).toEqual([]);
  });
});

/** Everything an error shows: `String()`, `JSON.stringify`, `util.inspect`, and every string in its properties. */
function everythingShown(error: unknown): string {
  const texts = [String(error), inspect(error, { depth: Infinity, showHidden: true })];
  try {
    texts.push(JSON.stringify(error) ?? '');
  } catch {
    // A cycle or a BigInt: the walk below still reads every string.
  }
  const seen = new Set<unknown>();
  const walk = (value: unknown, depth: number): void => {
    if (typeof value === 'string') texts.push(value);
    if (typeof value !== 'object' || value === null || seen.has(value) || depth > 12) return;
    seen.add(value);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && 'value' in descriptor) {
        walk(descriptor.value, depth + 1);
        if (descriptor.value instanceof Error) {
          texts.push(String(descriptor.value));
          try {
            texts.push(JSON.stringify(descriptor.value) ?? '');
          } catch {
            // as above
          }
        }
      }
    }
  };
  walk(error, 0);
  return texts.join('\n');
}

/** The error `source` ends with (bounded), or a marker when it emitted or completed instead. */
function failureOf(source: Observable<unknown>, within = 5_000): Promise<unknown> {
  return firstValueFrom(source.pipe(take(1), timeout(within))).then(
    (value) => new Error(`emitted instead of failing: ${inspect(value)}`),
    (error: unknown) => error,
  );
}

const REQUEST: TaskRequest = {
  name: 'job',
  input: '1',
  policy: { attempts: 1, retryDelay: 10, maxRetryDelay: 10, retryJitter: 0, timeout: Infinity },
  retention: 60_000,
};

/** The request paths of the backend: every one goes through the backend's request wrapper. */
function requests(backend: RedisBackend): Record<string, Observable<unknown>> {
  return {
    'lock()': lock(backend, 'x', { acquireTimeout: 3_000 }),
    tryAcquire: backend.tryAcquire('lock:y', { owner: 'o'.repeat(32), holder: 'h', leaseDuration: 1_000 }),
    readLease: backend.readLease('lock:y'),
    get: backend.get('k'),
    put: backend.put('k', 'v'),
    list: backend.list(''),
    now: backend.now(),
    enqueue: backend.enqueue(REQUEST),
    readTask: backend.readTask('job:1'),
  };
}

/** The watch paths: their errors come from the pub/sub connection. */
function watches(backend: RedisBackend): Record<string, Observable<unknown>> {
  return {
    'changes()': changes(backend, ''),
    'keyValue()': keyValue(backend, 'k'),
    'leader()': leader(backend, 'g'),
    leaseEvents: backend.leaseEvents('lock:z'),
    taskEvents: backend.taskEvents('job:1'),
    taskSignals: backend.taskSignals(['job']),
  };
}

/*
 * Regression: the watch paths used to surface ioredis's raw error of a refused SUBSCRIBE, whose
 * `command` holds the AUTH arguments, password included (redisSubscriber failed its listeners with
 * it as it was). It now goes through toSyncError like every request.
 */

describe('credentials never appear in errors or logs', () => {
  const user = 'app';
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const wrongPassword = `wrong-${randomBytes(12).toString('hex')}`;
  let console_: jest.SpiedFunction<(...args: unknown[]) => void>[];

  beforeEach(async () => {
    await admin.call('ACL', 'SETUSER', user, 'reset', 'on', `>${password}`, '~*', '&*', '+@all');
    console_ = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => jest.spyOn(console, method));
  });

  afterEach(async () => {
    const logged = console_.flatMap((spy) => spy.mock.calls.map((call) => call.map((arg) => inspect(arg)).join(' ')));
    for (const spy of console_) spy.mockRestore();
    await admin.call('ACL', 'DELUSER', user);
    for (const line of logged) {
      expect(line).not.toContain(password);
      expect(line).not.toContain(wrongPassword);
    }
  });

  /** Runs every request and watch on `backend`; returns which paths failed, and what each error shows. */
  async function failures(backend: RedisBackend): Promise<Record<string, string>> {
    const shown: Record<string, string> = {};
    for (const [path, source] of Object.entries({ ...requests(backend), ...watches(backend) })) {
      const error = await failureOf(source);
      expect({ path, failed: error instanceof Error && !error.message.startsWith('emitted instead') }).toEqual({
        path,
        failed: true,
      });
      shown[path] = everythingShown(error);
    }
    return shown;
  }

  function leaking(shown: Record<string, string>, ...secrets: string[]): string[] {
    return Object.entries(shown)
      .filter(([, text]) => secrets.some((secret) => text.includes(secret)))
      .map(([path]) => path);
  }

  /** No path leaks: neither requests nor watches. */
  function expectNoLeaks(leaks: string[]): void {
    expect(leaks).toEqual([]);
  }

  function client(options: RedisOptions): Redis {
    return resources.client(server, { username: user, maxRetriesPerRequest: 1, disconnectTimeout: 100, ...options });
  }

  it('a wrong password (WRONGPASS): requests fail without it; nor do watches', async () => {
    const backend = resources.backend({
      client: client({ password: wrongPassword }),
      prefix: randomPrefix('s'),
      requestTimeout: 2_000,
    });
    const shown = await failures(backend);
    expect(shown['get']).toMatch(/WRONGPASS/);
    expectNoLeaks(leaking(shown, wrongPassword, password));
  });

  it('a password revoked while connected: requests fail without the old one', async () => {
    const redis = client({ password });
    const backend = resources.backend({ client: redis, prefix: randomPrefix('s'), requestTimeout: 2_000 });
    expect(await firstValueFrom(backend.put('k', 'v'))).toMatchObject({ value: 'v' });
    // Rotate the password and drop the connections: ioredis logs in again with the old one.
    await admin.call('ACL', 'SETUSER', user, 'resetpass', `>${wrongPassword}`);
    await admin.call('CLIENT', 'KILL', 'USER', user);
    const shown = await failures(backend);
    expectNoLeaks(leaking(shown, password, wrongPassword));
  });

  it('a refused connection to a URL that holds the password: no password, no URL', async () => {
    const port = await freePort(); // nothing listens there
    const url = `redis://${user}:${password}@127.0.0.1:${port}`;
    const refused = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 20, disconnectTimeout: 100 });
    refused.on('error', () => undefined);
    resources.defer(() => refused.disconnect());
    const backend = resources.backend({ client: refused, prefix: randomPrefix('s'), requestTimeout: 2_000 });
    const shown = await failures(backend);
    expect(shown['get']).toMatch(/ECONNREFUSED|max retries|Connection is closed/i);
    expect(leaking(shown, password, url, `${user}:${password}`)).toEqual([]);
  });
});
