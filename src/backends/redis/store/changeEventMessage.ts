import type { ChangeEvent } from '../../../backend.js';

/** The JSON a store script publishes on the store channel. */
interface ChangeEventMessage {
  readonly type: ChangeEvent['type'];
  readonly key: string;
  readonly version: string;
  readonly value?: string;
  /** On a `put` with a time to live: milliseconds until the item expires. */
  readonly expiresIn?: number;
}

/** A decoded store change, with the time to live of a `put` when it had one. */
export interface DecodedChange {
  readonly event: ChangeEvent;
  readonly expiresIn: number | undefined;
}

/** Decodes a published store change; `undefined` for a message of another shape. */
export function decodeChangeEvent(text: string): DecodedChange | undefined {
  let message: Partial<ChangeEventMessage>;
  try {
    message = JSON.parse(text) as Partial<ChangeEventMessage>;
  } catch {
    return undefined;
  }
  const version = Number(message.version);
  const key = message.key;
  if (typeof key !== 'string' || !Number.isSafeInteger(version)) return undefined;
  switch (message.type) {
    case 'put':
      if (typeof message.value !== 'string') return undefined;
      return {
        event: { type: 'put', key, version, item: { key, value: message.value, version } },
        expiresIn: typeof message.expiresIn === 'number' ? message.expiresIn : undefined,
      };
    case 'deleted':
    case 'expired':
      return { event: { type: message.type, key, version }, expiresIn: undefined };
    default:
      return undefined;
  }
}
