import type { TaskKeys } from '../redisKeys.js';
import { toArray, toInteger, toString, type PublishCommand, type RedisScript } from '../redisScript.js';
import { LUA_TASK_HELPERS } from './luaTaskHelpers.js';

/** One claimed task as the script replies it; the backend adds the name and decodes the policy. */
export interface ClaimedTask {
  readonly id: string;
  readonly input: string;
  /** The policy, as stored (JSON). */
  readonly policy: string;
  readonly attempt: number;
  readonly token: number;
  /** The task's place in the queue (comparable across the names of one Redis). */
  readonly order: number;
}

/**
 * Claims up to `limit` queued tasks of one name, oldest first, after ending lapsed claims and
 * queueing due retries: each gets a fresh fencing token, its attempt counted, a lease deadline in
 * `claims`, and a published `started`. Entries whose record is gone are dropped.
 *
 * KEYS: the name's {@link TaskKeys}. ARGV: [publish command, channel, worker, lease ms, limit].
 * Reply: one `[id, input, policy, attempt, token, order]` per claim.
 */
export const claimTasks: RedisScript<
  TaskKeys,
  [publishCommand: PublishCommand, channel: string, worker: string, leaseDuration: number, limit: number],
  readonly ClaimedTask[]
> = {
  name: 'rxSyncClaimTasks',
  numberOfKeys: 6,
  numberOfArgs: 5,
  lua: `${LUA_TASK_HELPERS}
local worker, leaseDuration, limit = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local now = nowMilliseconds()
sweep(now)
local claims = {}
while #claims < limit do
  local head = redis.call('ZRANGE', QUEUE, 0, 0, 'WITHSCORES')
  if #head == 0 then break end
  local n, order = head[1], head[2]
  redis.call('ZREM', QUEUE, n)
  local record = TASK_BASE .. n
  local fields = redis.call('HMGET', record, 'id', 'input', 'policy', 'state')
  if fields[1] and fields[4] == 'queued' then
    local attempt = redis.call('HINCRBY', record, 'attempt', 1)
    local token = integer(nextNumber())
    redis.call('HSET', record, 'state', 'running', 'worker', worker, 'token', token)
    redis.call('ZADD', CLAIMS, now + leaseDuration, n)
    emit(n, {type = 'started', attempt = attempt, worker = worker})
    claims[#claims + 1] = {fields[1], fields[2], fields[3], attempt, token, order}
  end
end
return claims`,
  parse: (reply) =>
    toArray(reply, 'claims').map((entry) => {
      const [id, input, policy, attempt, token, order] = toArray(entry, 'claim');
      return {
        id: toString(id, 'task id'),
        input: toString(input, 'task input'),
        policy: toString(policy, 'task policy'),
        attempt: toInteger(attempt, 'attempt'),
        token: toInteger(token, 'token'),
        order: toInteger(order, 'queue order'),
      };
    }),
};
