import type { TaskKeys } from '../../redisKeys.js';
import { toInteger, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_TASK_HELPERS } from './luaTaskHelpers.js';

/**
 * Ends the attempt of `token` with an error: queued again after the retry delay (`retrying`
 * published; a delay of 0 queues it at once), or failed for good without one (`failed`
 * published, retention started).
 *
 * KEYS: the name's {@link TaskKeys}. ARGV: [publish command, channel, task number, token, error
 * (JSON `{name, message}`), retry delay ms or ''].
 * Reply: whether it was ended (`token` is the running claim).
 */
export const failTask: RedisScript<
  TaskKeys,
  [publishCommand: PublishCommand, channel: string, n: string, token: string, error: string, retryDelay: number | ''],
  boolean
> = {
  name: 'rxSyncFailTask',
  numberOfKeys: 6,
  numberOfArgs: 6,
  lua: `${LUA_TASK_HELPERS}
local n, token, errorJson, retryDelay = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local now = nowMilliseconds()
if not ownedBy(n, token, now) then return 0 end
endAttempt(n, errorJson, retryDelay, now)
return 1`,
  parse: (reply) => toInteger(reply, 'fail reply') === 1,
};
