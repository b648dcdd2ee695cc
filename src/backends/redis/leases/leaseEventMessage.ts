import type { LeaseEvent } from '../../../backend.js';

/** The JSON a lease script publishes: never the owner id, only public facts. */
interface LeaseEventMessage {
  readonly type: LeaseEvent['type'];
  readonly holder?: string;
  readonly token: string;
  readonly value?: string;
}

/** Encodes a lease event the way the Lua scripts do (for events published from JavaScript in quorum mode). */
export function encodeLeaseEvent(event: LeaseEvent): string {
  const message: LeaseEventMessage =
    'holder' in event
      ? {
          type: event.type,
          holder: event.holder,
          token: String(event.token),
          ...(event.value !== undefined && { value: event.value }),
        }
      : { type: event.type, token: String(event.token) };
  return JSON.stringify(message);
}

/** Decodes a published lease event of `key`; `undefined` for a message of another shape. */
export function decodeLeaseEvent(key: string, text: string): LeaseEvent | undefined {
  let message: Partial<LeaseEventMessage>;
  try {
    message = JSON.parse(text) as Partial<LeaseEventMessage>;
  } catch {
    return undefined;
  }
  const token = Number(message.token);
  if (!Number.isSafeInteger(token)) return undefined;
  switch (message.type) {
    case 'released':
    case 'expired':
      return { type: message.type, key, token };
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
