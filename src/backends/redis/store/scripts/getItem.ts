import type { Item } from '../../../../backend.js';
import { toArray, toInteger, toString, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_STORE_HELPERS } from './luaStoreHelpers.js';

/**
 * Reads a store item; an item past its time to live is ended here (deleted, `expired` published),
 * which is also how the expiry sweeper ends items on time.
 *
 * KEYS: [item hash, version counter]. ARGV: [key, store channel, publish command, counterLifetime ms].
 * Reply: `{value, version}` or nil.
 */
export const getItem: RedisScript<
  [item: string, versionCounter: string],
  [key: string, channel: string, publishCommand: PublishCommand, counterLifetime: number],
  Omit<Item, 'key'> | undefined
> = {
  name: 'rxSyncGetItem',
  numberOfKeys: 2,
  numberOfArgs: 4,
  lua: `${LUA_STORE_HELPERS}
local fields = liveFields(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]))
if not fields then return false end
return {fields[1], tonumber(fields[2])}`,
  parse: (reply) => {
    if (reply === null) return undefined;
    const [value, version] = toArray(reply, 'item');
    return { value: toString(value, 'item value'), version: toInteger(version, 'item version') };
  },
};
