/**
 * Lua shared by the scripts: the server's clock, integer formatting and publishing. Numbers in
 * Redis Lua are doubles, exact up to 2^53, which covers microsecond timestamps for the next two
 * centuries; `%.0f` prints them without an exponent. `publish` sends with `PUBLISH` (standalone,
 * Sentinel: Redis before 7 has no `SPUBLISH`) or, when the backend says `SPUBLISH` (Redis Cluster),
 * with sharded pub/sub, to a channel in the slot of the script's keys; an empty channel publishes
 * nothing.
 */
export const LUA_HELPERS = `
local function nowMicroseconds()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000000 + tonumber(time[2])
end
local function integer(number)
  return string.format('%.0f', number)
end
local function publish(command, channel, message)
  if channel == '' then return end
  redis.call(command == 'SPUBLISH' and 'SPUBLISH' or 'PUBLISH', channel, message)
end
`;
