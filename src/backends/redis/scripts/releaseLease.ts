import { toInteger, type RedisScript } from '../redisScript.js';

/**
 * Gives a lease up if the owner holds it, and announces it so waiters wake at once.
 *
 * KEYS: [lease hash]. ARGV: [owner, events channel (empty: publish nothing)]. Publishes `released`. Reply: the
 * released tenure's token, or 0 when the owner did not hold the lease.
 */
export const releaseLease: RedisScript<[lease: string], [owner: string, channel: string], number> = {
  name: 'rxSyncReleaseLease',
  numberOfKeys: 1,
  numberOfArgs: 2,
  lua: `
local leaseKey = KEYS[1]
local owner = ARGV[1]
local channel = ARGV[2]
local current = redis.call('HMGET', leaseKey, 'owner', 'token')
if current[1] ~= owner then return 0 end
redis.call('DEL', leaseKey)
if channel ~= '' then redis.call('PUBLISH', channel, cjson.encode({type = 'released', token = current[2]})) end
return tonumber(current[2])`,
  parse: (reply) => toInteger(reply, 'release reply'),
};
