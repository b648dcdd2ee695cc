import { toArray, toInteger, toOptionalString, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_HELPERS } from '../../luaHelpers.js';
import { LUA_LINE_HELPERS } from './luaLineHelpers.js';

/** A reply of {@link releaseLease}: the released tenure's token (0: none), and the place signalled next. */
export interface ReleaseLeaseReply {
  readonly token: number;
  readonly next?: string;
}

/**
 * Gives a lease up if the owner holds it, and announces it so the waiter first in line (or, with
 * nobody in line, any waiter) wakes at once. The owner's place in line goes too, unless
 * `keepPlace` (a quorum giving back a partial grant keeps the places it holds elsewhere in line).
 *
 * KEYS: [lease hash, line, line deadlines]. ARGV: [owner, events channel (empty: publish nothing),
 * publish command, keepPlace ('1'/'0')]. Publishes `released` with the place whose turn it is as
 * `next`, or, when the owner only waited and was first in line for a free lease, `turn` naming the
 * waiter now first. Reply: `{token, next|false}`, token 0 when the owner did not hold the lease.
 */
export const releaseLease: RedisScript<
  [lease: string, line: string, lineDeadlines: string],
  [owner: string, channel: string, publishCommand: PublishCommand, keepPlace: '1' | '0'],
  ReleaseLeaseReply
> = {
  name: 'rxSyncReleaseLease',
  numberOfKeys: 3,
  numberOfArgs: 4,
  lua: `${LUA_HELPERS}${LUA_LINE_HELPERS}
local leaseKey = KEYS[1]
local lineKey = KEYS[2]
local deadlinesKey = KEYS[3]
local owner = ARGV[1]
local channel = ARGV[2]
local publishCommand = ARGV[3]
local keepPlace = ARGV[4] == '1'
local current = redis.call('HMGET', leaseKey, 'owner', 'token')
local lined = redis.call('EXISTS', lineKey) == 1
if current[1] ~= owner then
  if not lined or keepPlace then return {0, false} end
  local wasFirst = firstInLine(lineKey) == owner
  if not leaveLine(lineKey, deadlinesKey, owner) or not wasFirst or current[1] then return {0, false} end
  local head = lineHead(lineKey, deadlinesKey, nowMilliseconds())
  if not head then return {0, false} end
  publish(publishCommand, channel, cjson.encode({type = 'turn', next = placeId(head)}))
  return {0, placeId(head)}
end
redis.call('DEL', leaseKey)
local event = {type = 'released', token = current[2]}
if lined then
  if not keepPlace then leaveLine(lineKey, deadlinesKey, owner) end
  local head = lineHead(lineKey, deadlinesKey, nowMilliseconds())
  if head then event.next = placeId(head) end
end
publish(publishCommand, channel, cjson.encode(event))
return {tonumber(current[2]), event.next or false}`,
  parse: (reply) => {
    const [token, next] = toArray(reply, 'release reply');
    const place = toOptionalString(next, 'next place');
    return { token: toInteger(token, 'released token'), ...(place !== undefined && { next: place }) };
  },
};
