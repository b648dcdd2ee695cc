/**
 * Lua shared by the lease scripts that keep a lease's line of waiters: a sorted set of owner ids by
 * arrival (`lineKey`) and one of the same ids by the server time, in ms, when each place lapses
 * (`deadlinesKey`). Owner ids never leave the server: a place is known in replies and messages by
 * `placeId`, a digest of the owner id. Needs `LUA_HELPERS` before it.
 */
export const LUA_LINE_HELPERS = `
local function nowMilliseconds()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local function placeId(owner)
  return string.sub(redis.sha1hex(owner), 1, 20)
end
local function firstInLine(lineKey)
  return redis.call('ZRANGE', lineKey, 0, 0)[1]
end
-- Drops the places that lapsed by nowMs (a hundred at a time); the first owner in line, or nil.
local function lineHead(lineKey, deadlinesKey, nowMs)
  local lapsed = redis.call('ZRANGEBYSCORE', deadlinesKey, '-inf', nowMs, 'LIMIT', 0, 100)
  if #lapsed > 0 then
    redis.call('ZREM', deadlinesKey, unpack(lapsed))
    redis.call('ZREM', lineKey, unpack(lapsed))
  end
  return firstInLine(lineKey)
end
-- Puts owner at the back of the line, or keeps its place; either way the place lasts placeDuration ms more.
local function takePlace(lineKey, deadlinesKey, owner, nowMs, placeDuration)
  if not redis.call('ZSCORE', lineKey, owner) then
    local last = redis.call('ZRANGE', lineKey, -1, -1, 'WITHSCORES')
    redis.call('ZADD', lineKey, last[2] and tonumber(last[2]) + 1 or 1, owner)
  end
  redis.call('ZADD', deadlinesKey, nowMs + placeDuration, owner)
  if redis.call('PTTL', lineKey) < placeDuration then
    redis.call('PEXPIRE', lineKey, placeDuration)
    redis.call('PEXPIRE', deadlinesKey, placeDuration)
  end
  return placeId(owner)
end
-- Removes owner's place; whether it had one.
local function leaveLine(lineKey, deadlinesKey, owner)
  redis.call('ZREM', deadlinesKey, owner)
  return redis.call('ZREM', lineKey, owner) == 1
end
`;
