import type { LeaseHolder } from '../../../../backend.js';
import {
  ReplyShapeError,
  toArray,
  toInteger,
  toOptionalString,
  toString,
  type RedisScript,
} from '../../redisScript.js';

/**
 * A lease as one Redis has it: its public facts, and, on a quorum's master, whether the token is
 * the committed one (written back by `raiseTokenFloor`) rather than the one this master minted.
 */
export type LeaseReading = LeaseHolder & { readonly committed?: true };

/**
 * Reads the public facts of a lease and its remaining time, atomically.
 *
 * KEYS: [lease hash]. ARGV: none. Reply: `{holder, token, pttl, value|false, committed|false}` or
 * nil when free.
 */
export const readLease: RedisScript<[lease: string], [], LeaseReading | undefined> = {
  name: 'rxSyncReadLease',
  readOnly: true,
  numberOfKeys: 1,
  numberOfArgs: 0,
  lua: `
local leaseKey = KEYS[1]
local current = redis.call('HMGET', leaseKey, 'holder', 'token', 'value', 'committed')
if not current[1] then return false end
return {current[1], tonumber(current[2]), redis.call('PTTL', leaseKey), current[3], current[4]}`,
  parse: (reply) => {
    if (reply === null) return undefined;
    const fields = toArray(reply, 'lease');
    if (fields.length < 3) throw new ReplyShapeError('lease', reply);
    const value = toOptionalString(fields[3], 'lease value');
    return {
      holder: toString(fields[0], 'holder'),
      token: toInteger(fields[1], 'token'),
      expiresIn: Math.max(0, toInteger(fields[2], 'lease time to live')),
      ...(value !== undefined && { value }),
      ...(toOptionalString(fields[4], 'committed flag') === '1' && { committed: true as const }),
    };
  },
};
