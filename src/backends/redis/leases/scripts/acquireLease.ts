import {
  ReplyShapeError,
  toArray,
  toInteger,
  toOptionalString,
  type PublishCommand,
  type RedisScript,
} from '../../redisScript.js';
import type { LeaseClaim } from '../../../../backend.js';
import { LUA_HELPERS } from '../../luaHelpers.js';
import { LUA_LINE_HELPERS } from './luaLineHelpers.js';
import type { LeaseLineKeys } from '../leaseLineKeys.js';

/** A reply of {@link acquireLease}. */
export type AcquireLeaseReply =
  | { readonly granted: true; readonly token: number }
  | {
      readonly granted: false;
      /** The holder, when the lease is held (not when it is free but kept for the first waiter). */
      readonly current?: { readonly holder: string; readonly token: number; readonly value?: string };
      readonly retryIn: number;
      readonly place?: string;
      /** The last token minted for the lease when it refused (a grant on release with a greater one came after). */
      readonly minted: number;
    };

/** The ARGV of {@link acquireLease}. */
export type AcquireLeaseArgs = [
  owner: string,
  holder: string,
  value: string,
  hasValue: string,
  leaseDuration: number,
  channel: string,
  publishCommand: PublishCommand,
  counterLifetime: number,
  placeDuration: number,
  inbox: string,
  turnsPrefix: string,
];

/** Where {@link acquireLease} publishes: the lease's events, and turns. */
export interface LeasePublishing {
  /** The lease's channel of events (empty: publish nothing). */
  readonly channel: string;
  readonly publishCommand: PublishCommand;
  /** What the channels of turns of the lease start with, before a backend's inbox (empty: publish no turn). */
  readonly turnsPrefix: string;
}

/**
 * The ARGV of {@link acquireLease} for `claim`, waiting (if it must) through the backend's `inbox`,
 * publishing as `publishing` says; the token counter outlives the lease by `counterLifetime` ms; a
 * claim without a `placeDuration` takes no place in line (0).
 */
export function acquireLeaseArgs(
  claim: LeaseClaim,
  inbox: string,
  publishing: LeasePublishing,
  counterLifetime: number,
): AcquireLeaseArgs {
  const { owner, holder, value, leaseDuration, placeDuration } = claim;
  return [
    owner,
    holder,
    value ?? '',
    value === undefined ? '0' : '1',
    Math.ceil(leaseDuration),
    publishing.channel,
    publishing.publishCommand,
    counterLifetime,
    placeDuration === undefined ? 0 : Math.ceil(placeDuration),
    inbox,
    publishing.turnsPrefix,
  ];
}

/**
 * One attempt to take a lease, minting its fencing token atomically with the grant, with a line of
 * waiters kept in the same step.
 *
 * KEYS: [lease hash, token counter, line, line deadlines, line waiters]. ARGV: [owner, holder,
 * value, hasValue ('1'/'0'), leaseDuration ms, events channel (empty: publish nothing), publish
 * command ('PUBLISH' or 'SPUBLISH'), token counter lifetime ms, placeDuration ms (0: take no
 * place), the inbox of the backend the owner waits through, the prefix of the channels of turns
 * (empty: publish no turn)] (build them with `leaseLineKeys` and {@link acquireLeaseArgs}). The same owner gets its own lease back, extended (idempotent retry).
 * A free lease goes to the first waiter in line, or to a contender that takes no place (it barges);
 * any other contender with a `placeDuration` takes or keeps a place, and is refused. Places that
 * lapsed are dropped first; when that makes another waiter first while the lease is free, a `turn`
 * naming it is published on the channel of turns of that waiter's backend only. A new token is the greater of the counter + 1 and the server's clock in
 * microseconds (so tokens keep growing after a restart that lost the counter); a quorum then raises
 * every master's counter to the highest (`raiseTokenFloor`). Publishes `acquired`.
 * Reply: `{1, token}`, or `{0, holder|false, token, retryIn ms, value|false, place|false, minted}`,
 * minted being the last token minted for the lease (0: none yet).
 */
