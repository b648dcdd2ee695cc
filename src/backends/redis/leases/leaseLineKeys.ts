import type { RedisKeys } from '../redisKeys.js';

/**
 * The KEYS of the scripts that grant a lease and keep its line of waiters (`acquireLease`,
 * `releaseLease`): the lease hash, its token counter, and the line's three keys (see
 * `LUA_LINE_HELPERS`). All in the lease's slot.
 */
export type LeaseLineKeys = [
  lease: string,
  tokenCounter: string,
  line: string,
  lineDeadlines: string,
  lineWaiters: string,
];

/** The {@link LeaseLineKeys} of the lease on `key`. */
export function leaseLineKeys(keys: RedisKeys, key: string): LeaseLineKeys {
  return [
    keys.lease(key),
    keys.leaseToken(key),
    keys.leaseLine(key),
    keys.leaseLineDeadlines(key),
    keys.leaseLineWaiters(key),
  ];
}
