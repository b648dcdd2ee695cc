import { toArray, toInteger, toString, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_HELPERS } from '../../luaHelpers.js';

/**
 * Replaces the public value of a lease if the owner holds it (etcd's Proclaim).
 *
 * KEYS: [lease hash]. ARGV: [owner, value, events channel (empty: publish nothing), publish command].
 * Publishes `updated`. Reply: `{holder, token, committed (1/0)}`, or nil when the owner does not
 * hold the lease; `committed` says the lease carries its quorum's agreed token (`raiseTokenFloor`
 * stamped it), never set on a single instance.
 */
export const updateLease: RedisScript<
  [lease: string],
  [owner: string, value: string, channel: string, publishCommand: PublishCommand],
  { readonly holder: string; readonly token: number; readonly committed: boolean } | undefined
> = {
  name: 'rxSyncUpdateLease',
  numberOfKeys: 1,
  numberOfArgs: 4,
  lua: `${LUA_HELPERS}
local leaseKey = KEYS[1]
local owner = ARGV[1]
local value = ARGV[2]
local channel = ARGV[3]
local publishCommand = ARGV[4]
local current = redis.call('HMGET', leaseKey, 'owner', 'holder', 'token', 'committed')
if current[1] ~= owner then return false end
redis.call('HSET', leaseKey, 'value', value)
publish(publishCommand, channel, cjson.encode({type = 'updated', holder = current[2], token = current[3], value = value}))
return {current[2], tonumber(current[3]), current[4] == '1' and 1 or 0}`,
  parse: (reply) => {
    if (reply === null) return undefined;
    const [holder, token, committed] = toArray(reply, 'update reply');
    return {
      holder: toString(holder, 'holder'),
      token: toInteger(token, 'token'),
      committed: toInteger(committed, 'committed flag') === 1,
    };
  },
};
