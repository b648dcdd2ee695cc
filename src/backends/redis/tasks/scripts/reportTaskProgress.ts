import type { TaskKeys } from '../../redisKeys.js';
import { toInteger, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_TASK_HELPERS } from './luaTaskHelpers.js';

/**
 * Publishes a progress value of the running claim of `token`.
 *
 * KEYS: the name's {@link TaskKeys}. ARGV: [publish command, channel, task number, token, value (JSON)].
 * Reply: whether it was published (`token` is the running claim).
 */
export const reportTaskProgress: RedisScript<
  TaskKeys,
  [publishCommand: PublishCommand, channel: string, n: string, token: string, value: string],
  boolean
> = {
  name: 'rxSyncReportTaskProgress',
  numberOfKeys: 6,
  numberOfArgs: 5,
  lua: `${LUA_TASK_HELPERS}
local n, token, value = ARGV[3], ARGV[4], ARGV[5]
local id = ownedBy(n, token, nowMilliseconds())
if not id then return 0 end
local attempt = tonumber(redis.call('HGET', TASK_BASE .. n, 'attempt'))
emit(n, {type = 'progress', attempt = attempt, value = value}, id)
return 1`,
  parse: (reply) => toInteger(reply, 'progress reply') === 1,
};
