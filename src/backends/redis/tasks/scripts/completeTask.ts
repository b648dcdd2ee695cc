import type { TaskKeys } from '../../redisKeys.js';
import { toArray, toInteger, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { toClaimedTask, type ClaimedTask } from './claimTasks.js';
import { LUA_TASK_HELPERS } from './luaTaskHelpers.js';

/** The reply of {@link completeTask}: whether the task was completed, and the next claims. */
export interface CompletedAndClaimed {
  readonly completed: boolean;
  readonly claims: readonly ClaimedTask[];
}

/**
 * Marks the task succeeded with its result if `token` is the running claim, publishes `succeeded`
 * and starts its retention (the record and its idempotency key expire after it); then, with a
 * `limit` above 0, claims up to `limit` tasks of the same name for `worker` as `claimTasks` does
 * (a busy worker's steady state: one round trip per task).
 *
 * KEYS: the name's {@link TaskKeys}. ARGV: [publish command, channel, task number, token, has
 * result (1 or 0), result (JSON or ''), worker, lease ms, limit].
 * Reply: `[completed (1 or 0), ...claims]`.
 */
export const completeTask: RedisScript<
  TaskKeys,
  [
    publishCommand: PublishCommand,
    channel: string,
    n: string,
    token: string,
    hasResult: 0 | 1,
    result: string,
    worker: string,
    leaseDuration: number,
    limit: number,
  ],
  CompletedAndClaimed
> = {
  name: 'rxSyncCompleteTask',
  numberOfKeys: 6,
  numberOfArgs: 9,
  lua: `${LUA_TASK_HELPERS}
local n, token, hasResult, result = ARGV[3], ARGV[4], ARGV[5] == '1', ARGV[6]
local nextWorker, nextLeaseDuration, nextLimit = ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
local now = nowMilliseconds()
local completed = 0
local id = ownedBy(n, token, now)
if id then
  local event = {type = 'succeeded'}
  if hasResult then
    redis.call('HSET', TASK_BASE .. n, 'result', result)
    event.result = result
  end
  finish(n, 'succeeded', true)
  emit(n, event, id)
  completed = 1
end
local reply = {completed}
if nextLimit > 0 then
  sweep(now)
  for _, claim in ipairs(claimBatch(nextWorker, nextLeaseDuration, nextLimit, now)) do reply[#reply + 1] = claim end
end
return reply`,
  parse: (reply) => {
    const [completed, ...claims] = toArray(reply, 'complete reply');
    return { completed: toInteger(completed, 'completed flag') === 1, claims: claims.map(toClaimedTask) };
  },
};