export const acquireLease: RedisScript<LeaseLineKeys, AcquireLeaseArgs, AcquireLeaseReply> = {
  name: 'rxSyncAcquireLease',
  numberOfKeys: 5,
  numberOfArgs: 11,
  lua: `${LUA_HELPERS}${LUA_LINE_HELPERS}
local leaseKey = KEYS[1]
local tokenKey = KEYS[2]
local line = {members = KEYS[3], deadlines = KEYS[4], waiters = KEYS[5]}
local owner = ARGV[1]
local holder = ARGV[2]
local value = ARGV[3]
local hasValue = ARGV[4] == '1'
local leaseDuration = tonumber(ARGV[5])
local channel = ARGV[6]
local publishCommand = ARGV[7]
local counterLifetime = tonumber(ARGV[8])
local placeDuration = tonumber(ARGV[9])
local inbox = ARGV[10]
local turnsPrefix = ARGV[11]
-- What the line keeps of this claim while it waits: enough for a release to grant it the lease.
local function waiter()
  return cjson.encode({inbox = inbox, holder = holder, value = hasValue and value or nil, lease = placeDuration})
end
-- A refusal, with the last token minted for the lease: a grant on release with a greater one came
-- after this refusal (the counter only grows).
local function refuse(currentHolder, currentToken, retryIn, currentValue, place)
  local minted = tonumber(redis.call('GET', tokenKey) or '0')
  return {0, currentHolder, currentToken, retryIn, currentValue, place, minted}
end
local current = redis.call('HMGET', leaseKey, 'owner', 'holder', 'token', 'value')
if current[1] == owner then
  redis.call('PEXPIRE', leaseKey, leaseDuration)
  return {1, tonumber(current[3])}
end
if current[1] and placeDuration == 0 then
  return refuse(current[2], tonumber(current[3]), redis.call('PTTL', leaseKey), current[4], false)
end
local lined = redis.call('EXISTS', line.members) == 1
if current[1] or (lined and placeDuration > 0) then
  local now = nowMilliseconds()
  local before = lined and firstInLine(line)
  local head = lined and lineHead(line, now)
  if current[1] then
    local place = placeDuration > 0 and takePlace(line, owner, waiter, now, placeDuration)
    return refuse(current[2], tonumber(current[3]), redis.call('PTTL', leaseKey), current[4], place)
  end
  if head and head ~= owner then
    local place = takePlace(line, owner, waiter, now, placeDuration)
    if head ~= before then tellTurn(line, head, publishCommand, turnsPrefix) end
    local retryIn = (tonumber(redis.call('ZSCORE', line.deadlines, head)) or now) - now
    return refuse(false, 0, retryIn, false, place)
  end
end
if lined then leaveLine(line, owner) end
local token = mintToken(tokenKey, counterLifetime)
redis.call('HSET', leaseKey, 'owner', owner, 'holder', holder, 'token', integer(token))
local event = {type = 'acquired', holder = holder, token = integer(token)}
if hasValue then
  redis.call('HSET', leaseKey, 'value', value)
  event.value = value
end
redis.call('PEXPIRE', leaseKey, leaseDuration)
publish(publishCommand, channel, cjson.encode(event))
return {1, token}`,
  parse: (reply) => {
    const [granted, ...rest] = toArray(reply, 'acquire reply');
    if (toInteger(granted, 'acquire flag') === 1) return { granted: true, token: toInteger(rest[0], 'token') };
    if (rest.length < 3) throw new ReplyShapeError('acquire reply', reply);
    const holder = toOptionalString(rest[0], 'holder');
    const value = toOptionalString(rest[3], 'lease value');
    const place = toOptionalString(rest[4], 'place');
    return {
      granted: false,
      minted: rest[5] === undefined ? 0 : toInteger(rest[5], 'last minted token'),
      ...(holder !== undefined && {
        current: { holder, token: toInteger(rest[1], 'token'), ...(value !== undefined && { value }) },
      }),
      retryIn: Math.max(0, toInteger(rest[2], 'time to retry')),
      ...(place !== undefined && { place }),
    };
  },
};
