import type { TaskBackendEvent, TaskRecord } from '../taskBackend.js';
import { STORED_ERRORS } from './storedErrors.js';

/**
 * The event that brings a follower that missed some to the record's state: `queued` (or, after a
 * failed attempt, `retrying` with its error), `started` of the running attempt, or the outcome. Its
 * `seq` is the record's, except for `failed`, the last event there will be, which is newer than
 * anything a follower knows. Backends catch a follower up with it after a pub/sub gap, and
 * `submit` a late follower (an existing idempotency key).
 */
export function eventOfRecord(record: TaskRecord): TaskBackendEvent {
  const { id, seq, attempt } = record;
  const error = record.error ?? { name: 'Error', message: 'unknown' };
  switch (record.state) {
    case 'queued':
      return attempt === 0 ? { type: 'queued', id, seq } : { type: 'retrying', id, seq, attempt, error, delay: 0 };
    case 'running':
      return { type: 'started', id, seq, attempt, worker: record.worker ?? '' };
    case 'succeeded':
      return { type: 'succeeded', id, seq, ...(record.result !== undefined && { result: record.result }) };
    case 'failed':
      return { type: 'failed', id, seq: Number.MAX_SAFE_INTEGER, attempt, error };
    case 'cancelled':
      return { type: 'cancelled', id, seq };
  }
}

/**
 * What a follower hears when the task's record is gone (its retention ran out, or it was lost with
 * the data): the task will never end by itself, so it failed, `TaskNotFoundError`. The last event
 * there will be, so its `seq` is the greatest there is.
 */
export function taskGone(id: string, attempt: number): TaskBackendEvent {
  return { type: 'failed', id, seq: Number.MAX_SAFE_INTEGER, attempt, error: STORED_ERRORS.notFound };
}
