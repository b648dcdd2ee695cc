import type { TaskKeys } from '../../redisKeys.js';
import { ReplyShapeError, toArray, toInteger, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { toClaimedTask, type ClaimedTask } from './claimTasks.js';
import { LUA_TASK_HELPERS } from './luaTaskHelpers.js';

/** The reply of {@link completeTasks}: which tasks were completed, and the next claims. */
export interface CompletedAndClaimed {
  /** One flag per completion, in order. */
  readonly completed: readonly boolean[];
  readonly claims: readonly ClaimedTask[];
}

/**
 * For each completion, marks the task succeeded with its result if `token` is its running claim,
 * publishes `succeeded` and starts its retention (the record and its idempotency key expire
 * after it); then, with a `limit` above 0, claims up to `limit` tasks of the same name for
 * `worker` as `claimTasks` does (a busy worker's steady state: one round trip for the outcomes of
 * all its slots that came in together, and their next tasks).
 *
 * KEYS: the name's {@link TaskKeys}. ARGV: [publish command, channel, worker, lease ms, limit,
 * then per completion: task number, token, has result (1 or 0), result (JSON or '')].
 * Reply: `[count completed, completed flags (1 or 0) ..., claims ...]`.
 */
export const completeTasks: RedisScript<
  TaskKeys,
  [
    publishCommand: PublishCommand,
    channel: string,
    worker: string,
    leaseDuration: number,
    limit: number,
    ...completions: (string | number)[],
  ],
  CompletedAndClaimed
> = {
  name: 'rxSyncCompleteTasks',
  numberOfKeys: 6,
  numberOfArgs: 5,
  argsPerItem: 4,
  lua: `${LUA_TASK_HELPERS}
local nextWorker, nextLeaseDuration, nextLimit = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local now = nowMilliseconds()
local reply = {0}
for i = 6, #ARGV, 4 do
  local n, token, hasResult, result = ARGV[i], ARGV[i + 1], ARGV[i + 2] == '1', ARGV[i + 3]
  local id = ownedBy(n, token, now)
  if id then
    local event = {type = 'succeeded'}
    if hasResult then
      redis.call('HSET', TASK_BASE .. n, 'result', result)
      event.result = result
    end
    finish(n, 'succeeded', true)
    emit(n, event, id)
  end
  reply[#reply + 1] = id and 1 or 0
end
reply[1] = #reply - 1
if nextLimit > 0 then
  sweep(now)
  for _, claim in ipairs(claimBatch(nextWorker, nextLeaseDuration, nextLimit, now)) do reply[#reply + 1] = claim end
end
return reply`,
  parse: (reply) => {
    const [count, ...rest] = toArray(reply, 'complete reply');
    const flags = toInteger(count, 'completion count');
    if (flags < 0 || flags > rest.length) throw new ReplyShapeError('completion count', count);
    return {
      completed: rest.slice(0, flags).map((flag) => toInteger(flag, 'completed flag') === 1),
      claims: rest.slice(flags).map(toClaimedTask),
    };
  },
};
