import { map } from 'rxjs';
import type { LeaseAttempt } from '../../backend.js';
import type { LeaseOperations } from './leaseOperations.js';
import type { RedisKeys } from './redisKeys.js';
import { runScript, type RedisClient } from './redisScript.js';
import { acquireLease, type AcquireLeaseReply } from './scripts/acquireLease.js';
import { readLease } from './scripts/readLease.js';
import { releaseLease } from './scripts/releaseLease.js';
import { renewLease } from './scripts/renewLease.js';
import { updateLease } from './scripts/updateLease.js';

/**
 * Leases on one Redis (standalone, Sentinel-managed or Cluster): every step is one script that
 * also publishes its event, so a watcher never misses a change it could have seen.
 */
export function singleInstanceLeases(client: RedisClient, keys: RedisKeys, counterLifetime: number): LeaseOperations {
  return {
    tryAcquire: (key, claim) =>
      runScript(
        client,
        acquireLease,
        [keys.lease(key), keys.leaseToken(key)],
        [
          claim.owner,
          claim.holder,
          claim.value ?? '',
          claim.value === undefined ? '0' : '1',
          Math.ceil(claim.leaseDuration),
          keys.leaseChannel(key),
          counterLifetime,
          0,
        ],
      ).pipe(map(toLeaseAttempt)),
    renew: (key, owner, leaseDuration) =>
      runScript(client, renewLease, [keys.lease(key)], [owner, Math.ceil(leaseDuration)]),
    release: (key, owner) =>
      runScript(client, releaseLease, [keys.lease(key)], [owner, keys.leaseChannel(key)]).pipe(
        map((token) => token > 0),
      ),
    update: (key, owner, value) =>
      runScript(client, updateLease, [keys.lease(key)], [owner, value, keys.leaseChannel(key)]).pipe(map(Boolean)),
    read: (key) => runScript(client, readLease, [keys.lease(key)], []),
  };
}

/** The contract's shape of an acquire script reply. */
export function toLeaseAttempt(reply: AcquireLeaseReply): LeaseAttempt {
  if (reply.granted) return reply;
  const { holder, token, expiresIn, value } = reply;
  return { granted: false, current: { holder, token, expiresIn, ...(value !== undefined && { value }) } };
}
