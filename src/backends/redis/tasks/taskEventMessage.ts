import type { TaskBackendEvent, TaskErrorInfo } from '../../../taskBackend.js';

/** A task event as published, with the `ref` of the enqueue that made it (in a `queued` event, when the enqueue had one). */
export interface TaskMessage {
  readonly event: TaskBackendEvent;
  readonly ref?: string;
}

/**
 * Decodes a task event as the task scripts publish it (the {@link TaskBackendEvent} itself, as
 * JSON); `undefined` for a message of another shape.
 */
export function decodeTaskEvent(text: string): TaskBackendEvent | undefined {
  return decodeTaskMessage(text)?.event;
}

/** As {@link decodeTaskEvent}, with the `ref` a `queued` event may carry (see `enqueueTask`). */
export function decodeTaskMessage(text: string): TaskMessage | undefined {
  const message = parseObject(text);
  const event = message && toEvent(message);
  if (!event) return undefined;
  const ref = message['ref'];
  return event.type === 'queued' && typeof ref === 'string' ? { event, ref } : { event };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
}

function toEvent(message: Record<string, unknown>): TaskBackendEvent | undefined {
  const { id, seq } = message;
  if (typeof id !== 'string' || !isCount(seq)) return undefined;
  const attempt = message['attempt'];
  const error = errorInfo(message['error']);
  switch (message['type']) {
    case 'queued':
    case 'cancelled':
      return { type: message['type'], id, seq };
    case 'started': {
      const worker = message['worker'];
      return isCount(attempt) && typeof worker === 'string' ? { type: 'started', id, seq, attempt, worker } : undefined;
    }
    case 'progress': {
      const value = message['value'];
      return isCount(attempt) && typeof value === 'string' ? { type: 'progress', id, seq, attempt, value } : undefined;
    }
    case 'retrying': {
      const delay = message['delay'];
      if (!isCount(attempt) || !error || typeof delay !== 'number' || !(delay >= 0)) return undefined;
      return { type: 'retrying', id, seq, attempt, error, delay };
    }
    case 'succeeded': {
      const result = message['result'];
      if (result !== undefined && typeof result !== 'string') return undefined;
      return { type: 'succeeded', id, seq, ...(result !== undefined && { result }) };
    }
    case 'failed':
      return isCount(attempt) && error ? { type: 'failed', id, seq, attempt, error } : undefined;
    default:
      return undefined;
  }
}

/** Reads a stored error (`{name, message}`), from a decoded event or a record's JSON field. */
export function errorInfo(value: unknown): TaskErrorInfo | undefined {
  const candidate = value as Partial<Record<string, unknown>> | null | undefined;
  const name = candidate?.['name'];
  const message = candidate?.['message'];
  return typeof name === 'string' && typeof message === 'string' ? { name, message } : undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
