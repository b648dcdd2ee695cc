import type { TaskKeys } from '../../redisKeys.js';
import { toArray, toInteger, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_TASK_HELPERS } from './luaTaskHelpers.js';

/**
 * The queue order of up to `limit` claimable tasks of one name, oldest first, after ending lapsed
 * claims and queueing due retries (as a claim does). A worker of several names peeks at each and
 * then claims from each name its share of the oldest, so that claims go oldest first across names
 * even when the names live on different Cluster nodes.
 *
 * KEYS: the name's {@link TaskKeys}. ARGV: [publish command, channel, limit]. Reply: the orders.
 */
export const peekTasks: RedisScript<
  TaskKeys,
  [publishCommand: PublishCommand, channel: string, limit: number],
  readonly number[]
> = {
  name: 'rxSyncPeekTasks',
  numberOfKeys: 6,
  numberOfArgs: 3,
  lua: `${LUA_TASK_HELPERS}
local limit = tonumber(ARGV[3])
sweep(nowMilliseconds())
local head = redis.call('ZRANGE', QUEUE, 0, limit - 1, 'WITHSCORES')
local scores = {}
for i = 2, #head, 2 do scores[#scores + 1] = head[i] end
return scores`,
  parse: (reply) => toArray(reply, 'queue orders').map((order) => toInteger(order, 'queue order')),
};
