import { lastValueFrom, merge, Subject } from 'rxjs';
import { assertTaskBackend } from '../internal/taskArguments.js';
import { assertNameWithin, limitsOf } from '../internal/limits.js';
import { optionNames } from '../internal/validate.js';
import { cancelTask } from '../observables/cancelTask.js';
import { submitWith } from '../observables/submit.js';
import { resolveSubmitOptions, SUBMIT_OPTION_NAMES, type SubmitOptions } from '../observables/submitOptions.js';
import { task } from '../observables/task.js';
import type { TaskHandlers, TaskInfo } from '../observables/TaskEvent.js';
import { workerWith } from '../observables/worker.js';
import { resolveWorkerOptions, WORKER_OPTION_NAMES, type WorkerOptions } from '../observables/workerOptions.js';
import type { TaskBackend } from '../taskBackend.js';

/** go-sync's `Command`: a task name and its input, with per-run options. */
export interface Command extends SubmitOptions {
  /** The task name. */
  readonly name: string;
  /** The input, a JSON value. */
  readonly input?: unknown;
}

/** Options of {@link createTaskRunner}. */
export interface TaskRunnerOptions extends WorkerOptions {
  /**
   * Handlers this runner runs in a local pool (go-sync's `WithPool`); `run` then rejects names
   * that none of them handles with `UnknownTaskError`. Without handlers the runner only submits,
   * and workers elsewhere run the tasks.
   */
  readonly handlers?: TaskHandlers;
}

/** The names of {@link Command}: any other key is refused. */
const COMMAND_OPTION_NAMES = optionNames<Command>({ ...SUBMIT_OPTION_NAMES, name: true, input: true });

/** The names of {@link TaskRunnerOptions}: any other key is refused. */
const TASK_RUNNER_OPTION_NAMES = optionNames<TaskRunnerOptions>({ ...WORKER_OPTION_NAMES, handlers: true });

/** go-sync's `Task` for code that is not reactive. */
export interface TaskRunner {
  /** Submits the command and resolves with its result; rejects with `TaskFailedError`, `TaskCancelledError`, `UnknownTaskError`. */
  run<Result = unknown>(command: Command): Promise<Result>;
  /** The task's record, or `undefined`. */
  get(id: string): Promise<TaskInfo | undefined>;
  /** Cancels a task; resolves `true` when it was cancelled. */
  cancel(id: string): Promise<boolean>;
  /**
   * Stops the local pool: it claims nothing more, and the promise resolves once its running tasks
   * have finished and been reported (those still running after `gracePeriod` are aborted and
   * handed back); `run` rejects afterwards.
   */
  close(): Promise<void>;
}

/**
 * The Promise facade of {@link submit} and {@link worker}, line for line go-sync's `task.Run`.
 *
 * @remarks
 * With `handlers`, the runner starts a local {@link worker} pool (of `concurrency`) on the first
 * `run` and keeps it until `close()`; `run(command)` submits and resolves with the result. Call
 * `close()` when done, or the pool's poll timer keeps the process alive; it resolves once the
 * pool's running tasks have been reported.
 *
 * @example
 * ```ts
 * import { createTaskRunner } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const runner = createTaskRunner(createMemoryBackend(), {
 *   handlers: { add: (input: { a: number; b: number }) => input.a + input.b },
 *   concurrency: 10,
 * });
 * const sum = await runner.run<number>({ name: 'add', input: { a: 1, b: 2 } });
 * console.log(sum); // 3
 * await runner.close();
 * ```
 *
 * @param backend - Where the task queue lives.
 * @param options - Local handlers and worker options; see {@link TaskRunnerOptions}.
 * @throws TypeError or RangeError, at call time, for a bad option.
 */
export function createTaskRunner(backend: TaskBackend, options?: TaskRunnerOptions): TaskRunner {
  assertTaskBackend(backend);
  const limits = limitsOf(backend);
  const workerSettings = resolveWorkerOptions(
    options,
    { caller: 'createTaskRunner', names: TASK_RUNNER_OPTION_NAMES },
    limits,
  );
  const handlers = options?.handlers;
  const closing = new Subject<void>();
  const shutdown = workerSettings.shutdown ? merge(workerSettings.shutdown, closing) : closing;
  const pool = handlers && workerWith(backend, handlers, { ...workerSettings, shutdown }); // checks the handlers
  const knownTasks = handlers && Object.keys(handlers);
  let running: Promise<void> | undefined;
  let closed = false;
  return Object.freeze({
    run<Result = unknown>(command: Command): Promise<Result> {
      const settings = resolveSubmitOptions(
        command,
        { caller: 'run', path: 'command', names: COMMAND_OPTION_NAMES },
        limits,
      );
      if (command === undefined) throw new TypeError('Expected `command` to be an object.');
      const { name, input } = command;
      assertNameWithin(limits, name, 'command.name');
      if (closed) return Promise.reject(new Error('The task runner is closed.'));
      // Built (and so checked: the input too) before the pool starts, which a bad command must not start.
      const events = submitWith<Result>(backend, name, input, {
        ...settings,
        knownTasks: settings.knownTasks ?? knownTasks,
      });
      if (pool && !running) running = lastValueFrom(pool, { defaultValue: undefined }).then(() => undefined);
      return lastValueFrom(events).then((event) => {
        if (event.type !== 'succeeded') throw new Error(`Task "${name}" ended without a result.`);
        return event.result;
      });
    },
    get: (id: string) => lastValueFrom(task(backend, id)),
    cancel: (id: string) => lastValueFrom(cancelTask(backend, id)),
    close(): Promise<void> {
      closed = true;
      closing.next();
      return running ?? Promise.resolve();
    },
  });
}
