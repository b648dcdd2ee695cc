import type { LeaseEvent } from '../../../backend.js';

/**
 * What a lease's channel carries: its events, a release naming the place in line whose turn it is
 * (`next`), and `turn`, which names the waiter first in line when that changed while the lease was
 * free (the one before it left, or its place lapsed). Turns are for waiters only.
 */
export type LeaseSignal =
  (LeaseEvent & { readonly next?: string }) | { readonly type: 'turn'; readonly key: string; readonly next: string };

/** The JSON a lease script publishes: never the owner id, only public facts. */
interface LeaseSignalMessage {
  readonly type: LeaseSignal['type'];
  readonly holder?: string;
  readonly token?: string;
  readonly value?: string;
  readonly next?: string;
}

/** Encodes a lease signal the way the Lua scripts do (for signals published from JavaScript in quorum mode). */
export function encodeLeaseSignal(signal: LeaseSignal): string {
  let message: LeaseSignalMessage;
  if (signal.type === 'turn') message = { type: 'turn', next: signal.next };
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
  if (message.type === 'turn')
    return typeof message.next === 'string' ? { type: 'turn', key, next: message.next } : undefined;
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
