import { catchError, concatMap, map, of, type Observable } from 'rxjs';
import type { LeaseAttempt } from '../../../backend.js';
import type { LeaseOperations } from './leaseOperations.js';
import type { RedisKeys } from '../redisKeys.js';
import { refusedIfNotALease } from './refusedIfNotALease.js';
import { runScript, type PublishCommand, type RedisClient } from '../redisScript.js';
import {
  ReplicaAcknowledgementError,
  runScriptAcknowledged,
  type ReplicaAcknowledgementSettings,
} from '../replicaAcknowledgement.js';
import {
  acquireLease,
  acquireLeaseArgs,
  type AcquireLeaseReply,
  type LeasePublishing,
} from './scripts/acquireLease.js';
import { readLease } from './scripts/readLease.js';
import { releaseLease, releaseLeaseArgs } from './scripts/releaseLease.js';
import { leaseLineKeys } from './leaseLineKeys.js';
import { renewLease } from './scripts/renewLease.js';
import { updateLease } from './scripts/updateLease.js';

/** How single-instance leases publish, keep their counters and, optionally, wait for replicas. */
export interface SingleInstanceSettings {
  /** The inbox of this backend: its waiters hear their turns on the lease's channel of turns for it. */
  readonly inbox: string;
  readonly counterLifetime: number;
  readonly publishCommand: PublishCommand;
  readonly replicaAcknowledgement: ReplicaAcknowledgementSettings | undefined;
}

/**
 * Leases on one Redis (standalone, Sentinel-managed or Cluster): every step is one script that
 * also publishes its event, so a watcher never misses a change it could have seen. A release hands
 * the lease to the waiter first in line in the same script ({@link releaseLease}'s `grant`), and
 * the turn it publishes to that waiter's backend carries the grant: a hand-over costs one round
 * trip and one message, not a message and then the waiter's own request.
 *
 * With `replicaAcknowledgement`, a grant and a renewal count only once enough replicas received
 * them (`WAIT` right after the script, on the same connection): an unacknowledged grant is released
 * at once and the attempt fails (transient), so a failover cannot hand the lease to a second
 * holder while the first believes it holds it; an unacknowledged renewal fails (transient), and the
 * lease engine retries it until the validity deadline. A release then grants nothing (nobody would
 * wait for the replicas of that grant): it tells the next waiter, who asks.
 */
export function singleInstanceLeases(
  client: RedisClient,
  keys: RedisKeys,
  settings: SingleInstanceSettings,
): LeaseOperations {
  const { inbox, counterLifetime, publishCommand, replicaAcknowledgement: acknowledgement } = settings;
  const publishing = (key: string): LeasePublishing => ({
    channel: keys.published(keys.leaseChannel(key)),
    publishCommand,
    turnsPrefix: keys.published(keys.leaseTurnsPrefix(key)),
  });
  // A release grants the lease to the waiter first in line, unless a grant counts only once
  // replicas acknowledged it (the waiter then asks, and its grant is acknowledged as any other).
  const grantOnRelease = acknowledgement ? '0' : '1';
  const release = (key: string, owner: string): Observable<boolean> =>
    runScript(
      client,
      releaseLease,
      leaseLineKeys(keys, key),
      releaseLeaseArgs(owner, publishing(key), '0', grantOnRelease, counterLifetime),
    ).pipe(
      map((reply) => reply.token > 0),
      refusedIfNotALease(false),
    );
  return {
    tryAcquire: (key, claim) => {
      const leaseKeys = leaseLineKeys(keys, key);
      const args = acquireLeaseArgs(claim, inbox, publishing(key), counterLifetime);
      if (!acknowledgement) return runScript(client, acquireLease, leaseKeys, args).pipe(map(toLeaseAttempt));
      return runScriptAcknowledged(client, acquireLease, leaseKeys, args, acknowledgement).pipe(
        concatMap(({ reply, replicas }) => {
          if (!reply.granted || replicas >= acknowledgement.replicas) return of(toLeaseAttempt(reply));
          // A grant that a failover could lose is no grant: give it back, and say why.
          return release(key, claim.owner).pipe(
            catchError(() => of(false)),
            map((): LeaseAttempt => {
              throw new ReplicaAcknowledgementError('grant', replicas, acknowledgement);
            }),
          );
        }),
      );
    },
    renew: (key, owner, leaseDuration) => {
      const args: [string, number] = [owner, Math.ceil(leaseDuration)];
      if (!acknowledgement)
        return runScript(client, renewLease, [keys.lease(key)], args).pipe(refusedIfNotALease(false));
      return runScriptAcknowledged(client, renewLease, [keys.lease(key)], args, acknowledgement).pipe(
        map(({ reply: renewed, replicas }) => {
          if (renewed && replicas < acknowledgement.replicas)
            throw new ReplicaAcknowledgementError('renewal', replicas, acknowledgement);
          return renewed;
        }),
        refusedIfNotALease(false),
      );
    },
    release,
    update: (key, owner, value) =>
      runScript(
        client,
        updateLease,
        [keys.lease(key)],
        [owner, value, keys.published(keys.leaseChannel(key)), publishCommand],
      ).pipe(map(Boolean), refusedIfNotALease(false)),
    read: (key) => runScript(client, readLease, [keys.lease(key)], []),
  };
}

/** The contract's shape of an acquire script reply. */
export function toLeaseAttempt(reply: AcquireLeaseReply): LeaseAttempt {
  if (reply.granted) return reply;
  const { current, retryIn, place, minted } = reply;
  return {
    granted: false,
    ...(current && { current: { ...current, expiresIn: retryIn } }),
    retryIn,
    ...(place !== undefined && { place, minted }),
  };
}
