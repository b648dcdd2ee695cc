import type {
  ClaimRequest,
  TaskBackend,
  TaskCompletion,
  TaskErrorInfo,
  TaskPolicy,
  TaskRequest,
} from '../taskBackend.js';
import {
  assertLeaseDurationWithin,
  assertLongNameWithin,
  assertNameWithin,
  assertSizeWithin,
  assertValueWithin,
} from './limits.js';
import { type BackendLimits } from '../limits.js';
import {
  assertDuration,
  assertFraction,
  assertKnownOptions,
  assertPositiveDuration,
  assertString,
  assertTimeout,
  optionNames,
  show,
} from './validate.js';
import { withChecks } from './withChecks.js';

/** The names of {@link TaskRequest}: `enqueue` refuses any other key. */
const TASK_REQUEST_NAMES = optionNames<TaskRequest>({
  name: true,
  input: true,
  policy: true,
  idempotencyKey: true,
  retention: true,
});

/** The names of {@link ClaimRequest}: `claim` and `completeTasks` refuse any other key. */
const CLAIM_REQUEST_NAMES = optionNames<ClaimRequest>({ worker: true, names: true, leaseDuration: true, limit: true });

/** The names of {@link TaskCompletion}: `completeTasks` refuses any other key. */
const TASK_COMPLETION_NAMES = optionNames<TaskCompletion>({ id: true, token: true, result: true });

/** The names of {@link TaskPolicy}: `enqueue` refuses any other key. */
const TASK_POLICY_NAMES = optionNames<TaskPolicy>({
  attempts: true,
  retryDelay: true,
  maxRetryDelay: true,
  retryJitter: true,
  timeout: true,
});

const TASK_METHODS = [
  'enqueue',
  'enqueueAndFollow',
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
    throw new RangeError(`Expected \`${what}\` to be a positive integer, got ${show(value)}.`);
  }
}

/** Checks a stored retry policy (the submit options resolver builds it). */
export function assertPolicy(policy: TaskPolicy): void {
  assertObject(policy, 'policy');
  assertCount(policy.attempts, 'attempts');
  assertPositiveDuration(policy.retryDelay, 'retryDelay');
  assertPositiveDuration(policy.maxRetryDelay, 'maxRetryDelay');
  assertFraction(policy.retryJitter, 'retryJitter');
  assertTimeout(policy.timeout, 'timeout');
}

/** The methods of a {@link TaskBackend} that take arguments (the rest of it: `name`, `limits`). */
export type TaskMethods = Omit<TaskBackend, 'name' | 'limits'>;

/**
 * Call-time checks of the {@link TaskBackend} methods within a backend's limits, shared by
 * backends; each throws `TypeError` or `RangeError` naming the argument. A task id may be a little
 * longer than a name: a backend makes it of the task name and a number.
 */
export function taskArgumentChecks(limits: BackendLimits) {
  const id = (value: unknown): void => assertLongNameWithin(limits, value, 'id');
  const names = (value: unknown): void => {
    if (!Array.isArray(value)) throw new TypeError('Expected `names` to be an array of task names.');
    for (const name of value) assertNameWithin(limits, name, 'names[]');
  };
  const owned = (taskId: unknown, token: unknown): void => {
    id(taskId);
    if (typeof token !== 'number' || !Number.isSafeInteger(token) || token < 1) {
      throw new RangeError(`Expected \`token\` to be a positive integer, got ${show(token)}.`);
    }
  };
  const complete = (taskId: unknown, token: unknown, result: unknown): void => {
    owned(taskId, token);
    if (result !== undefined) assertValueWithin(limits, result, 'result');
  };
  return Object.freeze({
    request(request: TaskRequest): void {
      assertObject(request, 'request');
      assertKnownOptions(request, { names: TASK_REQUEST_NAMES, caller: 'enqueue' });
      assertNameWithin(limits, request.name, 'name');
      assertValueWithin(limits, request.input, 'input');
      assertPolicy(request.policy);
      assertKnownOptions(request.policy, { names: TASK_POLICY_NAMES, caller: 'enqueue', path: 'policy' });
      assertPositiveDuration(request.retention, 'retention');
      if (request.idempotencyKey !== undefined) assertNameWithin(limits, request.idempotencyKey, 'idempotencyKey');
    },
    claim(request: unknown, caller: string): void {
      assertObject(request, 'request');
      assertKnownOptions(request, { names: CLAIM_REQUEST_NAMES, caller });
      const {
        worker,
        names: taskNames,
        leaseDuration,
        limit,
      } = request as Partial<Record<keyof ClaimRequest, unknown>>;
      assertNameWithin(limits, worker, 'worker');
      names(taskNames);
      assertLeaseDurationWithin(limits, leaseDuration, 'leaseDuration');
      assertCount(limit, 'limit');
    },
    names,
    id,
    owned,
    renew(taskId: unknown, token: unknown, leaseDuration: unknown): void {
      owned(taskId, token);
      assertLeaseDurationWithin(limits, leaseDuration, 'leaseDuration');
    },
    progress(taskId: unknown, token: unknown, value: unknown): void {
      owned(taskId, token);
      assertValueWithin(limits, value, 'value');
    },
    complete,
    completions(value: unknown): void {
      if (!Array.isArray(value) || value.length === 0) {
        throw new TypeError(
          `Expected \`completions\` to be a non-empty array of { id, token, result }, got ${show(value)}.`,
        );
      }
      for (const completion of value as unknown[]) {
        assertObject(completion, 'completions[]');
        assertKnownOptions(completion, {
          names: TASK_COMPLETION_NAMES,
          caller: 'completeTasks',
          path: 'completions[]',
        });
        const { id: taskId, token, result } = completion as Partial<Record<keyof TaskCompletion, unknown>>;
        complete(taskId, token, result);
      }
    },
    failure(error: TaskErrorInfo, retryDelay: number | undefined): void {
      assertObject(error, 'error');
      assertString(error.name, 'error.name');
      if (error.name.length > limits.maxNameLength) {
        throw new RangeError(
          `Expected \`error.name\` to be at most ${limits.maxNameLength} characters (the backend's \`limits.maxNameLength\`), got ${error.name.length}.`,
        );
      }
      assertString(error.message, 'error.message');
      assertSizeWithin(limits, error.message, 'error.message');
      if (retryDelay !== undefined) assertDuration(retryDelay, 'retryDelay');
    },
  });
}

/**
 * The task methods of a backend, each checking its arguments within `limits` at call time before
 * it runs: the one place that says which checks each method gets, for every backend.
 */
export function withTaskArgumentChecks(tasks: TaskMethods, limits: BackendLimits): TaskMethods {
  const check = taskArgumentChecks(limits);
  return withChecks(tasks, {
    enqueue: check.request,
    enqueueAndFollow: check.request,
    claim: (request) => check.claim(request, 'claim'),
    renewTask: check.renew,
    reportProgress: check.progress,
    completeTask: check.complete,
    completeTasks: (completions, next) => {
      check.completions(completions);
      if (next !== undefined) check.claim(next, 'completeTasks');
    },
    failTask: (id, token, error, retryDelay) => {
      check.owned(id, token);
      check.failure(error, retryDelay);
    },
    cancelTask: check.id,
    readTask: check.id,
    taskEvents: check.id,
    taskSignals: check.names,
  });
}

function assertObject(value: unknown, what: string): asserts value is object {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`Expected \`${what}\` to be an object, got ${show(value)}.`);
  }
}
