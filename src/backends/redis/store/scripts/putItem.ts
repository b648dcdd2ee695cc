import { toArray, toInteger, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_STORE_HELPERS } from './luaStoreHelpers.js';

/** A reply of {@link putItem}. */
export type PutItemReply =
  | { readonly written: true; readonly version: number; readonly expiresAt: number | undefined }
  | { readonly written: false; readonly actualVersion: number };

/**
 * Writes a store item and publishes the change, atomically, so a watcher never sees a write without
 * its event.
 *
 * KEYS: [item hash, version counter]. ARGV: [key, value, ifVersion (-1: any), timeToLive ms (0: none),
 * store channel, publish command, counterLifetime ms, gcGrace ms]. An item with a time to live also gets a Redis
 * expiry of timeToLive + gcGrace, so it is collected even if no sweeper ever ends it. Publishes
 * `put` (with `expiresIn` when it has a time to live, so sweepers can wake on time).
 * Reply: `{1, version, expiresAt|false}`, or `{0, actualVersion}` on a version conflict.
 */
export const putItem: RedisScript<
  [item: string, versionCounter: string],
  [
    key: string,
    value: string,
    ifVersion: number,
    timeToLive: number,
    channel: string,
    publishCommand: PublishCommand,
    counterLifetime: number,
    gcGrace: number,
  ],
  PutItemReply
> = {
  name: 'rxSyncPutItem',
  numberOfKeys: 2,
  numberOfArgs: 8,
  lua: `${LUA_STORE_HELPERS}
local itemKey = KEYS[1]
local versionKey = KEYS[2]
local key = ARGV[1]
local value = ARGV[2]
local ifVersion = tonumber(ARGV[3])
local timeToLive = tonumber(ARGV[4])
local channel = ARGV[5]
local publishCommand = ARGV[6]
local counterLifetime = tonumber(ARGV[7])
local gcGrace = tonumber(ARGV[8])
local fields = liveFields(itemKey, versionKey, key, channel, publishCommand, counterLifetime)
local actual = fields and tonumber(fields[2]) or 0
if ifVersion >= 0 and ifVersion ~= actual then return {0, actual} end
local version = nextVersion(versionKey, actual, counterLifetime)
redis.call('HSET', itemKey, 'value', value, 'version', integer(version))
local expiresAt = false
if timeToLive > 0 then
  expiresAt = math.floor(nowMicroseconds() / 1000) + timeToLive
  redis.call('HSET', itemKey, 'expiresAt', integer(expiresAt))
  redis.call('PEXPIRE', itemKey, timeToLive + gcGrace)
else
  redis.call('HDEL', itemKey, 'expiresAt')
  redis.call('PERSIST', itemKey)
end
local event = {type = 'put', key = key, version = integer(version), value = value}
if timeToLive > 0 then event.expiresIn = timeToLive end
publish(publishCommand, channel, cjson.encode(event))
return {1, version, expiresAt}`,
  parse: (reply) => {
    const [written, version, expiresAt] = toArray(reply, 'put reply');
    if (toInteger(written, 'put flag') === 0) return { written: false, actualVersion: toInteger(version, 'version') };
    return {
      written: true,
      version: toInteger(version, 'version'),
      expiresAt: expiresAt === null || expiresAt === undefined ? undefined : toInteger(expiresAt, 'expiry'),
    };
  },
};
