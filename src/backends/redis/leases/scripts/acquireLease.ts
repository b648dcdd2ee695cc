import {
  ReplyShapeError,
  toArray,
  toInteger,
  toOptionalString,
  toString,
  type PublishCommand,
  type RedisScript,
} from '../../redisScript.js';
import type { LeaseClaim } from '../../../../backend.js';
import { LUA_HELPERS } from '../../luaHelpers.js';

/** A reply of {@link acquireLease}. */
export type AcquireLeaseReply =
  | { readonly granted: true; readonly token: number }
  | {
      readonly granted: false;
      readonly holder: string;
      readonly token: number;
      readonly expiresIn: number;
      readonly value?: string;
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
];

/**
 * The ARGV of {@link acquireLease} for `claim`: its events go to `channel` (empty: none) by
 * `publishCommand`; the token counter outlives the lease by `counterLifetime` ms.
 */
export function acquireLeaseArgs(
  claim: LeaseClaim,
  channel: string,
  publishCommand: PublishCommand,
  counterLifetime: number,
): AcquireLeaseArgs {
  const { owner, holder, value, leaseDuration } = claim;
  return [
    owner,
    holder,
    value ?? '',
    value === undefined ? '0' : '1',
    Math.ceil(leaseDuration),
    channel,
    publishCommand,
    counterLifetime,
  ];
}

/**
 * One attempt to take a lease, minting its fencing token atomically with the grant.
 *
 * KEYS: [lease hash, token counter]. ARGV: [owner, holder, value, hasValue ('1'/'0'), leaseDuration
 * ms, events channel (empty: publish nothing), publish command ('PUBLISH' or 'SPUBLISH'), token
 * counter lifetime ms] (build them with {@link acquireLeaseArgs}). The same owner gets its own lease
 * back, extended (idempotent retry). A new token is the greater of the counter + 1 and the server's
 * clock in microseconds (so tokens keep growing after a restart that lost the counter); a quorum
 * then raises every master's counter to the highest (`raiseTokenFloor`). Publishes `acquired`.
 * Reply: `{1, token}` or `{0, holder, token, pttl, value|false}`.
 */
export const acquireLease: RedisScript<[lease: string, tokenCounter: string], AcquireLeaseArgs, AcquireLeaseReply> = {
  name: 'rxSyncAcquireLease',
  numberOfKeys: 2,
  numberOfArgs: 8,
  lua: `${LUA_HELPERS}
local leaseKey = KEYS[1]
local tokenKey = KEYS[2]
local owner = ARGV[1]
local holder = ARGV[2]
local value = ARGV[3]
local hasValue = ARGV[4] == '1'
local leaseDuration = tonumber(ARGV[5])
local channel = ARGV[6]
local publishCommand = ARGV[7]
local counterLifetime = tonumber(ARGV[8])
local current = redis.call('HMGET', leaseKey, 'owner', 'holder', 'token', 'value')
if current[1] then
  if current[1] == owner then
    redis.call('PEXPIRE', leaseKey, leaseDuration)
    return {1, tonumber(current[3])}
  end
  return {0, current[2], tonumber(current[3]), redis.call('PTTL', leaseKey), current[4]}
end
local token = math.max(tonumber(redis.call('GET', tokenKey) or '0') + 1, nowMicroseconds())
redis.call('SET', tokenKey, integer(token), 'PX', counterLifetime)
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
    if (rest.length < 4) throw new ReplyShapeError('acquire reply', reply);
    const value = toOptionalString(rest[3], 'lease value');
    return {
      granted: false,
      holder: toString(rest[0], 'holder'),
      token: toInteger(rest[1], 'token'),
      expiresIn: Math.max(0, toInteger(rest[2], 'lease time to live')),
      ...(value !== undefined && { value }),
    };
  },
};
