import type { Enqueued } from '../../../../taskBackend.js';
import type { TaskKeys } from '../../redisKeys.js';
import { toArray, toInteger, toString, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_TASK_HELPERS } from './luaTaskHelpers.js';

/**
 * Stores a new queued task and publishes `queued` (which also wakes the name's idle workers), with
 * the caller's `ref` in it, so that a submitter already listening knows its task by its first
 * event; with an idempotency key that a live task holds, changes nothing and replies with that task.
 *
 * KEYS: the name's {@link TaskKeys}. ARGV: [publish command, channel, name, input, policy (JSON),
 * attempts, retention ms, idempotency key or '', ref or ''].
 * Reply: `[id, created (1 or 0)]`.
 */
export const enqueueTask: RedisScript<
  TaskKeys,
  [
    publishCommand: PublishCommand,
    channel: string,
    name: string,
    input: string,
    policy: string,
    attempts: number,
    retention: number,
    idempotencyKey: string,
    ref: string,
  ],
  Enqueued
> = {
  name: 'rxSyncEnqueueTask',
  numberOfKeys: 6,
  numberOfArgs: 9,
  lua: `${LUA_TASK_HELPERS}
local name, input, policy, attempts, retention = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local idempotencyKey, ref = ARGV[8], ARGV[9]
if idempotencyKey ~= '' then
  local existing = redis.call('GET', IDEMPOTENCY_BASE .. idempotencyKey)
  if existing and redis.call('EXISTS', TASK_BASE .. existing) == 1 then return {name .. ':' .. existing, 0} end
end
local n = integer(nextNumber())
local record = TASK_BASE .. n
redis.call('HSET', record, 'id', name .. ':' .. n, 'name', name, 'input', input, 'policy', policy,
  'attempts', attempts, 'retention', retention, 'state', 'queued', 'attempt', 0, 'seq', 0)
if idempotencyKey ~= '' then
  redis.call('HSET', record, 'idempotencyKey', idempotencyKey)
  redis.call('SET', IDEMPOTENCY_BASE .. idempotencyKey, n)
end
redis.call('ZADD', QUEUE, n, n)
emit(n, {type = 'queued', ref = ref ~= '' and ref or nil})
return {name .. ':' .. n, 1}`,
  parse: (reply) => {
    const [id, created] = toArray(reply, 'enqueue reply');
    return { id: toString(id, 'task id'), created: toInteger(created, 'created flag') === 1 };
  },
};
