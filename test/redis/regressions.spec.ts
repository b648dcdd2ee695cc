/**
 * Regression tests for bugs found in src while writing the Redis integration tests (all fixed).
 * Each states the file that was at fault, the scenario, and what it expects.
 */
import { firstValueFrom, from, map, race, timer } from 'rxjs';
import { BackendUnavailableError, keyValue, leader, leadership, lock } from '../../src/index.js';
import { startRedisServer, stopRedisServers, type RedisServer } from '../support/redisServer.js';
import {
  leaseKeys,
  listening,
  ready,
  type Redis,
  Resources,
  storeKeys,
  useRedisServer,
} from '../support/redisTestKit.js';
import { randomPrefix, single, waitUntil } from '../support/testKit.js';

const server = useRedisServer();
let admin: Redis;
const resources = new Resources();

beforeEach(() => {
  admin = resources.client(server);
});
afterEach(() => resources.release());

describe('regressions', () => {
  /*
   * src/observables/leader.ts: `merge(of(undefined), backend.leaseEvents(key))` emits `of(undefined)`
   * synchronously, so the first readLease is sent before the lease channel is subscribed; the
   * backend's "read after pending subscriptions" ordering (RedisSubscriber.settled) finds nothing
   * pending yet. A leader elected between that read and the SUBSCRIBE acknowledgement is missed:
   * the watcher reports "no leader" for the whole term (renewals publish nothing). Subscribing to
   * the events before the first read (e.g. `merge(backend.leaseEvents(key), of(undefined))`) fixes it.
   */
  it('leader() sees a leader elected right after it subscribed', async () => {
    const prefix = randomPrefix('race');
    // The campaigner is connected and has its scripts loaded: its acquire takes one round trip.
    const campaigner = resources.backend({ client: resources.client(server), prefix });
    await firstValueFrom(leadership(campaigner, 'warm-up', { leaseDuration: 60_000 })); // resigns at once
    // Fresh watcher backends whose command connections are up, but whose pub/sub connection will be
    // opened by the leader() subscription itself (so its SUBSCRIBE is acknowledged a connect later).
    const backends = [0, 1, 2, 3, 4].map(() => {
      const client = resources.client(server);
      return { client, backend: resources.backend({ client, prefix }) };
    });
    for (const { client } of backends) await ready(client);
    const watchers = backends.map(({ backend }, index) => {
      const watcher = resources.record(leader(backend, `group-${index}`), `leader(group-${index})`);
      resources.record(
        leadership(campaigner, `group-${index}`, { candidate: `c-${index}`, leaseDuration: 60_000 }),
        `campaign ${index}`,
      );
      return watcher;
    });
    for (const [index, watcher] of watchers.entries()) {
      await watcher.until(
        (r) => r.values.length > 0 && r.last?.candidate === `c-${index}`,
        'see the elected leader',
        3_000,
      );
    }
  });

  /*
   * src/backends/redis/store/watchChanges.ts: after a pub/sub gap, the catch-up reports a `deleted` only
   * for keys in `seen`, which holds only keys the watcher got an *event* for. keyValue() reads the
   * initial item with `get`, so an item that existed before the watcher subscribed and is deleted
   * while the subscriber connection is down is never reported: the watcher keeps the stale value
   * although GET says undefined (and `changes()` never reports that delete either).
   */
  it('keyValue() reports a pre-existing item deleted during a pub/sub gap as undefined', async () => {
    const prefix = randomPrefix('gapdel');
    const writer = resources.backend({ client: resources.client(server), prefix });
    await single(writer.put('cfg/old', 'before the watcher'));
    const watching = resources.backend({ client: resources.client(server, { retryStrategy: () => 1_500 }), prefix });
    const value = resources.record(keyValue(watching, 'cfg/old'), 'keyValue(cfg/old)');
    expect(await value.nth(0)).toMatchObject({ value: 'before the watcher' });
    const channel = storeKeys(prefix, 'cfg/old').channel;
    await listening(admin, channel);

    await admin.client('KILL', 'TYPE', 'pubsub');
    await single(writer.delete('cfg/old'));
    expect((await admin.pubsub('NUMSUB', channel))[1]).toBe(0); // the delete happened during the gap
    await listening(admin, channel); // the watcher is back

    expect(await single(writer.get('cfg/old'))).toBeUndefined();
    await value.until((r) => r.last === undefined, 'report the delete made during the gap', 3_000);
  });

  /*
   * src/backends/redis/leases/watchLeaseEvents.ts: after a pub/sub gap it reads the lease and emits "the
   * event that explains the difference from what it last saw", but what it saw is known only from
   * messages. A waiter starts listening after it was refused, i.e. after the holder's `acquired`
   * message, so `known` is undefined; when the release message is lost in a gap, the read finds the
   * lease vacant, `explain(undefined, undefined)` emits nothing, and the waiter sleeps until its
   * retry timer: min(backoff, the old lease's time left), up to a whole lease although the lock is
   * free. Seeding `known` (e.g. from a read when the watch starts, or treating "vacant after a
   * gap" as a vacancy) would wake it.
   */
  it('wakes a waiter whose release message was lost in a pub/sub gap', async () => {
    const prefix = randomPrefix('wakegap');
    const slow = {
      leaseDuration: 60_000,
      retryDelay: 60_000,
      maxRetryDelay: 60_000,
      retryJitter: 0,
      acquireTimeout: 120_000,
    };
    const holderBackend = resources.backend({ client: resources.client(server), prefix });
    const holder = resources.record(lock(holderBackend, 'jobs', slow), 'holder');
    await holder.nth(0);
    const waiterClient = resources.client(server, { retryStrategy: () => 1_000 });
    const waiter = resources.record(lock(resources.backend({ client: waiterClient, prefix }), 'jobs', slow), 'waiter');
    const channel = leaseKeys(prefix, 'lock', 'jobs').channel;
    await listening(admin, channel);

    await admin.client('KILL', 'TYPE', 'pubsub');
    holder.stop();
    await waitUntil(
      async () => (await admin.exists(leaseKeys(prefix, 'lock', 'jobs').lease)) === 0,
      5_000,
      'the release',
    );
    // The lock is free; the waiter's subscriber reconnects, reads the lease, finds it vacant and
    // tries at once (without that, it would sleep for the old lease's ~60 s).
    await waiter.nth(0, 4_000);
  });

  /*
   * src/backends/redis/pubsub/redisSubscriber.ts, close(): `connection.quit()` on the pub/sub connection
   * while Redis is unreachable. Unsubscribing the last watcher of a channel queued an UNSUBSCRIBE in
   * ioredis's offline queue, so QUIT is queued behind it instead of closing at once; both wait for
   * ioredis's retry budget (maxRetriesPerRequest: 20, about 10 s; for ever with `null`), and so does
   * `close()`, e.g. in a shutdown hook. `disconnect()` when the connection is not ready would not wait.
   */
  it('close() resolves promptly while Redis is down', async () => {
    const down = await startRedisServer();
    try {
      const backend = resources.backend({ client: resources.client(down), prefix: randomPrefix('close') });
      const watcher = resources.record(keyValue(backend, 'cfg/a'), 'keyValue');
      await watcher.nth(0);
      await down.stop();
      watcher.stop(); // the app shuts down: watchers first, then the backend
      const closed = await firstValueFrom(
        race(from(backend.close()).pipe(map(() => 'closed')), timer(3_000).pipe(map(() => 'still closing after 3 s'))),
      );
      expect(closed).toBe('closed');
    } finally {
      await stopRedisServers(down);
    }
  });

  /*
   * src/backends/redis/{leases,store}/scripts/{acquireLease,renewLease,putItem}.ts: durations are passed to
   * PEXPIRE as they come, but validation (assertPositiveDuration) and the memory backend accept any
   * positive finite number. A fractional `leaseDuration` or `timeToLive` (say computed as
   * `base * 1.5`) fails on Redis with BackendReplyError "ERR value is not an integer or out of
   * range" (a misleading "Check that nothing else writes to rx-sync's keys" message), while the
   * same call works on the memory backend. Round in the backend (Math.ceil) or reject non-integers
   * at call time for every backend.
   */
  it('accepts a fractional leaseDuration and timeToLive like the memory backend does', async () => {
    const prefix = randomPrefix('frac');
    const backend = resources.backend({ client: resources.client(server), prefix });
    const lease = await firstValueFrom(lock(backend, 'jobs', { leaseDuration: 1_000.5 }));
    expect(lease.token).toBeGreaterThan(0);
    expect((await single(backend.put('cfg/a', 'x', { timeToLive: 10_000.5 }))).value).toBe('x');
  });

  describe('quorum with ordinary ioredis clients (offline queue on, the default)', () => {
    let masters: RedisServer[];
    let store: RedisServer;
    beforeAll(async () => {
      const servers = await Promise.all([0, 1, 2, 3].map(() => startRedisServer()));
      store = servers[0]!;
      masters = servers.slice(1);
    });
    afterAll(async () => {
      await stopRedisServers(store, ...masters);
    });

    async function quorumBackend(prefix: string, requestTimeout?: number) {
      const quorum = masters.map((master) => resources.client(master));
      for (const client of quorum)
        if (client.status !== 'ready' && client.status !== 'end') await ready(client).catch(() => undefined);
      return resources.backend({
        client: resources.client(store),
        quorum,
        prefix,
        ...(requestTimeout !== undefined && { requestTimeout }),
      });
    }

    /*
     * src/backends/redis/leases/quorumLeases.ts: a failed acquire gives its partial grants back with
     * `releaseEverywhere`, bounded per master by `requestTimeout`, not by the short master timeout.
     * A stopped master's request waits in ioredis's offline queue, so that release takes the whole
     * `requestTimeout`, and the backend's own `requestTimeout` bound on the whole tryAcquire (which
     * also contains the acquire round) fires first: the error's cause is "no reply within … ms", not
     * "quorum not reached", and it comes only after `requestTimeout`.
     */
    it('fails an acquire with two of three masters down with "quorum not reached"', async () => {
      const prefix = randomPrefix('qdown');
      const backend = await quorumBackend(prefix, 2_000);
      await Promise.all([masters[0]!.stop(), masters[1]!.stop()]);
      try {
        const attempt = resources.record(
          lock(backend, 'jobs', { leaseDuration: 3_000, acquireTimeout: 20_000 }),
          'two masters down',
          15_000,
        );
        const error = await attempt.failure();
        expect(error).toBeInstanceOf(BackendUnavailableError);
        expect(String(((error as Error).cause as Error | undefined)?.message)).toMatch(/quorum not reached/);
      } finally {
        await Promise.all([masters[0]!.restart(), masters[1]!.restart()]);
      }
    });

    /*
     * src/backends/redis/leases/quorumLeases.ts: `read` (and `update`, proclaim) poll every master bounded by
     * `requestTimeout`, the same bound as the backend's request timeout around them. With one master
     * of three down, its request hangs in the offline queue, the outer timeout fires, and leader()
     * errors with BackendUnavailableError although a majority answered: one master down should be
     * tolerated, as it is for acquire and renew (bounded by the short master timeout).
     */
    it('leader() keeps following a group while one master of three is down', async () => {
      const prefix = randomPrefix('qread');
      const backend = await quorumBackend(prefix, 2_000);
      const campaign = resources.record(
        leadership(backend, 'billing', { candidate: 'a', leaseDuration: 5_000 }),
        'campaign',
      );
      const term = await campaign.nth(0);
      await masters[0]!.stop();
      try {
        const watcher = resources.record(leader(backend, 'billing'), 'leader() with a master down', 10_000);
        await watcher.until(
          (r) => r.ended || (r.values.length > 0 && r.last?.term === term.term),
          'see the leader',
          8_000,
        );
        expect(watcher.errored ? String(watcher.error) : 'no error').toBe('no error');
        expect(await single(term.proclaim('addr'), 8_000)).toBe(true);
      } finally {
        await masters[0]!.restart();
      }
    });
  });
});
