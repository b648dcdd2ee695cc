/**
 * Lua shared by the scripts: the server's clock and integer formatting. Numbers in Redis Lua are
 * doubles, exact up to 2^53, which covers microsecond timestamps for the next two centuries;
 * `%.0f` prints them without an exponent.
 */
export const LUA_HELPERS = `
local function nowMicroseconds()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000000 + tonumber(time[2])
end
local function integer(number)
  return string.format('%.0f', number)
end
`;
