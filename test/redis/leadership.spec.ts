import { defer, finalize, firstValueFrom, repeat, retry, tap, type Observable } from 'rxjs';
import { leader, leadership, type Leader, type SyncBackend, type Term } from 'rx-sync';
import type { RedisServer } from '../support/redisServer.js';
import {
  leaseKeys,
  listening,
  listeningForTurns,
  ready,
  type Redis,
  Resources,
  useRedisServer,
} from '../support/redisTestKit.js';
import { now, pause, randomPrefix, single, spyOnAttempts, waitUntil } from '../support/testKit.js';

const server = useRedisServer();
let admin: Redis;
const resources = new Resources();

beforeEach(() => {
  admin = resources.client(server);
});
afterEach(() => resources.release());

function backendOn(target: RedisServer, prefix: string): SyncBackend {
  return resources.backend({ client: resources.client(target), prefix });
}

const summary = (current: Leader | undefined) =>
  current && { candidate: current.candidate, term: current.term, value: current.value };

describe('leadership on Redis', () => {
  it('hands over at once on resign: the waiting candidate is elected long before the lease would have expired', async () => {
    const prefix = randomPrefix('handoff');
    const leaseDuration = 15_000;
    const patient = { leaseDuration, retryDelay: 60_000, maxRetryDelay: 60_000, retryJitter: 0 };
    const first = resources.record(
      leadership(backendOn(server, prefix), 'billing', { ...patient, candidate: 'a' }),
      'a',
    );
    const termA = await first.nth(0);
    const spied = spyOnAttempts(backendOn(server, prefix));
    const second = resources.record(leadership(spied.backend, 'billing', { ...patient, candidate: 'b' }), 'b');
    await waitUntil(() => spied.refusals() >= 2, 10_000, 'b refused twice (now listening)');

    const resignedAt = now();
    first.stop();
    const termB = await second.nth(0, 10_000);
    const handoff = second.stamped[0]!.at - resignedAt;
    expect(termB.term).toBeGreaterThan(termA.term);
    // b would otherwise try again only when a's lease ran out (≥ 10 s after its last renewal).
    expect(handoff).toBeLessThan(3_000);
    expect(await admin.hget(leaseKeys(prefix, 'leader', 'billing').lease, 'holder')).toBe('b');
  });

  it('leader() replays the current leader to new subscribers and follows elections, proclaims and resignations', async () => {
    const prefix = randomPrefix('follow');
    const watcherBackend = backendOn(server, prefix);
    const shared = leader(watcherBackend, 'billing');
    const early = resources.record(shared, 'early watcher');
    expect(await early.nth(0)).toBeUndefined();
    await listening(admin, leaseKeys(prefix, 'leader', 'billing').channel);

    const a = resources.record(
      leadership(backendOn(server, prefix), 'billing', { candidate: 'a', value: 'addr-1' }),
      'a',
    );
    const termA = await a.nth(0);
    await early.until((recorder) => recorder.last?.candidate === 'a', 'see a elected');
    expect(summary(early.last)).toEqual({ candidate: 'a', term: termA.term, value: 'addr-1' });

    // A late subscriber of the same Observable, and a fresh leader() on another backend, get the leader at once.
    const late = resources.record(shared, 'late watcher');
    expect(summary(await late.nth(0))).toEqual({ candidate: 'a', term: termA.term, value: 'addr-1' });
    const fresh = resources.record(leader(backendOn(server, prefix), 'billing'), 'fresh watcher');
    expect(summary(await fresh.nth(0))).toEqual({ candidate: 'a', term: termA.term, value: 'addr-1' });

    expect(await single(termA.proclaim('addr-2'))).toBe(true);
    for (const watcher of [early, late, fresh]) {
      await watcher.until((recorder) => recorder.last?.value === 'addr-2', 'see the proclaimed value');
      expect(summary(watcher.last)).toEqual({ candidate: 'a', term: termA.term, value: 'addr-2' });
    }

    const b = resources.record(leadership(backendOn(server, prefix), 'billing', { candidate: 'b' }), 'b');
    await listeningForTurns(admin, leaseKeys(prefix, 'leader', 'billing').turnsPrefix); // b waits in line
    a.stop();
    const termB = await b.nth(0);
    expect(termB.term).toBeGreaterThan(termA.term);
    for (const watcher of [early, late, fresh]) {
      await watcher.until((recorder) => recorder.last?.candidate === 'b', 'see b elected');
      expect(summary(watcher.last)).toEqual({ candidate: 'b', term: termB.term, value: undefined });
    }
    expect(await single(termA.proclaim('too late'))).toBe(false);

    b.stop();
    for (const watcher of [early, late, fresh])
      await watcher.until((recorder) => recorder.last === undefined, 'see no leader');
    // Terms only grow in what every watcher saw.
    for (const watcher of [early, late, fresh]) {
      const terms = watcher.values.flatMap((current) => (current ? [current.term] : []));
      for (let index = 1; index < terms.length; index++) expect(terms[index]).toBeGreaterThanOrEqual(terms[index - 1]!);
    }
  });

  // Once a bug in src/observables/leader.ts: `merge(of(undefined), backend.leaseEvents(key))` sent the
  // first readLease synchronously, before the lease channel was subscribed, so the backend's "read
  // after pending subscriptions" ordering (RedisSubscriber.settled) found nothing pending yet. A leader
  // elected between that read and the SUBSCRIBE acknowledgement was missed: the watcher reported "no
  // leader" for the whole term (renewals publish nothing).
  it('leader() subscribes to the lease events before its first read: a leader elected right after it subscribed is seen', async () => {
    const prefix = randomPrefix('race');
    // The campaigner is connected and has its scripts loaded: its acquire takes one round trip.
    const campaigner = backendOn(server, prefix);
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

  describe('with Redis paused (SIGSTOP) for longer than the lease', () => {
    const paused = useRedisServer();

    it('completes the leader stream by its validity deadline, and leaves exactly one leader after SIGCONT', async () => {
      const prefix = randomPrefix('pause');
      const leaseDuration = 1_500;
      type Tenure = { candidate: string; term: number; start: number; end?: number };
      const tenures: Tenure[] = [];
      /** A candidate that campaigns again after every loss, and again after a backend error. */
      const candidate = (name: string): Observable<Term> => {
        const backend = backendOn(paused, prefix);
        return defer(() => {
          let tenure: Tenure | undefined;
          return leadership(backend, 'billing', { candidate: name, leaseDuration }).pipe(
            tap((term) => tenures.push((tenure = { candidate: name, term: term.term, start: now() }))),
            finalize(() => tenure && (tenure.end = now())),
          );
        }).pipe(retry({ delay: 200 }), repeat({ delay: 50 }));
      };

      resources.record(candidate('a'), 'a');
      await waitUntil(() => tenures.length === 1, 10_000, 'a elected');
      resources.record(candidate('b'), 'b');
      const pausedAdmin = resources.client(paused);
      await listeningForTurns(pausedAdmin, leaseKeys(prefix, 'leader', 'billing').turnsPrefix);

      const first = tenures[0]!;
      const stoppedAt = now();
      paused.signal('SIGSTOP');
      try {
        // Renewals go unanswered: the leader gives up at its validity deadline (last confirmed renewal
        // start + lease − drift margin), which is less than a lease after the pause began.
        await waitUntil(() => first.end !== undefined, leaseDuration + 5_000, 'the paused leader to complete');
        expect(first.end! - stoppedAt).toBeLessThan(leaseDuration + 1_500);
        expect(tenures).toHaveLength(1);
        // Keep Redis paused past the lease, so that it has expired there when Redis resumes.
        await pause(Math.max(0, stoppedAt + leaseDuration + 500 - now()));
      } finally {
        paused.signal('SIGCONT');
      }

      await waitUntil(() => tenures.length >= 2, 15_000, 'a leader elected after SIGCONT');
      const open = tenures.filter((tenure) => tenure.end === undefined);
      expect(open).toHaveLength(1);
      const current = open[0]!;
      expect(current.term).toBeGreaterThan(first.term);
      expect(current.start).toBeGreaterThan(first.end!);
      expect(await pausedAdmin.hget(leaseKeys(prefix, 'leader', 'billing').lease, 'holder')).toBe(current.candidate);
      // No two tenures ever overlapped.
      const ordered = [...tenures].sort((x, y) => x.start - y.start);
      for (let index = 1; index < ordered.length; index++) {
        expect(ordered[index - 1]!.end).toBeDefined();
        expect(ordered[index]!.start).toBeGreaterThanOrEqual(ordered[index - 1]!.end!);
        expect(ordered[index]!.term).toBeGreaterThan(ordered[index - 1]!.term);
      }
    });
  });
});
