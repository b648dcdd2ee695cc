import { toInteger, type RedisScript } from '../../redisScript.js';

/**
 * Extends a lease if the owner still holds it.
 *
 * KEYS: [lease hash]. ARGV: [owner, leaseDuration ms]. Reply: 1 renewed, 0 not held.
 */
export const renewLease: RedisScript<[lease: string], [owner: string, leaseDuration: number], boolean> = {
  name: 'rxSyncRenewLease',
  numberOfKeys: 1,
  numberOfArgs: 2,
  lua: `
local leaseKey = KEYS[1]
local owner = ARGV[1]
local leaseDuration = tonumber(ARGV[2])
if redis.call('HGET', leaseKey, 'owner') ~= owner then return 0 end
redis.call('PEXPIRE', leaseKey, leaseDuration)
return 1`,
  parse: (reply) => toInteger(reply, 'renew reply') === 1,
};
