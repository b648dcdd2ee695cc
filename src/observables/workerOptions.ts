import { isObservable, type Observable } from 'rxjs';
import { assertCount } from '../internal/taskArguments.js';
import { resolveLeaseTiming, type LeaseTiming } from '../engine/leaseTiming.js';
import { assertNameWithin } from '../internal/limits.js';
import { DEFAULT_BACKEND_LIMITS, type BackendLimits } from '../limits.js';
import {
  assertDuration,
  assertOptionsObject,
  assertPositiveDuration,
  optionNames,
  show,
  type OptionsSite,
} from '../internal/validate.js';

/**
 * Options of {@link worker}. Every duration is in milliseconds.
 */
export interface WorkerOptions {
  /** How many tasks this worker runs at once. @defaultValue 1 */
  readonly concurrency?: number;
  /** Public name of this worker, shown in task records and `started` events. @defaultValue `host-pid-n` */
  readonly name?: string;
  /**
   * How long the backend keeps a claim without a renewal: a crashed or stalled worker's task runs
   * again this long after its last renewal. Within the backend's `limits.minLeaseDuration` and
   * `limits.maxLeaseDuration`. @defaultValue 30_000 (moved into those limits when they exclude it)
   */
  readonly leaseDuration?: number;
  /** How often a running task's claim is renewed; shorter than `leaseDuration - driftMargin`. @defaultValue `leaseDuration / 3` */
  readonly renewInterval?: number;
  /**
   * The worker aborts a task's handler this long before the backend could let its claim lapse,
   * when renewals cannot be confirmed. @defaultValue `Math.floor(leaseDuration / 100) + 2`
   */
  readonly driftMargin?: number;
  /** How often an idle worker asks for work besides being woken by new tasks. @defaultValue 1_000 */
  readonly pollInterval?: number;
  /**
   * After `shutdown` or unsubscribing, how long running tasks may go on before their handlers are
   * aborted and the tasks handed back to the queue; `0` aborts at once. @defaultValue 10_000
   */
  readonly gracePeriod?: number;
  /**
   * A graceful shutdown: when this emits, the worker claims nothing more, lets its running tasks
   * finish (for up to `gracePeriod`, then aborts them and hands them back), and completes once
   * every attempt has been reported to the backend, so that you know when it is safe to close the
   * backend. Unsubscribing stops the same way, but tells nothing of the end. @defaultValue none
   */
  readonly shutdown?: Observable<unknown>;
}

/** Defaults of {@link WorkerOptions}. */
export const DEFAULT_WORKER_OPTIONS = Object.freeze({
  concurrency: 1,
  leaseDuration: 30_000,
  pollInterval: 1_000,
  gracePeriod: 10_000,
});

/** The names of {@link WorkerOptions}: any other key is refused. */
export const WORKER_OPTION_NAMES = optionNames<WorkerOptions>({
  concurrency: true,
  name: true,
  leaseDuration: true,
  renewInterval: true,
  driftMargin: true,
  pollInterval: true,
  gracePeriod: true,
  shutdown: true,
});

/** Worker options with defaults applied and rules checked; a claim's lease timing is the engine's. */
export interface WorkerSettings extends LeaseTiming {
  readonly concurrency: number;
  readonly name: string | undefined;
  readonly pollInterval: number;
  readonly gracePeriod: number;
  readonly shutdown: Observable<unknown> | undefined;
}

/**
 * Applies defaults to {@link WorkerOptions} and validates them, within the backend's `limits`;
 * throws `TypeError`/`RangeError`, naming `site.caller` for an unknown key.
 */
export function resolveWorkerOptions(
  options: WorkerOptions | undefined,
  site: OptionsSite,
  limits: BackendLimits = DEFAULT_BACKEND_LIMITS,
): WorkerSettings {
  assertOptionsObject(options, { names: WORKER_OPTION_NAMES, ...site });
  const {
    concurrency = DEFAULT_WORKER_OPTIONS.concurrency,
    pollInterval = DEFAULT_WORKER_OPTIONS.pollInterval,
    gracePeriod = DEFAULT_WORKER_OPTIONS.gracePeriod,
    name,
    shutdown,
  } = options ?? {};
  assertCount(concurrency, 'concurrency');
  const timing = resolveLeaseTiming(options, DEFAULT_WORKER_OPTIONS.leaseDuration, limits); // a claim is a lease
  assertPositiveDuration(pollInterval, 'pollInterval');
  assertDuration(gracePeriod, 'gracePeriod');
  if (name !== undefined) assertNameWithin(limits, name, 'name');
  if (shutdown !== undefined && !isObservable(shutdown)) {
    throw new TypeError(`Expected \`shutdown\` to be an Observable, got ${show(shutdown)}.`);
  }
  return Object.freeze({ ...timing, concurrency, name, pollInterval, gracePeriod, shutdown });
}
