import { toArray, toInteger, toOptionalString, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_HELPERS } from '../../luaHelpers.js';
import { LUA_LINE_HELPERS } from './luaLineHelpers.js';
import type { LeaseLineKeys } from '../leaseLineKeys.js';
import type { LeasePublishing } from './acquireLease.js';

/**
 * A reply of {@link releaseLease}: the released tenure's token (0: none), and the place whose turn
 * it is with the inbox of the backend that waiter waits through.
 */
export interface ReleaseLeaseReply {
  readonly token: number;
  readonly next?: string;
  readonly inbox?: string;
}

/** The ARGV of {@link releaseLease}. */
export type ReleaseLeaseArgs = [
  owner: string,
  channel: string,
  publishCommand: PublishCommand,
  keepPlace: '1' | '0',
  turnsPrefix: string,
  grant: '1' | '0',
  counterLifetime: number,
];

/**
 * The ARGV of {@link releaseLease} for `owner`, publishing as `publishing` says, keeping the owner's
 * places in line when `keepPlace`, granting the lease to the first in line when `grant` (with a
 * token counter that outlives the lease by `counterLifetime` ms).
 */
export function releaseLeaseArgs(
  owner: string,
  publishing: LeasePublishing,
  keepPlace: '1' | '0',
  grant: '1' | '0',
  counterLifetime: number,
): ReleaseLeaseArgs {
  const { channel, publishCommand, turnsPrefix } = publishing;
  return [owner, channel, publishCommand, keepPlace, turnsPrefix, grant, counterLifetime];
}

/**
 * Gives a lease up if the owner holds it, and hands it on: with `grant`, to the waiter first in
 * line, in the same step; else it announces the vacancy so that waiter (or, with nobody in line,
 * any waiter) wakes at once. The owner's place in line goes too, unless `keepPlace` (a quorum
 * giving back a partial grant keeps the places it holds elsewhere in line).
 *
 * KEYS: [lease hash, token counter, line, line deadlines, line waiters] (`leaseLineKeys`).
 * ARGV: [owner, events channel (empty: publish nothing), publish command, keepPlace ('1'/'0'), the
 * prefix of the channels of turns (empty: publish no turn), grant ('1'/'0'), token counter
 * lifetime ms]. Publishes `released` on the events channel, with the place whose turn it is as
 * `next`. With `grant` (and a prefix of turns), the waiter first in line gets the lease at once,
 * with a new fencing token, for its place's duration: it renews the lease soon if it lives, and if
 * it died, it holds the lease up no longer than its place would have held the line up. The grant
 * is published as `acquired` on the events channel, and as a `turn` carrying the token and that
 * duration on the channel of turns of the backend the waiter waits through. Without `grant`, that
 * `turn` names the place only (only that backend's process wakes, and its waiter asks); and when
 * the owner only waited and was first in line for a free lease, the `turn` goes alone to the
 * waiter now first. Reply: `{token, next|false, inbox|false}`, token 0 when the owner did not hold
 * the lease.
 */
export const releaseLease: RedisScript<LeaseLineKeys, ReleaseLeaseArgs, ReleaseLeaseReply> = {
  name: 'rxSyncReleaseLease',
  numberOfKeys: 5,
  numberOfArgs: 7,
  lua: `${LUA_HELPERS}${LUA_LINE_HELPERS}
local leaseKey = KEYS[1]
local tokenKey = KEYS[2]
local line = {members = KEYS[3], deadlines = KEYS[4], waiters = KEYS[5]}
local owner = ARGV[1]
local channel = ARGV[2]
local publishCommand = ARGV[3]
local keepPlace = ARGV[4] == '1'
local turnsPrefix = ARGV[5]
local grant = ARGV[6] == '1' and turnsPrefix ~= ''
local counterLifetime = tonumber(ARGV[7])
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
local acquired
if lined then
  if not keepPlace then leaveLine(line, owner) end
  local head = lineHead(line, nowMilliseconds())
  local waiter = head and grant and waiterOf(line, head)
  if waiter then
    local token = integer(mintToken(tokenKey, counterLifetime))
    redis.call('HSET', leaseKey, 'owner', head, 'holder', waiter.holder, 'token', token)
    if waiter.value then redis.call('HSET', leaseKey, 'value', waiter.value) end
    redis.call('PEXPIRE', leaseKey, waiter.lease)
    leaveLine(line, head)
    event.next = placeId(head)
    inbox = waiter.inbox
    acquired = {type = 'acquired', holder = waiter.holder, token = token, value = waiter.value}
    publish(publishCommand, turnsPrefix .. inbox,
      '{"type":"turn","next":"' .. event.next .. '","token":"' .. token .. '","lease":' .. integer(waiter.lease) .. '}')
  elseif head then
    local next, headInbox = tellTurn(line, head, publishCommand, turnsPrefix)
    event.next = next
    inbox = headInbox or false
  end
end
publish(publishCommand, channel, cjson.encode(event))
if acquired then publish(publishCommand, channel, cjson.encode(acquired)) end
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
