import { firstValueFrom, type Observable } from 'rxjs';
import {
  changes,
  keyValue,
  leader,
  leadership,
  lock,
  type ChangeEvent,
  type Item,
  type Lease,
  type Leader,
  type Term,
} from 'rx-sync';
import type { RedisBackend } from 'rx-sync/redis';
import { leadershipLeaseKey } from '../../../src/internal/leaseKeys.js';
import { now, pause, Recorder, show, single, waitUntil } from '../../support/testKit.js';

/** What the failover scenario needs from a topology. */
export interface FailoverSetup {
  /** Two backends on the same prefix, each with a client of its own (as two processes would have). */
  readonly backends: readonly [RedisBackend, RedisBackend];
  /** A lock name, a leadership group and a store key whose data lives on the master that `kill` kills. */
  readonly names: { readonly lock: string; readonly group: string; readonly key: string };
  /** Kills the master with `kill -9`; resolves once the process is gone. */
  readonly kill: () => Promise<void>;
  /** How long the topology may take to be writable again (the test fails beyond it). */
  readonly bound: number;
}

/** What the scenario measured, in ms after the kill. */
export interface FailoverReport {
  /** The first store write that succeeded again. */
  readonly writesBackAfter: number;
  /** The first new lock (on the failed master's shard) acquired again. */
  readonly locksBackAfter: number;
  /** The watchers (keyValue, changes, leader) agreed with the store again. */
  readonly convergedAfter: number;
  /** Whether the lock and the leadership held before the kill were still held after it. */
  readonly lockSurvived: boolean;
  readonly leadershipSurvived: boolean;
}

/** A lease long enough to outlive a failover of a few seconds, when its renewals get through. */
const LEASE = 10_000;

/**
 * Kills the master that holds a lock, a leadership term and a store item while watchers follow
 * them from another backend, and checks what must hold afterwards: the store takes writes again
 * within `bound`; `keyValue`, `changes` and `leader` converge to what the store says; fencing tokens,
 * terms and versions never go back; a holder whose renewals failed gave its lease up in time
 * rather than holding on.
 */
export async function runFailoverScenario(setup: FailoverSetup): Promise<FailoverReport> {
  const [a, b] = setup.backends;
  const { lock: lockName, group, key } = setup.names;
  const recorders: Recorder<unknown>[] = [];
  const record = <T>(source: Observable<T>, label: string): Recorder<T> => {
    const recorder = new Recorder(source, { label, within: setup.bound + 10_000 });
    recorders.push(recorder);
    return recorder;
  };
  try {
    const held = record<Lease>(lock(a, lockName, { leaseDuration: LEASE, holder: 'a' }), 'lock on a');
    const lease = await held.nth(0);
    const term = record<Term>(leadership(a, group, { leaseDuration: LEASE, candidate: 'a' }), 'leadership of a');
    const firstTerm = await term.nth(0);
    const follower = record<Term>(leadership(b, group, { leaseDuration: LEASE, candidate: 'b' }), 'leadership of b');
    const value = record<Item | undefined>(keyValue(b, key), 'keyValue on b');
    const changed = record<ChangeEvent>(changes(b, ''), 'changes on b');
    const leaders = record<Leader | undefined>(leader(b, group), 'leader on b');
    await leaders.until((r) => r.values.some((seen) => seen?.term === firstTerm.term), 'see the first term');
    const before = await single(a.put(key, 'before'));
    await value.until((r) => r.values.some((item) => item?.version === before.version), 'see the write before');
    await changed.until((r) => r.values.some((event) => event.version === before.version), 'see the write before');

    await setup.kill();
    const killedAt = now();
    const elapsed = (): number => Math.round(now() - killedAt);

    let last: Item | undefined;
    await waitUntil(
      async () => {
        last = await single(a.put(key, `after-${elapsed()}`), 5_000);
        return true;
      },
      setup.bound,
      'a store write to succeed after the failover',
      50,
    );
    const writesBackAfter = elapsed();
    await waitUntil(
      async () => {
        const fresh = await firstValueFrom(lock(a, `${lockName}-after`, { acquireTimeout: 5_000 }));
        return fresh.token > 0;
      },
      setup.bound,
      'a new lock to be granted after the failover',
      50,
    );
    const locksBackAfter = elapsed();

    // Watchers converge: after one more write, each reports exactly what the store holds.
    const final = await single(a.put(key, 'final'));
    expect(final.version).toBeGreaterThan(last!.version);
    expect(last!.version).toBeGreaterThan(before.version);
    await value.until(
      (r) => r.values.at(-1)?.version === final.version && r.values.at(-1)?.value === 'final',
      'converge on the last write',
    );
    await changed.until(
      (r) => r.values.some((event) => event.type === 'put' && event.version === final.version),
      'report the last write',
    );
    const stored = await single(b.get(key));
    expect(stored).toEqual({ key, value: 'final', version: final.version });
    const versions = value.values.flatMap((item) => (item ? [item.version] : []));
    expect([...versions].sort((x, y) => x - y)).toEqual(versions); // never back

    const current = await single(b.readLease(leadershipLeaseKey(group)));
    await leaders.until(
      (r) => (r.values.at(-1)?.term ?? 0) === (current?.token ?? 0),
      `agree with the lease (${show(current)})`,
    );
    const convergedAfter = elapsed();

    // Ownership: either the lease survived (renewals reached the new master in time) or the holder
    // completed its stream; never both a completed stream and a lease that still names it.
    const lockSurvived = !held.ended && lease.isValid();
    const leadershipSurvived = !term.ended && firstTerm.isValid();
    const terms = leaders.values.flatMap((seen) => (seen ? [seen.term] : []));
    expect([...terms].sort((x, y) => x - y)).toEqual(terms);

    // Tokens and terms never go back: the next holder of each gets a greater one.
    held.stop();
    const next = await firstValueFrom(lock(b, lockName, { acquireTimeout: setup.bound }));
    expect(next.token).toBeGreaterThan(lease.token);
    term.stop();
    const nextTerm = await follower.nth(0, setup.bound);
    expect(nextTerm.term).toBeGreaterThan(firstTerm.term);
    await leaders.until((r) => r.values.at(-1)?.term === nextTerm.term, 'see the next term');
    return { writesBackAfter, locksBackAfter, convergedAfter, lockSurvived, leadershipSurvived };
  } finally {
    for (const recorder of recorders) recorder.stop();
    await pause(50); // let the releases and resignations go out before the backends close
  }
}
