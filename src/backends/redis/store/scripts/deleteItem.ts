import { toArray, toInteger, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_STORE_HELPERS } from './luaStoreHelpers.js';

/** A reply of {@link deleteItem}. */
export type DeleteItemReply =
  { readonly outcome: 'deleted' | 'absent' } | { readonly outcome: 'conflict'; readonly actualVersion: number };

/**
 * Deletes a store item and publishes the change with a fresh version, atomically.
 *
 * KEYS: [item hash, version counter]. ARGV: [key, ifVersion (-1: any), store channel, publish command,
 * counterLifetime ms]. Reply: `{1}` deleted, `{0}` absent, `{-1, actualVersion}` on a conflict.
 */
export const deleteItem: RedisScript<
  [item: string, versionCounter: string],
  [key: string, ifVersion: number, channel: string, publishCommand: PublishCommand, counterLifetime: number],
  DeleteItemReply
> = {
  name: 'rxSyncDeleteItem',
  numberOfKeys: 2,
  numberOfArgs: 5,
  lua: `${LUA_STORE_HELPERS}
local itemKey = KEYS[1]
local versionKey = KEYS[2]
local key = ARGV[1]
local ifVersion = tonumber(ARGV[2])
local channel = ARGV[3]
local publishCommand = ARGV[4]
local counterLifetime = tonumber(ARGV[5])
local fields = liveFields(itemKey, versionKey, key, channel, publishCommand, counterLifetime)
local actual = fields and tonumber(fields[2]) or 0
if ifVersion >= 0 and ifVersion ~= actual then return {-1, actual} end
if not fields then return {0} end
redis.call('DEL', itemKey)
local version = nextVersion(versionKey, actual, counterLifetime)
publish(publishCommand, channel, cjson.encode({type = 'deleted', key = key, version = integer(version)}))
return {1}`,
  parse: (reply) => {
    const [outcome, actualVersion] = toArray(reply, 'delete reply');
    const code = toInteger(outcome, 'delete outcome');
    if (code === -1) return { outcome: 'conflict', actualVersion: toInteger(actualVersion, 'version') };
    return { outcome: code === 1 ? 'deleted' : 'absent' };
  },
};
