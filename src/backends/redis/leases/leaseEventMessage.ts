import type { LeaseEvent, LeaseGrant } from '../../../backend.js';

/**
 * What a lease's channels carry: its events, a release naming the place in line whose turn it is
 * (`next`), and `turn`, on a backend's channel of turns, which names the waiter whose turn it is
 * (first in line when the lease was released or given up, or when the one before it left or its
 * place lapsed), with the lease's grant when the release granted it that waiter. Turns are for
 * waiters only.
 */
export type LeaseSignal =
  | (LeaseEvent & { readonly next?: string })
  | { readonly type: 'turn'; readonly key: string; readonly next: string; readonly granted?: LeaseGrant };

/** The JSON a lease script publishes: never the owner id, only public facts. */
interface LeaseSignalMessage {
  readonly type: LeaseSignal['type'];
  readonly holder?: string;
  readonly token?: string;
  readonly value?: string;
  readonly next?: string;
  /** A granting turn's lease duration, in ms. */
  readonly lease?: number;
}

/** Encodes a lease signal the way the Lua scripts do (for signals published from JavaScript in quorum mode). */
export function encodeLeaseSignal(signal: LeaseSignal): string {
  let message: LeaseSignalMessage;
  if (signal.type === 'turn')
    message = { type: 'turn', next: signal.next }; // grants come from the release script only
  else if ('holder' in signal) {
    message = {
      type: signal.type,
      holder: signal.holder,
      token: String(signal.token),
      ...(signal.value !== undefined && { value: signal.value }),
    };
  } else {
    message = {
      type: signal.type,
      token: String(signal.token),
      ...(signal.next !== undefined && { next: signal.next }),
    };
  }
  return JSON.stringify(message);
}

/** Decodes a published lease signal of `key`; `undefined` for a message of another shape. */
export function decodeLeaseSignal(key: string, text: string): LeaseSignal | undefined {
  let message: Partial<LeaseSignalMessage>;
  try {
    message = JSON.parse(text) as Partial<LeaseSignalMessage>;
  } catch {
    return undefined;
  }
  if (message.type === 'turn') return typeof message.next === 'string' ? turn(key, message.next, message) : undefined;
  const token = Number(message.token);
  if (!Number.isSafeInteger(token)) return undefined;
  switch (message.type) {
    case 'released':
    case 'expired':
      return { type: message.type, key, token, ...(typeof message.next === 'string' && { next: message.next }) };
    case 'acquired':
    case 'updated':
      if (typeof message.holder !== 'string') return undefined;
      return {
        type: message.type,
        key,
        holder: message.holder,
        token,
        ...(typeof message.value === 'string' && { value: message.value }),
      };
    default:
      return undefined;
  }
}

/** The public event of a signal (without its `next`), or `undefined` for a turn. */
export function leaseEventOf(signal: LeaseSignal): LeaseEvent | undefined {
  if (signal.type === 'turn') return undefined;
  if (signal.type === 'released' || signal.type === 'expired') {
    return signal.next === undefined ? signal : { type: signal.type, key: signal.key, token: signal.token };
  }
  return signal;
}

/** A turn of `next`, with the grant that `message` carries when it carries a well-formed one. */
function turn(key: string, next: string, message: Partial<LeaseSignalMessage>): LeaseSignal {
  if (message.token === undefined) return { type: 'turn', key, next };
  const token = Number(message.token);
  const leaseDuration = message.lease;
  const wellFormed =
    Number.isSafeInteger(token) && typeof leaseDuration === 'number' && Number.isSafeInteger(leaseDuration);
  return wellFormed && leaseDuration > 0
    ? { type: 'turn', key, next, granted: { token, leaseDuration } }
    : { type: 'turn', key, next };
}
