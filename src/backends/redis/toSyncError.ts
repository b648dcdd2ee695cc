import { BackendReplyError } from '../../errors/BackendReplyError.js';
import { BackendUnavailableError } from '../../errors/BackendUnavailableError.js';
import { SyncError } from '../../errors/SyncError.js';
import { ReplyShapeError } from './redisScript.js';

/** Redis error replies that mean "not now" rather than "never": the server is loading, failing over, busy. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|MOVED|ASK)\b/;

/**
 * Maps what ioredis throws to rx-sync's typed errors: error replies to `BackendReplyError` (not
 * transient) unless they say the server is temporarily unable, everything else (connection lost,
 * timeout, too many retries) to `BackendUnavailableError` (transient), keeping the cause.
 */
export function toSyncError(operation: string, error: unknown): SyncError {
  if (error instanceof SyncError) return error;
  if (error instanceof ReplyShapeError)
    return new BackendReplyError('redis', operation, error.message, { cause: error });
  if (error instanceof Error && error.name === 'ReplyError' && !TRANSIENT_REPLY.test(error.message)) {
    return new BackendReplyError('redis', operation, error.message, { cause: error });
  }
  return new BackendUnavailableError('redis', operation, { cause: error });
}
