import type { TaskKeys } from '../../redisKeys.js';
import { toArray, toInteger, toString, type PublishCommand, type RedisScript } from '../../redisScript.js';
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
return claimBatch(worker, leaseDuration, limit, now)`,
  parse: (reply) => toArray(reply, 'claims').map(toClaimedTask),
};

/** One claim of a claim script's reply: `[id, input, policy, attempt, token, order]`. */
export function toClaimedTask(entry: unknown): ClaimedTask {
  const [id, input, policy, attempt, token, order] = toArray(entry, 'claim');
  return {
    id: toString(id, 'task id'),
    input: toString(input, 'task input'),
    policy: toString(policy, 'task policy'),
    attempt: toInteger(attempt, 'attempt'),
    token: toInteger(token, 'token'),
    order: toInteger(order, 'queue order'),
  };
}
