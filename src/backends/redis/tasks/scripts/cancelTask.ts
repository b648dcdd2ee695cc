import type { TaskKeys } from '../../redisKeys.js';
import { toInteger, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_TASK_HELPERS } from './luaTaskHelpers.js';

/**
 * Cancels a task that has not finished: out of the queue (or the delayed retries), its claim ended
 * if running; publishes `cancelled` and starts its retention.
 *
 * KEYS: the name's {@link TaskKeys}. ARGV: [publish command, channel, task number].
 * Reply: whether it was cancelled (`false` when finished or unknown).
 */
export const cancelTask: RedisScript<TaskKeys, [publishCommand: PublishCommand, channel: string, n: string], boolean> =
  {
    name: 'rxSyncCancelTask',
    numberOfKeys: 6,
    numberOfArgs: 3,
    lua: `${LUA_TASK_HELPERS}
local n = ARGV[3]
lapseIfDue(n, nowMilliseconds())
local state = redis.call('HGET', TASK_BASE .. n, 'state')
if state ~= 'queued' and state ~= 'running' then return 0 end
finish(n, 'cancelled', state == 'running')
emit(n, {type = 'cancelled'})
return 1`,
    parse: (reply) => toInteger(reply, 'cancel reply') === 1,
  };
