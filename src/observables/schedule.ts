import { concat, concatMap, defer, filter, map, range, repeat, switchMap, timer, type Observable } from 'rxjs';
import type { SyncBackend } from '../backend.js';
import { assertBackend } from '../internal/assertBackend.js';
import { schedulerNow } from '../internal/clock.js';
import { assertNameWithin, limitsOf, toJsonWithin } from '../internal/limits.js';
import { assertTaskBackend } from '../internal/taskArguments.js';
import {
  assertOptionsObject,
  assertPositiveDuration,
  assertVersion,
  MAX_DURATION,
  optionNames,
} from '../internal/validate.js';
import { whileHeld } from '../operators/whileHeld.js';
import type { TaskBackend } from '../taskBackend.js';
import { campaign } from './leadership.js';
import { resolveLeadershipOptions, type LeadershipOptions } from './leadershipOptions.js';
import { DEFAULT_SUBMIT_OPTIONS, resolveSubmitOptions, type SubmitOptions } from './submitOptions.js';

/** Options of {@link schedule}. Every duration is in milliseconds. */
export interface ScheduleOptions {
  /**
   * Time between two ticks. Ticks fall on multiples of `interval` since the Unix epoch on the
   * backend's clock (a 60_000 interval ticks at every full minute), so every node agrees on them.
   */
  readonly interval: number;
  /** The task's input at every tick (a JSON value). @defaultValue null */
  readonly input?: unknown;
  /**
   * How many past ticks a newly elected leader also submits (each once, by its idempotency key),
   * for a failover slower than `interval`. @defaultValue 0
   */
  readonly catchUp?: number;
  /** The campaign: candidate name and lease timing; see {@link LeadershipOptions}. */
  readonly leadership?: LeadershipOptions;
  /**
   * Retries, timeout and retention of each tick's task; see {@link SubmitOptions}. `retention`
   * must be at least `interval` (it is what keeps a tick from running twice), and defaults to the
   * larger of a day and two intervals.
   */
  readonly task?: Omit<SubmitOptions, 'idempotencyKey' | 'knownTasks' | 'cancelOnUnsubscribe'>;
}

/** The names of {@link ScheduleOptions}: any other key is refused. */
const SCHEDULE_OPTION_NAMES = optionNames<ScheduleOptions>({
  interval: true,
  input: true,
  catchUp: true,
  leadership: true,
  task: true,
});

/** The names of {@link ScheduleOptions.task}: the submit options that a schedule does not set itself. */
const SCHEDULE_TASK_OPTION_NAMES = optionNames<NonNullable<ScheduleOptions['task']>>({
  attempts: true,
  retryDelay: true,
  maxRetryDelay: true,
  retryJitter: true,
  timeout: true,
  retention: true,
});

/** One tick that the leader submitted, as emitted by {@link schedule}. */
export interface ScheduledTick {
  /** The tick number: its time divided by `interval`. */
  readonly tick: number;
  /** The tick's time on the backend's clock, in ms since the Unix epoch. */
  readonly at: number;
  /** The task's id. */
  readonly id: string;
  /** `false` when an earlier leader had already submitted this tick (so it was not submitted again). */
  readonly created: boolean;
}

/** The longest a tick number can be as text (`String` of any number: "1.7976931348623157e+308" is 23). */
const MAX_TICK_LENGTH = 24;

