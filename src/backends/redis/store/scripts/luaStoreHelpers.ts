import { LUA_HELPERS } from '../../luaHelpers.js';

/**
 * Lua shared by the store scripts. Every script of one item touches only that item's keys (in its
 * store shard: one hash tag, so one Cluster slot) and publishes on its shard's channel: the item hash (`value`, `version`, optional `expiresAt` in server
 * milliseconds) and the version counter, which outlives a delete for `counterLifetime` ms.
 *
 * `nextVersion` is the greatest of the counter + 1, the item's version + 1 and the server clock in
 * microseconds: versions grow with every write and keep growing across a delete, a lost counter or
 * a restart. `liveFields` treats an item past its `expiresAt` as gone: it deletes it and publishes
 * `expired` with a fresh version, so every script (and the expiry sweeper, through `getItem`) ends
 * an expired item the same way, exactly once.
 */
export const LUA_STORE_HELPERS = `${LUA_HELPERS}
local function nextVersion(versionKey, currentVersion, counterLifetime)
  local last = math.max(tonumber(redis.call('GET', versionKey) or '0'), currentVersion)
  local version = math.max(last + 1, nowMicroseconds())
  redis.call('SET', versionKey, integer(version), 'PX', counterLifetime)
  return version
end
local function liveFields(itemKey, versionKey, key, channel, publishCommand, counterLifetime)
  local fields = redis.call('HMGET', itemKey, 'value', 'version', 'expiresAt')
  if not fields[2] then return nil end
  if fields[3] and tonumber(fields[3]) * 1000 <= nowMicroseconds() then
    redis.call('DEL', itemKey)
    local version = nextVersion(versionKey, tonumber(fields[2]), counterLifetime)
    publish(publishCommand, channel, cjson.encode({type = 'expired', key = key, version = integer(version)}))
    return nil
  end
  return fields
end
`;
