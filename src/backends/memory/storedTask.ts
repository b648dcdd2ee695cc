import type { Subscription } from 'rxjs';
import type { TaskBackendEvent, TaskErrorInfo, TaskRecord, TaskRequest, TaskState } from '../../taskBackend.js';

/** A task as the memory backend keeps it: its request and the state of its life. */
export interface StoredTask {
  readonly id: string;
  readonly request: TaskRequest;
  state: TaskState;
  attempt: number;
  worker: string | undefined;
  /** The running claim's token, when running. */
  token: number | undefined;
  /** When a queued task becomes claimable, a running claim lapses, a finished task is forgotten. */
  dueAt: number;
  /** Order of entry into the queue, for oldest-first claims. */
  order: number;
  result: string | undefined;
  error: TaskErrorInfo | undefined;
  seq: number;
  /** Lease expiry (running) or retry wake-up (queued with a delay). */
  timer: Subscription;
}

/** An event without the fields the store fills in. */
export type EventBody = TaskBackendEvent extends infer E
  ? E extends TaskBackendEvent
    ? Omit<E, 'id' | 'seq'>
    : never
  : never;

/** Idempotency keys are per task name, as on Redis (where each name's keys live apart). */
export function idempotencyKeyOf(request: TaskRequest): string | undefined {
  return request.idempotencyKey === undefined ? undefined : JSON.stringify([request.name, request.idempotencyKey]);
}

/** The record of `task`, as `readTask` returns it. */
export function recordOf(task: StoredTask): TaskRecord {
  const { id, request, state, attempt, worker, result, error, seq } = task;
  return {
    id,
    name: request.name,
    input: request.input,
    state,
    policy: request.policy,
    attempt,
    seq,
    ...(worker !== undefined && { worker }),
    ...(result !== undefined && { result }),
    ...(error !== undefined && { error }),
    ...(request.idempotencyKey !== undefined && { idempotencyKey: request.idempotencyKey }),
  };
}
