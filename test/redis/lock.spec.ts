import {
  keyValue,
  leader,
  leadership,
  lock,
  BackendUnavailableError,
  LockBusyError,
  LockTimeoutError,
  type SyncBackend,
} from 'rx-sync';
import { startRedisServer, stopRedisServers } from '../support/redisServer.js';
import {
  clientsNamed,
  commandCalls,
  leaseKeys,
  listening,
  listeningForTurns,
  ready,
  type Redis,
  Resources,
  storeKeys,
  useRedisServer,
} from '../support/redisTestKit.js';
import { now, pause, randomName, randomPrefix, single, spyOnAttempts, waitUntil } from '../support/testKit.js';

const SCRIPT_COMMANDS = ['evalsha', 'eval'];

const server = useRedisServer();
let admin: Redis;
const resources = new Resources();

beforeEach(() => {
  admin = resources.client(server, { connectionName: 'test-admin' });
});
afterEach(() => resources.release());

/** A backend of its own (its own command and pub/sub connections), as another process would have. */
function backendOn(prefix: string): SyncBackend {
  return connectedBackend(prefix).backend;
}

function connectedBackend(prefix: string): { backend: SyncBackend; client: Redis } {
  const client = resources.client(server);
  return { backend: resources.backend({ client, prefix }), client };
}

/** Lock options under which a waiter polls only once a minute: what wakes it sooner is a release message. */
const SLOW = {
  leaseDuration: 60_000,
  retryDelay: 60_000,
  maxRetryDelay: 60_000,
  retryJitter: 0,
  acquireTimeout: 120_000,
};

