import type { TaskKeys } from '../../redisKeys.js';
import { toInteger, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_TASK_HELPERS } from './luaTaskHelpers.js';

/**
 * Extends a running claim's lease if `token` is still the running claim (and its lease has not
 * lapsed: a lapsed one is ended here first).
 *
 * KEYS: the name's {@link TaskKeys}. ARGV: [publish command, channel, task number, token, lease ms].
 * Reply: whether it was renewed.
 */
export const renewTaskClaim: RedisScript<
  TaskKeys,
  [publishCommand: PublishCommand, channel: string, n: string, token: string, leaseDuration: number],
  boolean
> = {
  name: 'rxSyncRenewTaskClaim',
  numberOfKeys: 6,
  numberOfArgs: 5,
  lua: `${LUA_TASK_HELPERS}
local n, token, leaseDuration = ARGV[3], ARGV[4], tonumber(ARGV[5])
local now = nowMilliseconds()
if not ownedBy(n, token, now) then return 0 end
redis.call('ZADD', CLAIMS, now + leaseDuration, n)
return 1`,
  parse: (reply) => toInteger(reply, 'renew reply') === 1,
};
