import { assertPolicy } from '../../../internal/taskArguments.js';
import type { TaskClaim, TaskPolicy, TaskRecord, TaskState } from '../../../taskBackend.js';
import { ReplyShapeError } from '../redisScript.js';
import type { ClaimedTask } from './scripts/claimTasks.js';
import { errorInfo } from './taskEventMessage.js';

/** A task id taken apart: the name (which places the task's keys) and the task's number. */
export interface TaskAddress {
  readonly name: string;
  readonly n: string;
}

/** `NAME:n` taken apart; `undefined` for an id of another shape. */
export function parseTaskId(id: string): TaskAddress | undefined {
  const colon = id.lastIndexOf(':');
  const n = id.slice(colon + 1);
  if (colon < 1 || !/^[1-9]\d*$/.test(n)) return undefined;
  return { name: id.slice(0, colon), n };
}

const STATES: ReadonlySet<string> = new Set<TaskState>(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

/** A policy as the task scripts store it (`Infinity` is not JSON). */
export function encodePolicy(policy: TaskPolicy): string {
  return JSON.stringify({ ...policy, timeout: Number.isFinite(policy.timeout) ? policy.timeout : null });
}

function decodePolicy(text: string): TaskPolicy {
  try {
    const parsed = JSON.parse(text) as Record<keyof TaskPolicy, number | null>;
    const policy: TaskPolicy = {
      attempts: parsed.attempts ?? Number.NaN,
      retryDelay: parsed.retryDelay ?? Number.NaN,
      maxRetryDelay: parsed.maxRetryDelay ?? Number.NaN,
      retryJitter: parsed.retryJitter ?? Number.NaN,
      timeout: parsed.timeout ?? Infinity,
    };
    assertPolicy(policy);
    return policy;
  } catch {
    throw new ReplyShapeError('task policy', text);
  }
}

export type Claimed = TaskClaim & { readonly order: number };

export function toClaim(name: string, entry: ClaimedTask): Claimed {
  const { id, input, attempt, token, order } = entry;
  return { id, name, input, policy: decodePolicy(entry.policy), attempt, token, order };
}

export function orderOf(claim: TaskClaim): number {
  return (claim as Claimed).order;
}

export function withoutOrder(claim: TaskClaim): TaskClaim {
  const { id, name, input, policy, attempt, token } = claim;
  return { id, name, input, policy, attempt, token };
}

export function withoutOrders(claims: readonly TaskClaim[]): TaskClaim[] {
  return claims.map(withoutOrder);
}

export function toRecord(fields: ReadonlyMap<string, string>): TaskRecord {
  const field = (name: string): string => {
    const value = fields.get(name);
    if (value === undefined) throw new ReplyShapeError(`task record without ${name}`, Object.fromEntries(fields));
    return value;
  };
  const state = field('state');
  if (!STATES.has(state)) throw new ReplyShapeError('task state', state);
  const worker = fields.get('worker');
  const result = fields.get('result');
  const errorText = fields.get('error');
  const error = errorText === undefined ? undefined : errorInfo(parseJson(errorText));
  const idempotencyKey = fields.get('idempotencyKey');
  return {
    id: field('id'),
    name: field('name'),
    input: field('input'),
    state: state as TaskState,
    policy: decodePolicy(field('policy')),
    attempt: Number(field('attempt')),
    seq: Number(field('seq')),
    ...(worker !== undefined && { worker }),
    ...(result !== undefined && { result }),
    ...(error !== undefined && { error }),
    ...(idempotencyKey !== undefined && { idempotencyKey }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
