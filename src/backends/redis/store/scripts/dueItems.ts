import { toArray, toInteger, toString, type RedisScript } from '../../redisScript.js';
import { LUA_HELPERS } from '../../luaHelpers.js';

/** A reply of {@link dueItems}. */
export interface DueItemsReply {
  /** Store keys whose time to live has run out. */
  readonly due: readonly string[];
  /** Milliseconds until the next item falls due, or `undefined` when none is scheduled. */
  readonly nextIn: number | undefined;
}

/**
 * Lists the store items whose time to live has run out, from the expiry index (a sorted set of
 * store keys scored by expiry, server milliseconds), for the expiry sweeper.
 *
 * KEYS: [expiry index]. ARGV: [limit]. Reply: `{nextIn|false, key...}`.
 */
export const dueItems: RedisScript<[expiring: string], [limit: number], DueItemsReply> = {
  name: 'rxSyncDueItems',
  readOnly: true,
  numberOfKeys: 1,
  numberOfArgs: 1,
  lua: `${LUA_HELPERS}
local index = KEYS[1]
local limit = tonumber(ARGV[1])
local now = math.floor(nowMicroseconds() / 1000)
local due = redis.call('ZRANGEBYSCORE', index, '-inf', integer(now), 'LIMIT', 0, limit)
local nextIn = false
local upcoming = redis.call('ZRANGEBYSCORE', index, '(' .. integer(now), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
if upcoming[2] then nextIn = tonumber(upcoming[2]) - now end
local reply = {nextIn}
for _, key in ipairs(due) do reply[#reply + 1] = key end
return reply`,
  parse: (reply) => {
    const [nextIn, ...due] = toArray(reply, 'due items');
    return {
      due: due.map((key) => toString(key, 'due key')),
      nextIn: nextIn === null || nextIn === undefined ? undefined : toInteger(nextIn, 'next expiry'),
    };
  },
};
