import { toInteger, type RedisScript } from '../../redisScript.js';
import { LUA_HELPERS } from '../../luaHelpers.js';

/**
 * Removes a store key from the expiry index if its entry is due (a key written again with a new
 * time to live keeps its new entry).
 *
 * KEYS: [expiry index]. ARGV: [key]. Reply: 1 removed, 0 kept.
 */
export const forgetExpired: RedisScript<[expiring: string], [key: string], boolean> = {
  name: 'rxSyncForgetExpired',
  numberOfKeys: 1,
  numberOfArgs: 1,
  lua: `${LUA_HELPERS}
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > math.floor(nowMicroseconds() / 1000) then return 0 end
return redis.call('ZREM', KEYS[1], ARGV[1])`,
  parse: (reply) => toInteger(reply, 'forget reply') === 1,
};