/**
 * Runs a named task at every tick of a fixed interval, exactly once per tick across every node
 * that runs this schedule: only the leader of `group` submits, and each tick's task carries the
 * idempotency key `schedule:<group>:<name>:<tick>`.
 *
 * @remarks
 * ```
 * ticks:            0----1----2----3----4
 * node a (leader):  t----t----t-X            X: a crashes; its lease lapses
 * node b:                         t----t     b elected: submits tick 3 at once, then 4
 * ```
 * Subscribing campaigns for leadership of `group` (see {@link leadership}); while leader, the node
 * submits the current tick at once and every later tick on time, and emits a
 * {@link ScheduledTick} for each. A new leader submits the current tick too: when the previous
 * leader had already submitted it, the idempotency key finds that task (`created: false`), so a
 * failover neither runs a tick twice nor skips it, provided it takes less than `interval`
 * (`catchUp` covers longer ones). After losing leadership it campaigns again. Workers run the
 * tasks (see {@link worker}); the schedule does not wait for them. Never completes; errors with
 * the backend's error; unsubscribing resigns.
 *
 * @example
 * ```ts
 * import { schedule, worker } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * worker(backend, { cleanup: () => 'swept' }).subscribe();
 * schedule(backend, 'cron', 'cleanup', { interval: 60_000, leadership: { candidate: 'node-a' } })
 *   .subscribe((tick) => console.log(`tick ${tick.tick}: task ${tick.id}`));
 * ```
 *
 * @param backend - A backend with leadership and tasks (the memory backend).
 * @param group - The leadership group of the schedulers.
 * @param name - The task name to submit at each tick.
 * @param options - Interval, input, campaign and task options; see {@link ScheduleOptions}.
 * @returns A cold Observable of the ticks this node submitted while leader.
 * @throws TypeError or RangeError, at call time, for a bad argument or option.
 */
export function schedule(
  backend: SyncBackend & TaskBackend,
  group: string,
  name: string,
  options: ScheduleOptions,
): Observable<ScheduledTick> {
  assertBackend(backend);
  assertTaskBackend(backend);
  const limits = limitsOf(backend);
  assertNameWithin(limits, group, 'group');
  assertNameWithin(limits, name, 'name');
  const idempotencyKeyLength = `schedule:${group}:${name}:`.length + MAX_TICK_LENGTH;
  if (idempotencyKeyLength > limits.maxNameLength) {
    throw new RangeError(
      `Expected \`group\` and \`name\` to be at most ${limits.maxNameLength - MAX_TICK_LENGTH - 'schedule:::'.length} characters together, got ${group.length + name.length}: each tick's idempotency key ("schedule:GROUP:NAME:TICK") must fit the backend's \`limits.maxNameLength\`.`,
    );
  }
  assertOptionsObject(options, { names: SCHEDULE_OPTION_NAMES, caller: 'schedule' });
  if (options === undefined) throw new TypeError('Expected `options` with an `interval`.');
  const { interval, catchUp = 0 } = options;
  assertPositiveDuration(interval, 'interval');
  assertVersion(catchUp, 'catchUp');
  const input = toJsonWithin(limits, options.input === undefined ? null : options.input, 'input');
  const settings = resolveSubmitOptions(
    options.task,
    { caller: 'schedule', path: 'task', names: SCHEDULE_TASK_OPTION_NAMES },
    limits,
    Math.min(MAX_DURATION, Math.max(DEFAULT_SUBMIT_OPTIONS.retention, 2 * interval)),
  );
  const { retention } = settings;
  if (retention < interval) {
    throw new RangeError(
      `Expected \`task.retention\` (${retention}) to be at least \`interval\` (${interval}), or a tick could run twice.`,
    );
  }
  const leadership = resolveLeadershipOptions(options.leadership, { caller: 'schedule', path: 'leadership' }, limits);

  const submitTick = (tick: number): Observable<ScheduledTick> =>
    backend
      .enqueue({ name, input, policy: settings.policy, retention, idempotencyKey: `schedule:${group}:${name}:${tick}` })
      .pipe(map(({ id, created }) => ({ tick, at: tick * interval, id, created })));

  return campaign(backend, group, leadership).pipe(
    whileHeld((term) =>
      backend.now().pipe(
        switchMap((backendNow) => {
          const offset = backendNow - schedulerNow();
          const current = Math.floor(backendNow / interval);
          const ticks = concat(
            range(current - catchUp, catchUp + 1),
            defer(() => timer(Math.max(0, (current + 1) * interval - (schedulerNow() + offset)), interval)).pipe(
              map((index) => current + 1 + index),
            ),
          );
          return ticks.pipe(
            filter(() => term.isValid()),
            concatMap(submitTick),
          );
        }),
      ),
    ),
    repeat(),
  );
}
