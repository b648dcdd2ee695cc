import type { TaskKeys } from '../redisKeys.js';
import { toInteger, type PublishCommand, type RedisScript } from '../redisScript.js';
import { LUA_TASK_HELPERS } from './luaTaskHelpers.js';

/**
 * Marks the task succeeded with its result if `token` is the running claim, publishes `succeeded`
 * and starts its retention (the record and its idempotency key expire after it).
 *
 * KEYS: the name's {@link TaskKeys}. ARGV: [publish command, channel, task number, token, has
 * result (1 or 0), result (JSON or '')]. Reply: whether it was completed.
 */
export const completeTask: RedisScript<
  TaskKeys,
  [publishCommand: PublishCommand, channel: string, n: string, token: string, hasResult: 0 | 1, result: string],
  boolean
> = {
  name: 'rxSyncCompleteTask',
  numberOfKeys: 6,
  numberOfArgs: 6,
  lua: `${LUA_TASK_HELPERS}
local n = ARGV[3]
if not ownedBy(n, ARGV[4], nowMilliseconds()) then return 0 end
local event = {type = 'succeeded'}
if ARGV[5] == '1' then
  redis.call('HSET', TASK_BASE .. n, 'result', ARGV[6])
  event.result = ARGV[6]
end
finish(n, 'succeeded')
emit(n, event)
return 1`,
  parse: (reply) => toInteger(reply, 'complete reply') === 1,
};
