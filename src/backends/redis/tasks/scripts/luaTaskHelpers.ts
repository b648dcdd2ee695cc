import { LUA_HELPERS } from '../../luaHelpers.js';

/**
 * Lua shared by the task scripts. Every task script touches the keys of one task name (one hash
 * tag, so one Cluster slot), passed in the same order, and publishes on the name's channel:
 *
 * KEYS: [queue, delayed, claims, counter, task record base, idempotency base] (see
 * `RedisKeys.taskKeys`). ARGV[1]: publish command; ARGV[2]: the name's channel.
 *
 * A task is known by its number `n` (its id is `NAME:n`); its record is the hash `base .. n`.
 * `nextNumber` hands out task numbers, fencing tokens and queue order from one counter: the
 * greatest of the counter + 1 and the server clock in microseconds, so they keep growing across a
 * data-losing restart. `emit` adds one to the task's `seq` and publishes the event with it, in the
 * same atomic step as the change it tells of. Lapsed claims are found by their deadline in
 * `claims`; `sweep` ends them (queued again while attempts remain, failed with
 * `TaskStalledError` after the last: a task handed back takes its first place in line again, not the
 * last) and moves due retries into the queue (at its end): the claim script
 * sweeps first, and every per-task script first ends its own task's lapsed claim, so the clock of
 * the Redis server alone decides when a claim lapsed.
 */
export const LUA_TASK_HELPERS = `${LUA_HELPERS}
local QUEUE, DELAYED, CLAIMS, COUNTER, TASK_BASE, IDEMPOTENCY_BASE = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local PUBLISH_COMMAND, CHANNEL = ARGV[1], ARGV[2]
local function nowMilliseconds()
  return math.floor(nowMicroseconds() / 1000)
end
local function nextNumber()
  local n = math.max(tonumber(redis.call('GET', COUNTER) or '0') + 1, nowMicroseconds())
  redis.call('SET', COUNTER, integer(n))
  return n
end
local function emit(n, event, id)
  local record = TASK_BASE .. n
  event.seq = redis.call('HINCRBY', record, 'seq', 1)
  event.id = id or redis.call('HGET', record, 'id')
  publish(PUBLISH_COMMAND, CHANNEL, cjson.encode(event))
end
local function finish(n, state, wasRunning)
  local record = TASK_BASE .. n
  redis.call('HSET', record, 'state', state)
  redis.call('HDEL', record, 'token')
  redis.call('ZREM', CLAIMS, n)
  if not wasRunning then
    redis.call('ZREM', QUEUE, n)
    redis.call('ZREM', DELAYED, n)
  end
  local fields = redis.call('HMGET', record, 'retention', 'idempotencyKey')
  redis.call('PEXPIRE', record, fields[1])
  if fields[2] then redis.call('PEXPIRE', IDEMPOTENCY_BASE .. fields[2], fields[1]) end
end
local function endAttempt(n, errorJson, delay, now)
  local record = TASK_BASE .. n
  local attempt = tonumber(redis.call('HGET', record, 'attempt'))
  redis.call('HSET', record, 'error', errorJson)
  if delay == nil then
    finish(n, 'failed', true)
    emit(n, {type = 'failed', attempt = attempt, error = cjson.decode(errorJson)})
    return
  end
  redis.call('HSET', record, 'state', 'queued')
  redis.call('HDEL', record, 'token')
  redis.call('ZREM', CLAIMS, n)
  if delay > 0 then
    redis.call('ZADD', DELAYED, now + delay, n)
  else
    redis.call('ZADD', QUEUE, n, n) -- handed back (lapsed, worker stopped): in its first place in line
  end
  emit(n, {type = 'retrying', attempt = attempt, error = cjson.decode(errorJson), delay = delay})
end
local function lapse(n, now)
  local fields = redis.call('HMGET', TASK_BASE .. n, 'attempt', 'attempts')
  if not fields[1] then
    redis.call('ZREM', CLAIMS, n)
    return
  end
  local attempt = tonumber(fields[1])
  local message = 'The lease of attempt ' .. attempt .. ' lapsed.'
  local errorJson = cjson.encode({name = 'TaskStalledError', message = message})
  endAttempt(n, errorJson, attempt < tonumber(fields[2]) and 0 or nil, now)
end
local function lapseIfDue(n, now)
  local deadline = redis.call('ZSCORE', CLAIMS, n)
  if deadline and tonumber(deadline) <= now then lapse(n, now) end
end
local function sweep(now)
  for _, n in ipairs(redis.call('ZRANGEBYSCORE', CLAIMS, '-inf', now, 'LIMIT', 0, 100)) do lapse(n, now) end
  for _, n in ipairs(redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now, 'LIMIT', 0, 1000)) do
    redis.call('ZREM', DELAYED, n)
    redis.call('ZADD', QUEUE, integer(nextNumber()), n)
  end
end
local function claimBatch(worker, leaseDuration, limit, now)
  local claims = {}
  local lastToken = nil -- tokens of one batch: one read and one write of the counter
  while #claims < limit do
    local popped = redis.call('ZPOPMIN', QUEUE, limit - #claims)
    if #popped == 0 then break end
    for i = 1, #popped, 2 do
      local n, order = popped[i], popped[i + 1]
      local record = TASK_BASE .. n
      local fields = redis.call('HMGET', record, 'id', 'input', 'policy', 'state')
      if fields[1] and fields[4] == 'queued' then
        local attempt = redis.call('HINCRBY', record, 'attempt', 1)
        if lastToken then
          lastToken = lastToken + 1
        else
          lastToken = math.max(tonumber(redis.call('GET', COUNTER) or '0') + 1, nowMicroseconds())
        end
        local token = integer(lastToken)
        redis.call('HSET', record, 'state', 'running', 'worker', worker, 'token', token)
        redis.call('ZADD', CLAIMS, now + leaseDuration, n)
        emit(n, {type = 'started', attempt = attempt, worker = worker}, fields[1])
        claims[#claims + 1] = {fields[1], fields[2], fields[3], attempt, token, order}
      end
    end
  end
  if lastToken then redis.call('SET', COUNTER, integer(lastToken)) end
  return claims
end
-- The task's id when \`token\` is its running claim (after ending the claim if it lapsed), else nil.
local function ownedBy(n, token, now)
  lapseIfDue(n, now)
  local fields = redis.call('HMGET', TASK_BASE .. n, 'state', 'token', 'id')
  if fields[1] == 'running' and fields[2] == token then return fields[3] end
  return nil
end
`;
