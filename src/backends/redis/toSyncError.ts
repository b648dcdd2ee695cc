import { BackendReplyError } from '../../errors/BackendReplyError.js';
import { BackendUnavailableError } from '../../errors/BackendUnavailableError.js';
import { SyncError } from '../../errors/SyncError.js';
import { withConnectionError } from './connectionState.js';
import { ReplyShapeError } from './redisScript.js';

/** Redis error replies that mean "not now" rather than "never": the server is loading, failing over, busy. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|MOVED|ASK)\b/;

/**
 * Maps what ioredis throws to rx-sync's typed errors: error replies to `BackendReplyError` (not
 * transient) unless they say the server is temporarily unable, everything else (connection lost,
 * timeout, too many retries) to `BackendUnavailableError` (transient), keeping the cause and, for
 * a backend that cannot be reached, the client's last `connectionError` (see
 * {@link withConnectionError}), without the arguments of the commands they carry (see
 * {@link withoutCommandArguments}: a refused AUTH carries the password).
 */
export function toSyncError(operation: string, error: unknown, connectionError?: Error): SyncError {
  if (error instanceof BackendUnavailableError && connectionError) {
    const cause = withoutCommandArguments(withConnectionError(error.cause, connectionError));
    return new BackendUnavailableError(error.backend, error.operation, { cause });
  }
  if (error instanceof SyncError) {
    // Made by the backend itself (quorum mode wraps the masters' errors in an AggregateError).
    if ('cause' in error) Object.defineProperty(error, 'cause', { value: withoutCommandArguments(error.cause) });
    return error;
  }
  if (error instanceof ReplyShapeError) {
    return new BackendReplyError('redis', operation, error.message, { cause: withoutCommandArguments(error) });
  }
  if (error instanceof Error && error.name === 'ReplyError' && !TRANSIENT_REPLY.test(error.message)) {
    return new BackendReplyError('redis', operation, error.message, { cause: withoutCommandArguments(error) });
  }
  const cause = withoutCommandArguments(withConnectionError(error, connectionError));
  return new BackendUnavailableError('redis', operation, { cause });
}

/** Properties of driver errors that hold further errors (ioredis Cluster's `lastNodeError`). */
const NESTED = ['cause', 'lastNodeError'] as const;

/**
 * The driver error, or when it (or an error it holds) carries a `command` with arguments (ioredis
 * attaches `{ name, args }` to reply and abort errors), a copy whose commands keep only their name.
 * The arguments may be the password (`AUTH user password`, which fails every request queued behind
 * it on a wrong or revoked password), owner ids or stored values, and loggers print an error's
 * `cause` in full. The driver's own error object is left untouched; the copy keeps its prototype.
 */
function withoutCommandArguments(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error) || depth > 8) return error;
  const descriptors = Object.getOwnPropertyDescriptors(error) as Record<PropertyKey, PropertyDescriptor>;
  let changed = false;
  const replace = (key: string, value: unknown): void => {
    if (value === descriptors[key]?.value) return;
    descriptors[key] = { ...descriptors[key], value };
    changed = true;
  };
  const command: unknown = descriptors['command']?.value;
  if (typeof command === 'object' && command !== null && 'args' in command) {
    replace('command', { name: (command as { name?: unknown }).name });
  }
  for (const key of NESTED) {
    if (descriptors[key] && 'value' in descriptors[key]) {
      replace(key, withoutCommandArguments(descriptors[key].value, depth + 1));
    }
  }
  const errors: unknown = descriptors['errors']?.value;
  if (Array.isArray(errors)) {
    const copies = errors.map((nested) => withoutCommandArguments(nested, depth + 1));
    if (copies.some((copy, index) => copy !== errors[index])) replace('errors', copies);
  }
  if (!changed) return error;
  // A native error (so that `util.inspect` and loggers print it as one) with the original's prototype.
  const copy = new Error(error.message);
  Object.setPrototypeOf(copy, Object.getPrototypeOf(error) as object | null);
  descriptors['stack'] = { value: error.stack, writable: true, enumerable: false, configurable: true };
  for (const key of Reflect.ownKeys(descriptors)) Object.defineProperty(copy, key, descriptors[key as string]!);
  return copy;
}
