import type { TaskPolicy } from '../taskBackend.js';
import { assertPolicy } from '../internal/taskArguments.js';
import { assertNameWithin } from '../internal/limits.js';
import { DEFAULT_BACKEND_LIMITS, type BackendLimits } from '../limits.js';
import {
  assertBoolean,
  assertOptionsObject,
  assertPositiveDuration,
  optionNames,
  type OptionsSite,
} from '../internal/validate.js';

/**
 * Options of {@link submit}: retries, timeout, idempotency and retention. Every duration is in
 * milliseconds.
 */
export interface SubmitOptions {
  /**
   * How many attempts in all, the first included; `1` means no retry. A handler that fails with a
   * `NonRetryableError` ends the task sooner. @defaultValue 3
   */
  readonly attempts?: number;
  /** Delay before the first retry; it doubles with every further retry up to `maxRetryDelay`. @defaultValue 1_000 */
  readonly retryDelay?: number;
  /** Longest delay between two attempts. @defaultValue 60_000 */
  readonly maxRetryDelay?: number;
  /** Fraction of each retry delay taken off at random; `0` makes retries deterministic. @defaultValue 0.5 */
  readonly retryJitter?: number;
  /** How long one attempt may run before its handler is aborted with `TaskTimeoutError`. @defaultValue Infinity */
  readonly timeout?: number;
  /**
   * A second submit of the same task name with the same key, while the first task is queued,
   * running or retained, enqueues nothing and follows the first task (its result, its failure).
   * Keys are per task name.
   */
  readonly idempotencyKey?: string;
  /** How long the finished task (its result, its idempotency key) is kept for {@link task}. @defaultValue 86_400_000 (one day) */
  readonly retention?: number;
  /**
   * Task names that some worker handles: when given, submitting another name errors with
   * `UnknownTaskError` and enqueues nothing. Without it, a task of a name nobody handles waits in
   * the queue (workers may start later, on other nodes).
   */
  readonly knownTasks?: readonly string[];
  /**
   * Whether unsubscribing before the task finished cancels it (removed when queued, aborted when
   * running). Only the submit that created the task cancels it, not one that found it by its
   * idempotency key. @defaultValue true
   */
  readonly cancelOnUnsubscribe?: boolean;
}

/** Defaults of {@link SubmitOptions}. */
export const DEFAULT_SUBMIT_OPTIONS = Object.freeze({
  attempts: 3,
  retryDelay: 1_000,
  maxRetryDelay: 60_000,
  retryJitter: 0.5,
  timeout: Infinity,
  retention: 86_400_000,
  cancelOnUnsubscribe: true,
});

/** The names of {@link SubmitOptions}: any other key is refused. */
export const SUBMIT_OPTION_NAMES = optionNames<SubmitOptions>({
  attempts: true,
  retryDelay: true,
  maxRetryDelay: true,
  retryJitter: true,
  timeout: true,
  idempotencyKey: true,
  retention: true,
  knownTasks: true,
  cancelOnUnsubscribe: true,
});

/** Submit options with defaults applied and rules checked. */
export interface SubmitSettings {
  readonly policy: TaskPolicy;
  readonly idempotencyKey: string | undefined;
  readonly retention: number;
  readonly knownTasks: readonly string[] | undefined;
  readonly cancelOnUnsubscribe: boolean;
}

/**
 * Applies defaults to {@link SubmitOptions} and validates them, within the backend's `limits`;
 * throws `TypeError`/`RangeError`, naming `site.caller` for an unknown key. `defaultRetention`
 * replaces the default `retention` (a schedule keeps each tick's task for two intervals).
 */
export function resolveSubmitOptions(
  options: SubmitOptions | undefined,
  site: OptionsSite,
  limits: BackendLimits = DEFAULT_BACKEND_LIMITS,
  defaultRetention: number = DEFAULT_SUBMIT_OPTIONS.retention,
): SubmitSettings {
  assertOptionsObject(options, { names: SUBMIT_OPTION_NAMES, ...site });
  const {
    attempts = DEFAULT_SUBMIT_OPTIONS.attempts,
    retryDelay = DEFAULT_SUBMIT_OPTIONS.retryDelay,
    // The default follows `retryDelay` once it is known to be a number (Math.max throws on a bigint).
    maxRetryDelay = typeof retryDelay === 'number'
      ? Math.max(retryDelay, DEFAULT_SUBMIT_OPTIONS.maxRetryDelay)
      : DEFAULT_SUBMIT_OPTIONS.maxRetryDelay,
    retryJitter = DEFAULT_SUBMIT_OPTIONS.retryJitter,
    timeout = DEFAULT_SUBMIT_OPTIONS.timeout,
    retention = defaultRetention,
    cancelOnUnsubscribe = DEFAULT_SUBMIT_OPTIONS.cancelOnUnsubscribe,
    idempotencyKey,
    knownTasks,
  } = options ?? {};
  const policy = { attempts, retryDelay, maxRetryDelay, retryJitter, timeout };
  assertPolicy(policy);
  if (maxRetryDelay < retryDelay) {
    throw new RangeError(
      `Expected \`maxRetryDelay\` (${maxRetryDelay}) to be at least \`retryDelay\` (${retryDelay}).`,
    );
  }
  assertPositiveDuration(retention, 'retention');
  assertBoolean(cancelOnUnsubscribe, 'cancelOnUnsubscribe');
  if (idempotencyKey !== undefined) assertNameWithin(limits, idempotencyKey, 'idempotencyKey');
  if (knownTasks !== undefined) {
    if (!Array.isArray(knownTasks)) throw new TypeError('Expected `knownTasks` to be an array of task names.');
    for (const name of knownTasks) assertNameWithin(limits, name, 'knownTasks[]');
  }
  return Object.freeze({
    policy: Object.freeze(policy),
    idempotencyKey,
    retention,
    knownTasks: knownTasks && Object.freeze([...(knownTasks as readonly string[])]),
    cancelOnUnsubscribe,
  });
}
