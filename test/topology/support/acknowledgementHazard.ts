import { firstValueFrom } from 'rxjs';
import { BackendUnavailableError, lock, type Lease } from 'rx-sync';
import type { RedisBackend } from 'rx-sync/redis';
import { ReplicaAcknowledgementError } from '../../../src/backends/redis/replicaAcknowledgement.js';
import { lockLeaseKey } from '../../../src/internal/leaseKeys.js';
import { Recorder, single, waitUntil } from '../../support/testKit.js';
import { adminClient } from '../../support/redisServer.js';

/** What the replica acknowledgement hazard scenario needs from a topology. */
export interface HazardSetup {
  /** Three backends on one prefix: without the option, with `replicaAcknowledgement`, and a later contender. */
  readonly plain: RedisBackend;
  readonly acknowledged: RedisBackend;
  readonly contender: RedisBackend;
  /** Two lock names on the master that `killMaster` kills. */
  readonly names: readonly [string, string];
  /** The master's replica, which the failover promotes (the scenario pauses it with `CLIENT PAUSE`). */
  readonly replica: { readonly host: string; readonly port: number };
  /** Kills the master with `kill -9`; resolves once the process is gone. */
  readonly killMaster: () => Promise<void>;
  /** Resolves once the topology has promoted the replica. */
  readonly promoted: () => Promise<void>;
}

/**
 * How long `CLIENT PAUSE` may last at most: only a backstop, for a test that fails before it lifts
 * the pause (the scenario lifts it as soon as the replica has seen its master die).
 */
const PAUSE_BACKSTOP = 60_000;
/** Renewals come at a third of it: later than the test's end. */
const LONG_LEASE = 600_000;
/** Generous overall deadline of each wait below. */
const DEADLINE = 30_000;

/**
 * Reproduces the hazard of asynchronous replication: the replica stops applying the replication
 * stream, a lock is granted meanwhile, and the master dies before the replica got it. Without
 * `replicaAcknowledgement` the grant is lost in the failover and a second holder gets the lock while
 * the first still believes it holds it (only its fencing token, lower than the second's, lets a
 * resource tell them apart). With it, the grant was never reported as acquired: the attempt failed
 * with `BackendUnavailableError` and the lease was given back at once.
 *
 * Driven by events, not by a pause's length: `CLIENT PAUSE … WRITE` on the replica also postpones
 * the commands that its master link brings; the pause is lifted only once the replica reports its
 * master link down (after the kill), when Redis has discarded the commands it had not applied, so
 * the grant can never reach it, however slow the machine.
 */
export async function runAcknowledgementHazard(setup: HazardSetup): Promise<void> {
  const [a, b] = setup.names;
  const replica = adminClient(setup.replica);
  let holding: Recorder<Lease> | undefined;
  try {
    await replica.call('CLIENT', 'PAUSE', String(PAUSE_BACKSTOP), 'WRITE');
    // A lease longer than the test: its first renewal (which would find it gone after the failover
    // and end the stream) comes after every check below, however slow the machine.
    holding = new Recorder<Lease>(lock(setup.plain, a, { leaseDuration: LONG_LEASE }), {
      label: 'unacknowledged lock',
      within: DEADLINE,
    });
    const unacknowledged = await holding.nth(0);
    const refused = new Recorder<Lease>(lock(setup.acknowledged, b, { leaseDuration: LONG_LEASE }), {
      label: 'acknowledged lock',
      within: DEADLINE,
    });
    const error = await refused.failure();
    await setup.killMaster();
    await waitUntil(
      async () => /^master_link_status:down/m.test(await replica.info('replication')),
      DEADLINE,
      'the replica to see its master link down',
    );
    await replica.call('CLIENT', 'UNPAUSE');
    await setup.promoted();

    expect(refused.values).toEqual([]); // never reported as acquired
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as BackendUnavailableError).cause).toBeInstanceOf(ReplicaAcknowledgementError);
    expect(String(error)).toMatch(/reached 0 of 1 replica/);

    // Without acknowledgement the grant is lost: a second holder while the first still believes it holds.
    const second = await firstValueFrom(lock(setup.contender, a, { acquireTimeout: DEADLINE }));
    expect(unacknowledged.isValid()).toBe(true);
    expect(second.token).toBeGreaterThan(unacknowledged.token); // fencing tokens still never go back
    // With it, nobody ever held `b`: the next contender simply gets it, and nobody else believes it holds it.
    expect(await single(setup.contender.readLease(lockLeaseKey(b)))).toBeUndefined();
    const next = await firstValueFrom(lock(setup.contender, b, { acquireTimeout: DEADLINE }));
    expect(next.token).toBeGreaterThan(0);
  } finally {
    holding?.stop();
    await replica.call('CLIENT', 'UNPAUSE').catch(() => undefined);
    replica.disconnect();
  }
}
