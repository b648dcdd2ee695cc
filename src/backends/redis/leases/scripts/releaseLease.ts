import { toInteger, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_HELPERS } from '../../luaHelpers.js';

/**
 * Gives a lease up if the owner holds it, and announces it so waiters wake at once.
 *
 * KEYS: [lease hash]. ARGV: [owner, events channel (empty: publish nothing), publish command]. Publishes
 * `released`. Reply: the released tenure's token, or 0 when the owner did not hold the lease.
 */
export const releaseLease: RedisScript<
  [lease: string],
  [owner: string, channel: string, publishCommand: PublishCommand],
  number
> = {
  name: 'rxSyncReleaseLease',
  numberOfKeys: 1,
  numberOfArgs: 3,
  lua: `${LUA_HELPERS}
local leaseKey = KEYS[1]
local owner = ARGV[1]
local channel = ARGV[2]
local publishCommand = ARGV[3]
local current = redis.call('HMGET', leaseKey, 'owner', 'token')
if current[1] ~= owner then return 0 end
redis.call('DEL', leaseKey)
publish(publishCommand, channel, cjson.encode({type = 'released', token = current[2]}))
return tonumber(current[2])`,
  parse: (reply) => toInteger(reply, 'release reply'),
};
