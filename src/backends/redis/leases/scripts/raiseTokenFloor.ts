import { toInteger, type RedisScript } from '../../redisScript.js';

/**
 * Quorum mode: after a majority granted a lease, writes its token (the highest any of them minted)
 * back to a master: raises the token counter to at least `token`, and stamps the lease with it if
 * the owner holds it there. The next holder's majority shares a master with this one, and that
 * master then mints a greater token; and every master of the majority reports the same term.
 *
 * KEYS: [token counter, lease hash]. ARGV: [token, counter lifetime ms, owner]. Reply: 1.
 */
export const raiseTokenFloor: RedisScript<
  [tokenCounter: string, lease: string],
  [token: number, counterLifetime: number, owner: string],
  number
> = {
  name: 'rxSyncRaiseTokenFloor',
  numberOfKeys: 2,
  numberOfArgs: 3,
  lua: `
local tokenKey = KEYS[1]
local leaseKey = KEYS[2]
local token = tonumber(ARGV[1])
local counterLifetime = tonumber(ARGV[2])
local owner = ARGV[3]
if tonumber(redis.call('GET', tokenKey) or '0') < token then
  redis.call('SET', tokenKey, ARGV[1], 'PX', counterLifetime)
end
if redis.call('HGET', leaseKey, 'owner') == owner then
  redis.call('HSET', leaseKey, 'token', ARGV[1], 'committed', '1')
end
return 1`,
  parse: (reply) => toInteger(reply, 'raise reply'),
};