describe('lock on Redis', () => {
  describe('loss completes the stream', () => {
    it('completes at the next renewal when the lease hash is deleted', async () => {
      const prefix = randomPrefix('del');
      const backend = backendOn(prefix);
      const keys = leaseKeys(prefix, 'lock', 'jobs');
      // A lease far longer than the test: only a refused renewal can end it in time.
      const held = resources.record(lock(backend, 'jobs', { leaseDuration: 60_000, renewInterval: 200 }), 'lock');
      const lease = await held.nth(0);
      expect(lease.isValid()).toBe(true);
      expect(await admin.hget(keys.lease, 'token')).toBe(String(lease.token));

      await admin.del(keys.lease);
      await held.completion(10_000);
      expect(held.errored).toBe(false);
      expect(lease.isValid()).toBe(false);
    });

    it('completes at the next renewal when another owner took the lease, and leaves that owner in place', async () => {
      const prefix = randomPrefix('steal');
      const { backend, client } = connectedBackend(prefix);
      const keys = leaseKeys(prefix, 'lock', 'jobs');
      const held = resources.record(lock(backend, 'jobs', { leaseDuration: 60_000, renewInterval: 200 }), 'lock');
      const lease = await held.nth(0);

      await admin.hset(keys.lease, 'owner', 'f'.repeat(32), 'holder', 'thief');
      await held.completion(10_000);
      expect(lease.isValid()).toBe(false);
      // The completed holder's release must not remove somebody else's lease (PING: the release, sent
      // before on the same connection, has been carried out).
      await client.ping();
      expect(await admin.hget(keys.lease, 'owner')).toBe('f'.repeat(32));
      expect(await admin.exists(keys.lease)).toBe(1);
    });
  });

  describe('a lease key overwritten with another type', () => {
    // Regression: the renewal failed with WRONGTYPE, which counted as Redis being unreachable for a
    // while, so the holder kept its lease until the validity deadline (here a minute).
    it('completes the holder at the next renewal, and the holder leaves the foreign value in place', async () => {
      const prefix = randomPrefix('type');
      const { backend, client } = connectedBackend(prefix);
      const keys = leaseKeys(prefix, 'lock', 'jobs');
      const held = resources.record(lock(backend, 'jobs', { leaseDuration: 60_000, renewInterval: 200 }), 'lock');
      const lease = await held.nth(0);

      await admin.set(keys.lease, 'somebody else');
      await held.completion(10_000);
      expect(held.errored).toBe(false);
      expect(lease.isValid()).toBe(false);
      await client.ping(); // the completed holder's release, sent before on this connection, is done
      expect(await admin.get(keys.lease)).toBe('somebody else');
    });

    it('refuses renew, release and update by the owner on a quorum of three masters, leaving the values in place', async () => {
      const prefix = randomPrefix('type');
      const extra = await Promise.all([0, 1].map(() => startRedisServer()));
      try {
        const masters = [server, ...extra];
        const quorum = masters.map((master) => resources.client(master, { enableOfflineQueue: false }));
        for (const client of quorum) await ready(client);
        const backend = resources.backend({ client: resources.client(server), quorum, prefix });
        const owner = { owner: 'o'.repeat(32), holder: 'h', leaseDuration: 60_000 };
        expect(await single(backend.tryAcquire('lock:jobs', owner))).toMatchObject({ granted: true });
        const keys = leaseKeys(prefix, 'lock', 'jobs');
        for (const client of quorum) await client.set(keys.lease, 'somebody else');
        expect(await single(backend.renew('lock:jobs', owner.owner, 60_000))).toBe(false);
        expect(await single(backend.updateLease('lock:jobs', owner.owner, 'v'))).toBe(false);
        expect(await single(backend.release('lock:jobs', owner.owner))).toBe(false);
        for (const client of quorum) expect(await client.get(keys.lease)).toBe('somebody else');
      } finally {
        await stopRedisServers(...extra);
      }
    });
  });

  describe('wait: false', () => {
    it('fails with LockBusyError naming the holder while the lock is held, and succeeds once released', async () => {
      const prefix = randomPrefix('busy');
      const first = backendOn(prefix);
      const second = backendOn(prefix);
      const held = resources.record(lock(first, 'jobs', { holder: 'node-a', leaseDuration: 20_000 }), 'holder');
      const lease = await held.nth(0);

      const refused = resources.record(lock(second, 'jobs', { wait: false, holder: 'node-b' }), 'busy');
      const error = await refused.failure();
      expect(error).toBeInstanceOf(LockBusyError);
      expect(error).toMatchObject({ name: 'LockBusyError', key: 'jobs', holder: 'node-a', transient: true });
      expect((error as LockBusyError).expiresIn).toBeGreaterThan(0);
      expect((error as LockBusyError).expiresIn).toBeLessThanOrEqual(20_000);
      expect(lease.isValid()).toBe(true);

      held.stop();
      const keys = leaseKeys(prefix, 'lock', 'jobs');
      await waitUntil(async () => (await admin.exists(keys.lease)) === 0, 5_000, 'the release');
      const next = resources.record(lock(second, 'jobs', { wait: false, holder: 'node-b' }), 'after release');
      expect((await next.nth(0)).token).toBeGreaterThan(lease.token);
    });
  });

  describe('Redis unreachable at acquire time', () => {
    const downServer = useRedisServer();

    it('errors with BackendUnavailableError (transient) when the server is stopped, with an offline queue', async () => {
      const client = resources.client(downServer);
      await client.ping();
      const backend = resources.backend({ client, prefix: randomPrefix('down'), requestTimeout: 1_000 });
      await downServer.stop();
      try {
        const attempt = resources.record(lock(backend, 'jobs', { acquireTimeout: 30_000 }), 'lock while down', 15_000);
        const error = await attempt.failure();
        expect(error).toBeInstanceOf(BackendUnavailableError);
        expect(error).not.toBeInstanceOf(LockTimeoutError);
        expect(error).not.toBeInstanceOf(LockBusyError);
        expect(error).toMatchObject({
          name: 'BackendUnavailableError',
          backend: 'redis',
          operation: 'tryAcquire',
          transient: true,
        });
        expect(attempt.values).toEqual([]);
      } finally {
        await downServer.restart();
      }
    });

    // Regression: the error said only "no reply within 1000 ms", never why.
    it('says why: the message and cause carry the last connection error, with the address', async () => {
      const client = resources.client(downServer);
      await client.ping();
      const backend = resources.backend({ client, prefix: randomPrefix('why'), requestTimeout: 1_000 });
      await downServer.stop();
      try {
        const error = await resources.record(lock(backend, 'jobs'), 'lock while down', 15_000).failure();
        expect(error).toBeInstanceOf(BackendUnavailableError);
        const address = `127.0.0.1:${downServer.port}`;
        expect((error as Error).message).toContain(`ECONNREFUSED ${address}`);
        const cause = (error as Error).cause as AggregateError;
        expect(cause).toBeInstanceOf(AggregateError);
        expect(cause.errors.map((each: Error) => each.message)).toEqual([
          expect.stringContaining('requestTimeout'),
          expect.stringContaining(`ECONNREFUSED ${address}`),
        ]);
      } finally {
        await downServer.restart();
      }
    });

    it('says why on a quorum too: each master that failed, with its last connection error', async () => {
      const extra = await Promise.all([0, 1].map(() => startRedisServer()));
      try {
        const masters = [downServer, ...extra];
        const quorum = masters.map((master) => resources.client(master, { enableOfflineQueue: false }));
        for (const client of quorum) await ready(client);
        const backend = resources.backend({ client: resources.client(server), quorum, prefix: randomPrefix('why') });
        // Once their clients have tried to reconnect (a request sent the moment a master died fails
        // before any connection error is known: "Stream isn't writeable").
        const refused = quorum.slice(1).map(
          (client) =>
            new Promise<void>((resolve) => {
              const onError = (error: Error): void => {
                if (!error.message.includes('ECONNREFUSED')) return;
                client.off('error', onError);
                resolve();
              };
              client.on('error', onError);
            }),
        );
        await Promise.all(extra.map((master) => master.stop()));
        await Promise.all(refused);
        const error = await resources.record(lock(backend, 'jobs'), 'lock on a broken quorum', 15_000).failure();
        expect(error).toBeInstanceOf(BackendUnavailableError);
        const votes = ((error as Error).cause as AggregateError).errors as Error[];
        expect(votes).toHaveLength(2);
        for (const [index, vote] of votes.entries()) {
          expect(vote.message).toContain(`ECONNREFUSED 127.0.0.1:${extra[index]!.port}`);
        }
      } finally {
        await stopRedisServers(...extra);
      }
    });

    it('errors with BackendUnavailableError keeping the driver error as cause, without an offline queue', async () => {
      const client = resources.client(downServer, { enableOfflineQueue: false });
      await ready(client);
      const backend = resources.backend({ client, prefix: randomPrefix('down') });
      await downServer.stop();
      try {
        const attempt = resources.record(lock(backend, 'jobs', { acquireTimeout: 30_000 }), 'lock while down', 15_000);
        const error = await attempt.failure();
        expect(error).toBeInstanceOf(BackendUnavailableError);
        expect((error as Error).cause).toBeInstanceOf(Error);
        expect(String(((error as Error).cause as Error).message)).toMatch(
          /writeable|enableOfflineQueue|closed|ECONNREFUSED/i,
        );
      } finally {
        await downServer.restart();
      }
    });
  });

  describe('waiters are woken by the release message', () => {
    it('hands the lock over on release although the waiter would not poll again for a minute', async () => {
      const prefix = randomPrefix('wake');
      const holderBackend = backendOn(prefix);
      const spied = spyOnAttempts(backendOn(prefix));
      const keys = leaseKeys(prefix, 'lock', 'jobs');

      const held = resources.record(lock(holderBackend, 'jobs', SLOW), 'holder');
      const first = await held.nth(0);
      const waiter = resources.record(lock(spied.backend, 'jobs', SLOW), 'waiter', 20_000);
      // Refused once, then (listening for releases) refused again: now it sleeps until min(60 s, the lease's time left).
      await waitUntil(() => spied.refusals() >= 2, 10_000, 'two refusals of the waiter');
      await listeningForTurns(admin, keys.turnsPrefix);
      const callsBefore = await commandCalls(admin, SCRIPT_COMMANDS);

      const releasedAt = now();
      held.stop();
      const second = await waiter.nth(0, 15_000);
      const handoff = now() - releasedAt;
      expect(second.token).toBeGreaterThan(first.token);
      // Without the push, the next attempt would come ≥ 40 s later (the holder's lease time left).
      expect(handoff).toBeLessThan(10_000);
      const calls = (await commandCalls(admin, SCRIPT_COMMANDS)) - callsBefore;
      // release + one granted attempt (+ slack for a refused attempt racing the release); no polling.
      expect(calls).toBeLessThanOrEqual(4);
      expect(spied.refusals()).toBeLessThanOrEqual(3);
    });

    it('wakes a chain of waiters, each at the release of the previous one', async () => {
      const prefix = randomPrefix('chain');
      const holder = resources.record(lock(backendOn(prefix), 'jobs', SLOW), 'holder');
      const tokens = [(await holder.nth(0)).token];
      const spies = [0, 1, 2].map(() => spyOnAttempts(backendOn(prefix)));
      const waiters = spies.map((spy, index) =>
        resources.record(lock(spy.backend, 'jobs', SLOW), `waiter ${index}`, 20_000),
      );
      await waitUntil(() => spies.every((spy) => spy.refusals() >= 2), 10_000, 'every waiter refused twice');

      holder.stop();
      const pending = new Set(waiters);
      while (pending.size > 0) {
        await waitUntil(
          () => [...pending].some((waiter) => waiter.stamped.length > 0),
          15_000,
          'the next waiter to acquire',
        );
        const next = [...pending].find((waiter) => waiter.stamped.length > 0)!;
        const holders = [...pending].filter((waiter) => waiter.stamped.length > 0);
        expect(holders).toHaveLength(1);
        tokens.push(next.last.token);
        pending.delete(next);
        next.stop();
      }
      for (let index = 1; index < tokens.length; index++) expect(tokens[index]).toBeGreaterThan(tokens[index - 1]!);
    });
    // Once a bug in src/backends/redis/leases/watchLeaseEvents.ts: after a pub/sub gap it read the lease
    // and emitted "the event that explains the difference from what it last saw", but what it saw was
    // known only from messages. A waiter starts listening after it was refused, i.e. after the holder's
    // `acquired` message, so it knew nothing; when the release message was lost in a gap, the read
    // found the lease vacant, explained nothing, and the waiter slept until its retry timer: min(backoff,
    // the old lease's time left), up to a whole lease although the lock was free.
    it('a contender woken by a vacancy learned after a pub/sub gap acquires the lock', async () => {
      const prefix = randomPrefix('wakegap');
      const holder = resources.record(lock(backendOn(prefix), 'jobs', SLOW), 'holder');
      const held = await holder.nth(0);
      const waiterClient = resources.client(server, { retryStrategy: () => 1_000 });
      const waiter = resources.record(
        lock(resources.backend({ client: waiterClient, prefix }), 'jobs', SLOW),
        'waiter',
      );
      const keys = leaseKeys(prefix, 'lock', 'jobs');
      await listeningForTurns(admin, keys.turnsPrefix);

      await admin.client('KILL', 'TYPE', 'pubsub');
      holder.stop();
      // The release grants the lock to the waiter, whose backend does not hear it; its subscriber
      // reconnects, wakes every waiter after the gap, and the waiter asks at once: it is granted
      // the lease it holds already (without that, it would sleep for the old lease's ~60 s).
      await waitUntil(async () => (await admin.hget(keys.lease, 'token')) !== String(held.token), 5_000, 'the release');
      await waiter.nth(0, 4_000);
    });
  });

  describe('one waiter woken per release', () => {
    it('waiters in line on three backends (as three processes): each release signals the backend of the next waiter only', async () => {
      const prefix = randomPrefix('inbox');
      const key = 'lock:jobs';
      const claim = (holder: string) => ({ owner: randomName('owner'), holder, leaseDuration: 60_000 });
      const holder = claim('holder');
      const holderBackend = backendOn(prefix);
      expect(await single(holderBackend.tryAcquire(key, holder))).toMatchObject({ granted: true });
      // One after the other: the line's order is the order in which the refusals reached Redis.
      const waiters = [];
      for (const name of ['w1', 'w2', 'w3']) {
        const backend = backendOn(prefix);
        const waiter = { ...claim(name), placeDuration: 60_000 };
        const refused = await single(backend.tryAcquire(key, waiter));
        const place = (refused as { place: string }).place;
        const heard = resources.record(backend.vacancies(key, place), `vacancies of ${name}`);
        // Asked again after the watch: the attempt is answered once the watch is subscribed.
        expect(await single(backend.tryAcquire(key, waiter))).toMatchObject({ granted: false, place });
        waiters.push({ backend, waiter, place, heard });
      }
      // Each release grants the lease to the next waiter, and says so on that waiter's backend's
      // channel of turns only. A backend hears its messages in the order they were published: had
      // the earlier turns reached it too, they would have come before its own.
      expect(await single(holderBackend.release(key, holder.owner))).toBe(true);
      let last = 0;
      for (const [index, { backend, waiter, place, heard }] of waiters.entries()) {
        await heard.until((recorder) => recorder.values.length > 0, `w${index + 1} woken`);
        expect(heard.values).toEqual([{ next: place, granted: { token: expect.any(Number), leaseDuration: 60_000 } }]);
        const { token } = heard.values[0]!.granted!;
        expect(token).toBeGreaterThan(last);
        last = token;
        expect(await single(backend.readLease(key))).toMatchObject({ holder: `w${index + 1}`, token });
        expect(await single(backend.release(key, waiter.owner))).toBe(true);
      }
    });

    it('a release grants the lease to the next waiter: it holds it without asking', async () => {
      const prefix = randomPrefix('grant');
      const holderBackend = backendOn(prefix);
      const spied = spyOnAttempts(backendOn(prefix));
      const holder = resources.record(lock(holderBackend, 'jobs', { ...SLOW, holder: 'a' }), 'holder');
      const held = await holder.nth(0);
      // The waiter keeps its place by asking every 20 s: no attempt of its own during the test.
      const waiter = resources.record(lock(spied.backend, 'jobs', { ...SLOW, holder: 'b' }), 'waiter', 30_000);
      await spied.refusedFor('b', 10_000, { watching: true });
      const later: unknown[] = [];
      const watch = spied.attempts.subscribe((attempt) => later.push(attempt));
      holder.stop();
      const lease = await waiter.nth(0);
      watch.unsubscribe();
      expect(lease.token).toBeGreaterThan(held.token);
      expect(lease.isValid()).toBe(true);
      expect(later).toEqual([]);
      expect(await single(spied.backend.readLease('lock:jobs'))).toMatchObject({ holder: 'b', token: lease.token });
    });

    it('a waiter granted the lease on release renews it before its first lease (its place in line, here 1.2 s) runs out', async () => {
      const prefix = randomPrefix('grantrenew');
      const keys = leaseKeys(prefix, 'lock', 'jobs');
      // A place lasts 3 × maxRetryDelay, and so does the first lease granted on release.
      const options = { leaseDuration: 60_000, retryDelay: 400, maxRetryDelay: 400 };
      const holder = resources.record(lock(backendOn(prefix), 'jobs', { ...options, holder: 'a' }), 'holder');
      await holder.nth(0);
      const spied = spyOnAttempts(backendOn(prefix));
      const waiter = resources.record(lock(spied.backend, 'jobs', { ...options, holder: 'b' }), 'waiter', 30_000);
      await spied.refusedFor('b', 10_000, { watching: true });
      holder.stop();
      const lease = await waiter.nth(0);
      await waitUntil(async () => (await admin.pttl(keys.lease)) > 1_200, 5_000, 'the renewal to the full lease');
      await pause(1_500); // past the first lease
      expect(waiter.ended).toBe(false);
      expect(lease.isValid()).toBe(true);
      expect(await admin.hget(keys.lease, 'holder')).toBe('b');
    });

    it('10 waiters of one process on one backend: each release costs about one attempt, not ten', async () => {
      const prefix = randomPrefix('wakeone');
      const spied = spyOnAttempts(backendOn(prefix));
      const holder = resources.record(lock(spied.backend, 'jobs', SLOW), 'holder');
      const tokens = [(await holder.nth(0)).token];
      const waiters = Array.from({ length: 10 }, (_, index) =>
        resources.record(lock(spied.backend, 'jobs', SLOW), `waiter ${index}`, 30_000),
      );
      // Each waiter is refused twice (before and after it starts listening), then sleeps for 60 s.
      await waitUntil(() => spied.refusals() >= 20, 10_000, 'every waiter refused twice');
      const refusalsBefore = spied.refusals();

      let current = holder;
      const pending = new Set(waiters);
      while (pending.size > 0) {
        current.stop(); // releases: one waiter is woken, takes the lock, and is the next to release
        await waitUntil(() => [...pending].some((waiter) => waiter.stamped.length > 0), 15_000, 'the next holder');
        const next = [...pending].find((waiter) => waiter.stamped.length > 0)!;
        expect([...pending].filter((waiter) => waiter.stamped.length > 0)).toHaveLength(1);
        tokens.push(next.last.token);
        pending.delete(next);
        current = next;
      }
      current.stop();
      for (let index = 1; index < tokens.length; index++) expect(tokens[index]).toBeGreaterThan(tokens[index - 1]!);
      // Waking every waiter at each release would cost 9 + 8 + … + 1 = 45 refused attempts; waking
      // one costs none (slack for a release message racing an attempt).
      expect(spied.refusals() - refusalsBefore).toBeLessThanOrEqual(5);
    });
  });

  describe('waiters of a key this process already watches', () => {
    it('ask once, not twice: the backend tells them it was listening when they were refused', async () => {
      const prefix = randomPrefix('listening');
      const spied = spyOnAttempts(backendOn(prefix));
      const holder = resources.record(lock(spied.backend, 'jobs', { ...SLOW, holder: 'holder' }), 'holder');
      await holder.nth(0);
      const first = resources.record(lock(spied.backend, 'jobs', { ...SLOW, holder: 'first' }), 'first', 30_000);
      // Refused, then (listening now) refused again.
      await waitUntil(() => spied.refusals() >= 2, 10_000, 'two refusals of the first waiter');
      const second = resources.record(lock(spied.backend, 'jobs', { ...SLOW, holder: 'second' }), 'second', 30_000);
      const refusal = await spied.refusedFor('second', 10_000);
      expect(refusal.reply).toMatchObject({ granted: false, listening: true });

      holder.stop();
      await first.nth(0, 15_000); // first in line
      first.stop();
      await second.nth(0, 15_000);
      second.stop();
      expect(spied.refusals()).toBe(3); // the first waiter's two, the second's one
    });
  });

  describe('owner ids stay secret', () => {
    it('never publishes an owner id on any channel during lock, leadership and store activity', async () => {
      const prefix = randomPrefix('spy');
      const messages: { channel: string; message: string }[] = [];
      const spy = resources.client(server, { connectionName: 'test-spy' });
      spy.on('pmessage', (_pattern: string, channel: string, message: string) => messages.push({ channel, message }));
      await spy.psubscribe('*');

      const backend = backendOn(prefix);
      const other = backendOn(prefix);
      const owners = new Set<string>();
      const ownerOf = async (kind: 'lock' | 'leader', name: string) => {
        const owner = await admin.hget(leaseKeys(prefix, kind, name).lease, 'owner');
        if (owner) owners.add(owner);
      };

      // Locks: a holder, a waiter woken by its release.
      const held = resources.record(lock(backend, 'jobs', { holder: 'node-a', leaseDuration: 5_000 }), 'lock');
      await held.nth(0);
      await ownerOf('lock', 'jobs');
      const waiter = resources.record(lock(other, 'jobs', { holder: 'node-b', leaseDuration: 5_000 }), 'waiter');
      await listeningForTurns(admin, leaseKeys(prefix, 'lock', 'jobs').turnsPrefix);
      held.stop();
      await waiter.nth(0);
      await ownerOf('lock', 'jobs');
      waiter.stop();

      // Leadership: a leader that proclaims, a follower, a watcher, a handoff.
      const watcher = resources.record(leader(other, 'billing'), 'leader()');
      await watcher.nth(0);
      await listening(admin, leaseKeys(prefix, 'leader', 'billing').channel);
      const leading = resources.record(
        leadership(backend, 'billing', { candidate: 'node-a', value: 'addr-a', leaseDuration: 5_000 }),
        'leader a',
      );
      const term = await leading.nth(0);
      await ownerOf('leader', 'billing');
      await single(term.proclaim('addr-a2'));
      const follower = resources.record(
        leadership(other, 'billing', { candidate: 'node-b', leaseDuration: 5_000 }),
        'leader b',
      );
      await watcher.until(
        (recorder) => recorder.values.some((current) => current?.value === 'addr-a2'),
        'see the proclaimed value',
      );
      leading.stop();
      await follower.nth(0);
      await ownerOf('leader', 'billing');
      follower.stop();

      // Store: puts, a delete, an expiry.
      const value = resources.record(keyValue(other, 'cfg/a'), 'keyValue');
      await single(backend.put('cfg/a', 'one'));
      await single(backend.put('cfg/a', 'two', { timeToLive: 200 }));
      await value.until(
        // The watcher may or may not see 'one' (its first read can come after both puts).
        (recorder) => recorder.values.some((item) => item?.value === 'two') && recorder.last === undefined,
        'see the expiry',
        10_000,
      );
      await single(backend.put('cfg/b', 'three'));
      await single(backend.delete('cfg/b'));

      await waitUntil(
        () =>
          ['released', 'acquired', 'updated', 'put', 'deleted', 'expired'].every((type) =>
            messages.some((entry) => entry.message.includes(`"${type}"`)),
          ),
        10_000,
        'every kind of event on the spy',
      );
      expect(owners.size).toBe(4);
      for (const owner of owners) expect(owner).toMatch(/^[0-9a-f]{32}$/);
      const leaks = messages.filter((entry) =>
        [...owners].some((owner) => entry.message.includes(owner) || entry.channel.includes(owner)),
      );
      expect(leaks).toEqual([]);
      expect(messages.filter((entry) => /[0-9a-f]{32}/.test(entry.message))).toEqual([]);
      await spy.punsubscribe('*');
    });
  });

  describe('connections', () => {
    it('uses one command and one subscriber connection for 200 value watchers, 50 leader watchers and 20 waiting locks', async () => {
      const prefix = randomPrefix('conn');
      const connectionName = `rxs-conn-${randomName('c')}`;
      const client = resources.client(server, { connectionName });
      // A channel whose last watcher left stays subscribed for `channelLinger` (1 s by default): short here.
      const backend = resources.backend({ client, prefix, channelLinger: 100 });
      const spied = spyOnAttempts(backend);
      const patient = { leaseDuration: 60_000, retryDelay: 5_000, maxRetryDelay: 5_000, acquireTimeout: 120_000 };

      const holder = resources.record(lock(backend, 'jobs', patient), 'holder');
      await holder.nth(0);
      const values = Array.from({ length: 200 }, (_, index) =>
        resources.record(keyValue(backend, `cfg/${index}`), `keyValue ${index}`),
      );
      const leaders = Array.from({ length: 50 }, (_, index) =>
        resources.record(leader(backend, `group-${index}`), `leader ${index}`),
      );
      const waiters = Array.from({ length: 20 }, (_, index) =>
        resources.record(lock(spied.backend, 'jobs', patient), `waiter ${index}`),
      );

      await waitUntil(
        () => values.every((recorder) => recorder.stamped.length > 0),
        20_000,
        'every value watcher to emit',
      );
      await waitUntil(
        () => leaders.every((recorder) => recorder.stamped.length > 0),
        20_000,
        'every leader watcher to emit',
      );
      await waitUntil(() => spied.refusals() >= 40, 20_000, 'every waiter refused twice (listening)');
      expect(waiters.every((waiter) => waiter.stamped.length === 0 && !waiter.ended)).toBe(true);
      expect([...values, ...leaders].every((recorder) => !recorder.ended)).toBe(true);

      const connections = await clientsNamed(admin, connectionName);
      expect(connections).toHaveLength(2);
      const subscriptions = connections.map((fields) => Number(fields['sub'])).sort((a, b) => a - b);
      expect(subscriptions).toEqual([0, 52]);

      const channels = async () => ((await admin.pubsub('CHANNELS', `${prefix}:*`)) as string[]).sort();
      const storeChannel = storeKeys(prefix, 'x').channel;
      const leaderChannels = Array.from(
        { length: 50 },
        (_, index) => leaseKeys(prefix, 'leader', `group-${index}`).channel,
      );
      // The 20 waiters wait in line: they share the backend's one channel of turns for the lock.
      const turnsPrefix = leaseKeys(prefix, 'lock', 'jobs').turnsPrefix;
      const lockChannel = (await channels()).find((channel) => channel.startsWith(turnsPrefix));
      expect(lockChannel).toMatch(/:turns:[0-9a-f]{16}$/);
      expect(await channels()).toEqual([storeChannel, lockChannel, ...leaderChannels].sort());

      // Leaving watchers one channel at a time unsubscribes exactly that channel once its last watcher
      // is gone and its linger is over.
      for (const recorder of values.slice(0, 199)) recorder.stop();
      await single(backend.put('cfg/199', 'still watched'));
      await values[199]!.until((recorder) => recorder.last?.value === 'still watched', 'see a put');
      expect(await channels()).toContain(storeChannel);
      values[199]!.stop();
      await waitUntil(
        async () => !(await channels()).includes(storeChannel),
        5_000,
        'the store channel to be unsubscribed',
      );

      for (const recorder of leaders) recorder.stop();
      await waitUntil(async () => (await channels()).length === 1, 5_000, 'the leader channels to be unsubscribed');
      expect(await channels()).toEqual([lockChannel]);

      for (const waiter of waiters) waiter.stop();
      await waitUntil(async () => (await channels()).length === 0, 5_000, 'the lock channel to be unsubscribed');
      expect(await clientsNamed(admin, connectionName)).toHaveLength(2);
    });
  });
});
