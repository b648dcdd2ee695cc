import fc from 'fast-check';
import { Redis } from 'ioredis';
import { firstValueFrom, type Subscription } from 'rxjs';
import { changes, keyValue, leadership, lock, schedule, submit, worker, type ChangeEvent } from 'rx-sync';
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';
import { expectMisuse, globName, sitesOf } from '../support/badInput.js';
import { closeClient, listening, useRedisServer } from '../support/redisTestKit.js';
import { randomPrefix, single, waitUntil } from '../support/testKit.js';

/**
 * Bad input against a real redis-server: every backend method refuses it at call time and no key
 * is written; glob characters in keys, prefixes and backend prefixes cannot widen a SCAN; a lone
 * surrogate (which Redis would turn into U+FFFD) is refused; the limits hold on Redis too, and
 * fractional durations are accepted as on the memory backend. The
 * property tests in test/unit/badInput cover the rest on the memory backend, which shares every
 * check.
 */

let client: Redis;
const backends: RedisBackend[] = [];
const subscriptions: Subscription[] = [];

function backend(
  options: { prefix?: string; limits?: { maxNameLength?: number; maxValueSize?: number } } = {},
): RedisBackend {
  const created = createRedisBackend({
    client,
    prefix: options.prefix ?? randomPrefix('bad'),
    ...(options.limits && { limits: options.limits }),
  });
  backends.push(created);
  return created;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(
      cursor,
      'MATCH',
      `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
      'COUNT',
      1_000,
    );
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

// Declared before useRedisServer(): afterAll hooks run in declaration order, so this one runs while the server is up.
afterAll(async () => {
  await Promise.all(backends.map((each) => each.close()));
  await closeClient(client);
});
const server = useRedisServer();
beforeAll(async () => {
  client = new Redis(server.url, { enableOfflineQueue: false, lazyConnect: true });
  await client.connect();
});

afterEach(() => subscriptions.splice(0).forEach((subscription) => subscription.unsubscribe()));

describe('every backend method', () => {
  it('refuses bad input at call time, and nothing reaches Redis', async () => {
    const prefix = randomPrefix('methods');
    const small = backend({ prefix, limits: { maxNameLength: 128, maxValueSize: 1_024 } });
    const before = await client.dbsize();
    for (const site of sitesOf(small)) {
      fc.assert(
        fc.property(site.arbitrary(small.limits), ({ value, error }) => {
          expectMisuse(() => site.call(small, value), site.what, error);
        }),
        { numRuns: 15 },
      );
    }
    // The public functions check the same way before they build a request.
    for (const [what, call] of [
      ['key', () => lock(small, 'k'.repeat(129))],
      ['group', () => leadership(small, 'g\u0000')],
      ['key', () => keyValue(small, '')],
      ['prefix', () => changes(small, 'p'.repeat(129))],
      ['input', () => submit(small, 'resize', 'v'.repeat(1_024))],
      ['handlers key', () => worker(small, { ['t'.repeat(129)]: () => 1 })],
      ['interval', () => schedule(small, 'g', 'resize', { interval: Number.NaN })],
    ] as const) {
      expectMisuse(call, what);
    }
    expect(await keysUnder(prefix)).toEqual([]);
    expect(await client.dbsize()).toBe(before);
  });
});

describe('glob characters', () => {
  it('in a key prefix match themselves: list("a*") does not return "ab", changes("a*") does not hear it', async () => {
    const prefix = randomPrefix('glob');
    const store = backend({ prefix });
    for (const key of ['ab', 'a*', 'a*b', 'a?', 'a[b]', 'a\\', 'b']) await firstValueFrom(store.put(key, key));
    expect((await firstValueFrom(store.list('a*'))).map((item) => item.key)).toEqual(['a*', 'a*b']);
    expect((await firstValueFrom(store.list('a?'))).map((item) => item.key)).toEqual(['a?']);
    expect((await firstValueFrom(store.list('a['))).map((item) => item.key)).toEqual(['a[b]']);
    expect((await firstValueFrom(store.list('a\\'))).map((item) => item.key)).toEqual(['a\\']);
    const heard: ChangeEvent[] = [];
    subscriptions.push(changes(store, 'a*').subscribe((event) => heard.push(event)));
    await listening(client, `${prefix}:{kv-changes}`);
    await firstValueFrom(store.put('ab', 'again'));
    await firstValueFrom(store.put('a*c', 'new'));
    await waitUntil(() => heard.length > 0, 5_000, 'the change of a*c');
    expect(heard.map((event) => event.key)).toEqual(['a*c']); // published in order: ab's would have come first
  });

  it('list exactly the keys that start with the prefix, whatever the characters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(globName, { maxLength: 8 }),
        fc.string({ unit: fc.constantFrom('a', '*', '?', '[', ']', '\\'), maxLength: 3 }),
        async (keys, prefix) => {
          const store = backend();
          for (const key of keys) await firstValueFrom(store.put(key, 'v'));
          const listed = (await firstValueFrom(store.list(prefix))).map((item) => item.key);
          expect(listed).toEqual(keys.filter((key) => key.startsWith(prefix)).sort());
        },
      ),
      { numRuns: 15 },
    );
  });

  it("in a backend's prefix cannot reach another namespace", async () => {
    const tag = randomPrefix('ns');
    const globbed = backend({ prefix: `${tag}*` });
    const plain = backend({ prefix: `${tag}x` });
    const bracketed = backend({ prefix: `${tag}[x]` });
    await firstValueFrom(plain.put('k', 'plain'));
    await firstValueFrom(bracketed.put('k', 'bracketed'));
    await firstValueFrom(globbed.put('k', 'globbed'));
    expect((await firstValueFrom(globbed.list(''))).map((item) => item.value)).toEqual(['globbed']);
    expect((await firstValueFrom(bracketed.list(''))).map((item) => item.value)).toEqual(['bracketed']);
    expect((await firstValueFrom(plain.list(''))).map((item) => item.value)).toEqual(['plain']);
  });
});

describe('lone surrogates', () => {
  it('would meet in one Redis key (UTF-8 turns each into U+FFFD), so rx-sync refuses them in names and values', async () => {
    const tag = randomPrefix('utf');
    await client.set(`${tag}:\ud800`, 'first');
    expect(await client.get(`${tag}:\udfff`)).toBe('first'); // another name, the same key
    expect(await client.get(`${tag}:\ufffd`)).toBe('first');
    await client.del(`${tag}:\ufffd`);

    const store = backend();
    expectMisuse(() => store.put('\ud800', 'v'), 'key', TypeError);
    expectMisuse(() => store.put('k', 'v\udfff'), 'value', TypeError);
    expectMisuse(() => lock(store, 'lock\ud800'), 'key', TypeError);
    expect(await keysUnder(tag)).toEqual([]);
  });
});

describe('limits', () => {
  it('default to 512 KiB values and 1_024-character names on Redis too, checked before anything is sent', async () => {
    const store = backend();
    expect(store.limits).toEqual({
      maxNameLength: 1_024,
      maxValueSize: 524_288,
      minLeaseDuration: 10,
      maxLeaseDuration: 2 ** 31 - 1,
    });
    const largest = 'v'.repeat(512 * 1024);
    expect((await firstValueFrom(store.put('big', largest))).value).toBe(largest);
    expect((await firstValueFrom(store.get('big')))?.value).toBe(largest);
    const longest = 'k'.repeat(1_024);
    await firstValueFrom(lock(store, longest));
    await firstValueFrom(store.put(longest, 'v'));
    expect((await firstValueFrom(store.list(longest))).map((item) => item.key)).toEqual([longest]);

    expectMisuse(() => store.put('big', `${largest}v`), 'value', RangeError);
    expectMisuse(() => store.put(`${longest}k`, 'v'), 'key', RangeError);
    expectMisuse(() => lock(store, `${longest}k`), 'key', RangeError);
  });

  it('may be set per backend', async () => {
    const store = backend({ limits: { maxValueSize: 2_048 } });
    expect(store.limits.maxValueSize).toBe(2_048);
    await firstValueFrom(store.put('k', 'v'.repeat(2_048)));
    expectMisuse(() => store.put('k', 'v'.repeat(2_049)), 'value', RangeError);
    expectMisuse(() => submit(store, 'resize', 'v'.repeat(2_047)), 'input', RangeError);
  });
});

describe('durations', () => {
  // Once a bug in src/backends/redis/{leases,store}/scripts/{acquireLease,renewLease,putItem}.ts:
  // durations went to PEXPIRE as they came, so a fractional `leaseDuration` or `timeToLive` (say
  // `base * 1.5`), valid on the memory backend, failed on Redis with "ERR value is not an integer or
  // out of range".
  it('may be fractional on Redis as on the memory backend: leaseDuration and timeToLive', async () => {
    const store = backend({ prefix: randomPrefix('frac') });
    const lease = await firstValueFrom(lock(store, 'jobs', { leaseDuration: 1_000.5 }));
    expect(lease.token).toBeGreaterThan(0);
    expect((await single(store.put('cfg/a', 'x', { timeToLive: 10_000.5 }))).value).toBe('x');
  });
});
