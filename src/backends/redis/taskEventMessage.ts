import type { TaskBackendEvent, TaskErrorInfo } from '../../taskBackend.js';

/**
 * Decodes a task event as the task scripts publish it (the {@link TaskBackendEvent} itself, as
 * JSON); `undefined` for a message of another shape.
 */
export function decodeTaskEvent(text: string): TaskBackendEvent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const message = parsed as Record<string, unknown>;
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
