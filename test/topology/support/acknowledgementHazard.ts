import { firstValueFrom } from 'rxjs';
import { BackendUnavailableError, lock, type Lease } from '../../../src/index.js';
import type { RedisBackend } from '../../../src/backends/redis/index.js';
import { ReplicaAcknowledgementError } from '../../../src/backends/redis/replicaAcknowledgement.js';
import { lockLeaseKey } from '../../../src/internal/leaseKeys.js';
import { Recorder, single } from '../../redis/support/redisTestKit.js';

/** What the replica acknowledgement hazard scenario needs from a topology. */
export interface HazardSetup {
  /** Three backends on one prefix: without the option, with `replicaAcknowledgement`, and a later contender. */
  readonly plain: RedisBackend;
  readonly acknowledged: RedisBackend;
  readonly contender: RedisBackend;
  /** Two lock names on the master that `kill` kills. */
  readonly names: readonly [string, string];
  /**
   * Pauses the replica's writes (`CLIENT PAUSE <ms> WRITE`, which also holds up the replication
   * stream) for `duration` ms, shorter than the topology's failure detection.
   */
  readonly pauseReplica: (duration: number) => Promise<void>;
  /** Kills the master with `kill -9` and resolves once its replica has been promoted. */
  readonly failOver: () => Promise<void>;
}

/** How long the replica stops applying the replication stream: the kill must come within it. */
const PAUSE = 600;

/**
 * Reproduces the hazard of asynchronous replication: the replica stops applying the replication
 * stream for a moment, a lock is granted meanwhile, and the master dies before the replica got it.
 * Without `replicaAcknowledgement` the grant is lost in the failover and a second holder gets the
 * lock while the first still believes it holds it (only its fencing token, lower than the second's,
 * lets a resource tell them apart). With it, the grant was never reported as acquired: the attempt
 * failed with `BackendUnavailableError` and the lease was given back at once.
 */
export async function runAcknowledgementHazard(setup: HazardSetup): Promise<void> {
  const [a, b] = setup.names;
  const holding = new Recorder<Lease>(lock(setup.plain, a, { leaseDuration: 30_000 }), {
    label: 'unacknowledged lock',
  });
  try {
    await setup.pauseReplica(PAUSE);
    const unacknowledged = await holding.nth(0);
    const refused = new Recorder<Lease>(lock(setup.acknowledged, b, { leaseDuration: 30_000 }), {
      label: 'acknowledged lock',
    });
    const error = await refused.failure();
    await setup.failOver();

    expect(refused.values).toEqual([]); // never reported as acquired
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as BackendUnavailableError).cause).toBeInstanceOf(ReplicaAcknowledgementError);
    expect(String(error)).toMatch(/reached 0 of 1 replica/);

    // Without acknowledgement the grant is lost: a second holder while the first still believes it holds.
    const second = await firstValueFrom(lock(setup.contender, a, { acquireTimeout: 20_000 }));
    expect(unacknowledged.isValid()).toBe(true);
    expect(second.token).toBeGreaterThan(unacknowledged.token); // fencing tokens still never go back
    // With it, nobody ever held `b`: the next contender simply gets it, and nobody else believes it holds it.
    expect(await single(setup.contender.readLease(lockLeaseKey(b)))).toBeUndefined();
    const next = await firstValueFrom(lock(setup.contender, b, { acquireTimeout: 20_000 }));
    expect(next.token).toBeGreaterThan(0);
  } finally {
    holding.stop();
  }
}
