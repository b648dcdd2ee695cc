import { toArray, toInteger, toOptionalString, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_HELPERS } from '../../luaHelpers.js';
import type { RedisKeys } from '../../redisKeys.js';
import { LUA_LINE_HELPERS } from './luaLineHelpers.js';

/**
 * A reply of {@link releaseLease}: the released tenure's token (0: none), and the place whose turn
 * it is with the inbox of the backend that waiter waits through.
 */
export interface ReleaseLeaseReply {
  readonly token: number;
  readonly next?: string;
  readonly inbox?: string;
}

/** The KEYS of {@link releaseLease}. */
export type ReleaseLeaseKeys = [lease: string, line: string, lineDeadlines: string, lineInboxes: string];

/** The KEYS of {@link releaseLease} for the lease on `key`. */
export function releaseLeaseKeys(keys: RedisKeys, key: string): ReleaseLeaseKeys {
  return [keys.lease(key), keys.leaseLine(key), keys.leaseLineDeadlines(key), keys.leaseLineInboxes(key)];
}

/**
 * Gives a lease up if the owner holds it, and announces it so the waiter first in line (or, with
 * nobody in line, any waiter) wakes at once. The owner's place in line goes too, unless
 * `keepPlace` (a quorum giving back a partial grant keeps the places it holds elsewhere in line).
 *
 * KEYS: [lease hash, line, line deadlines, line inboxes] ({@link releaseLeaseKeys}). ARGV: [owner,
 * events channel (empty: publish nothing), publish command, keepPlace ('1'/'0'), the prefix of the
 * channels of turns (empty: publish no turn)]. Publishes `released` on the events channel, with the
 * place whose turn it is as `next`, and a `turn` naming that place on the channel of turns of the
 * backend its waiter waits through (only that backend's process wakes); or, when the owner only
 * waited and was first in line for a free lease, the `turn` alone for the waiter now first.
 * Reply: `{token, next|false, inbox|false}`, token 0 when the owner did not hold the lease.
 */
export const releaseLease: RedisScript<
  ReleaseLeaseKeys,
  [owner: string, channel: string, publishCommand: PublishCommand, keepPlace: '1' | '0', turnsPrefix: string],
  ReleaseLeaseReply
> = {
  name: 'rxSyncReleaseLease',
  numberOfKeys: 4,
  numberOfArgs: 5,
  lua: `${LUA_HELPERS}${LUA_LINE_HELPERS}
local leaseKey = KEYS[1]
local line = {members = KEYS[2], deadlines = KEYS[3], inboxes = KEYS[4]}
local owner = ARGV[1]
local channel = ARGV[2]
local publishCommand = ARGV[3]
local keepPlace = ARGV[4] == '1'
local turnsPrefix = ARGV[5]
local current = redis.call('HMGET', leaseKey, 'owner', 'token')
local lined = redis.call('EXISTS', line.members) == 1
if current[1] ~= owner then
  if not lined or keepPlace then return {0, false, false} end
  local wasFirst = firstInLine(line) == owner
  if not leaveLine(line, owner) or not wasFirst or current[1] then return {0, false, false} end
  local head = lineHead(line, nowMilliseconds())
  if not head then return {0, false, false} end
  local next, inbox = tellTurn(line, head, publishCommand, turnsPrefix)
  return {0, next, inbox or false}
end
redis.call('DEL', leaseKey)
local event = {type = 'released', token = current[2]}
local inbox = false
if lined then
  if not keepPlace then leaveLine(line, owner) end
  local head = lineHead(line, nowMilliseconds())
  if head then
    local next, headInbox = tellTurn(line, head, publishCommand, turnsPrefix)
    event.next = next
    inbox = headInbox or false
  end
end
publish(publishCommand, channel, cjson.encode(event))
return {tonumber(current[2]), event.next or false, inbox}`,
  parse: (reply) => {
    const [token, next, inbox] = toArray(reply, 'release reply');
    const place = toOptionalString(next, 'next place');
    const inboxOfNext = toOptionalString(inbox, 'inbox of the next place');
    return {
      token: toInteger(token, 'released token'),
      ...(place !== undefined && { next: place }),
      ...(inboxOfNext !== undefined && { inbox: inboxOfNext }),
    };
  },
};
