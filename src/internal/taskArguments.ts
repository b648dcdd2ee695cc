import type { TaskBackend, TaskErrorInfo, TaskPolicy, TaskRequest } from '../taskBackend.js';
import {
  assertDuration,
  assertFraction,
  assertName,
  assertPositiveDuration,
  assertString,
  assertTimeout,
} from './validate.js';

const TASK_METHODS = [
  'enqueue',
  'claim',
  'renewTask',
  'reportProgress',
  'completeTask',
  'failTask',
  'cancelTask',
  'readTask',
  'taskEvents',
  'taskSignals',
] as const;

/** Throws `TypeError` unless `value` looks like a {@link TaskBackend}. */
export function assertTaskBackend(value: unknown): asserts value is TaskBackend {
  const candidate = value as Partial<Record<string, unknown>> | null | undefined;
  const missing = TASK_METHODS.filter((method) => typeof candidate?.[method] !== 'function');
  if (typeof value !== 'object' || value === null || missing.length > 0) {
    throw new TypeError(
      `Expected \`backend\` to be a TaskBackend (from createMemoryBackend())${missing.length > 0 && typeof value === 'object' && value !== null ? `, but it lacks ${missing.join(', ')}` : ''}.`,
    );
  }
}

/** Throws `RangeError` unless `value` is an integer from 1 up. */
export function assertCount(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Expected \`${what}\` to be a positive integer, got ${String(value)}.`);
  }
}

/** Checks a stored retry policy (the submit options resolver builds it). */
export function assertPolicy(policy: TaskPolicy): void {
  assertCount(policy.attempts, 'attempts');
  assertPositiveDuration(policy.retryDelay, 'retryDelay');
  assertPositiveDuration(policy.maxRetryDelay, 'maxRetryDelay');
  assertFraction(policy.retryJitter, 'retryJitter');
  assertTimeout(policy.timeout, 'timeout');
}

/** Call-time checks of the {@link TaskBackend} methods, shared by backends. */
export const assertTaskBackendArguments = Object.freeze({
  request(request: TaskRequest): void {
    assertName(request.name, 'name');
    assertString(request.input, 'input');
    assertPolicy(request.policy);
    assertPositiveDuration(request.retention, 'retention');
    if (request.idempotencyKey !== undefined) assertName(request.idempotencyKey, 'idempotencyKey');
  },
  claim(worker: string, names: readonly string[], leaseDuration: number, limit: number): void {
    assertName(worker, 'worker');
    assertTaskBackendArguments.names(names);
    assertPositiveDuration(leaseDuration, 'leaseDuration');
    assertCount(limit, 'limit');
  },
  names(names: readonly string[]): void {
    if (!Array.isArray(names)) throw new TypeError('Expected `names` to be an array of task names.');
    for (const name of names) assertName(name, 'names[]');
  },
  owned(id: string, token: number): void {
    assertName(id, 'id');
    if (typeof token !== 'number' || !Number.isSafeInteger(token) || token < 1) {
      throw new RangeError(`Expected \`token\` to be a positive integer, got ${String(token)}.`);
    }
  },
  failure(error: TaskErrorInfo, retryDelay: number | undefined): void {
    assertString(error.name, 'error.name');
    assertString(error.message, 'error.message');
    if (retryDelay !== undefined) assertDuration(retryDelay, 'retryDelay');
  },
});
