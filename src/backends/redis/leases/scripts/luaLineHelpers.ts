/**
 * Lua shared by the lease scripts that keep a lease's line of waiters, `line`: a table of three
 * keys, `members` (a sorted set of owner ids by arrival), `deadlines` (the same ids by the server
 * time, in ms, when each place lapses) and `waiters` (a hash: owner id → the JSON of what the line
 * keeps of its claim: `inbox`, the inbox of the backend it waits through, whose channel of turns is
 * the prefix of turns followed by the inbox; `holder` and `value`, for a grant on release; `lease`,
 * its place's duration in ms). Owner ids never leave the server: a place is known in replies and
 * messages by `placeId`, a digest of the owner id. Needs `LUA_HELPERS` before it.
 */
export const LUA_LINE_HELPERS = `
local function nowMilliseconds()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local function placeId(owner)
  return string.sub(redis.sha1hex(owner), 1, 20)
end
local function firstInLine(line)
  return redis.call('ZRANGE', line.members, 0, 0)[1]
end
-- Drops the places that lapsed by nowMs (a hundred at a time); the first owner in line, or nil.
local function lineHead(line, nowMs)
  local lapsed = redis.call('ZRANGEBYSCORE', line.deadlines, '-inf', nowMs, 'LIMIT', 0, 100)
  if #lapsed > 0 then
    redis.call('ZREM', line.deadlines, unpack(lapsed))
    redis.call('ZREM', line.members, unpack(lapsed))
    redis.call('HDEL', line.waiters, unpack(lapsed))
  end
  return firstInLine(line)
end
-- Puts owner at the back of the line, keeping what waiter() encodes of its claim, or keeps its
-- place; either way the place lasts placeDuration ms more.
local function takePlace(line, owner, waiter, nowMs, placeDuration)
  if not redis.call('ZSCORE', line.members, owner) then
    local last = redis.call('ZRANGE', line.members, -1, -1, 'WITHSCORES')
    redis.call('ZADD', line.members, last[2] and tonumber(last[2]) + 1 or 1, owner)
    redis.call('HSET', line.waiters, owner, waiter())
  end
  redis.call('ZADD', line.deadlines, nowMs + placeDuration, owner)
  if redis.call('PTTL', line.members) < placeDuration then
    redis.call('PEXPIRE', line.members, placeDuration)
    redis.call('PEXPIRE', line.deadlines, placeDuration)
    redis.call('PEXPIRE', line.waiters, placeDuration)
  end
  return placeId(owner)
end
-- Removes owner's place; whether it had one.
local function leaveLine(line, owner)
  redis.call('ZREM', line.deadlines, owner)
  redis.call('HDEL', line.waiters, owner)
  return redis.call('ZREM', line.members, owner) == 1
end
-- What the line keeps of owner's claim (see takePlace), or nil.
local function waiterOf(line, owner)
  local waiter = redis.call('HGET', line.waiters, owner)
  return waiter and cjson.decode(waiter)
end
-- Tells the waiter head that it is its turn, on the channel of turns of the backend it waits
-- through (turnsPrefix empty: publishes nothing); head's place id, and its inbox.
local function tellTurn(line, head, publishCommand, turnsPrefix)
  local id = placeId(head)
  local waiter = waiterOf(line, head)
  local inbox = waiter and waiter.inbox
  if inbox and turnsPrefix ~= '' then
    publish(publishCommand, turnsPrefix .. inbox, '{"type":"turn","next":"' .. id .. '"}')
  end
  return id, inbox
end
-- A new fencing token for the lease whose counter is tokenKey: the greater of the counter + 1 and
-- the server's clock in microseconds (so tokens keep growing after a restart that lost the
-- counter); the counter is set to it, and outlives it by counterLifetime ms.
local function mintToken(tokenKey, counterLifetime)
  local token = math.max(tonumber(redis.call('GET', tokenKey) or '0') + 1, nowMicroseconds())
  redis.call('SET', tokenKey, integer(token), 'PX', counterLifetime)
  return token
end
`;
