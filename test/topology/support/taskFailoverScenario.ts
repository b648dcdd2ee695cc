import type { Subscription } from 'rxjs';
import { BackendUnavailableError, submit, worker, type TaskContext, type TaskEvent, type WorkerEvent } from 'rx-sync';
import type { RedisBackend } from 'rx-sync/redis';
import { RedisKeys } from '../../../src/backends/redis/redisKeys.js';
import { now, pause, show, single, waitUntil } from '../../support/testKit.js';
import { adminClient, type RedisServer } from '../../support/redisServer.js';

/** What the task failover scenario needs from a topology. */
export interface TaskFailoverSetup {
  /**
   * Two backends on the same prefix, each with a client of its own, both with
   * `replicaAcknowledgement: { replicas: 1 }`: the submitter's and the worker's.
   */
  readonly backends: { readonly submitter: RedisBackend; readonly worker: RedisBackend };
  /** A task name whose keys live on the master that `kill` kills. */
  readonly name: string;
  /** Kills that master with `kill -9`; resolves once the process is gone. */
  readonly kill: () => Promise<void>;
  /**
   * Resolves once a replica has taken over the killed master's data, after starting the killed
   * server again as its replica, in sync (as an operator would): until then `WAIT 1` cannot be
   * satisfied on the new master, and every acknowledged write fails.
   */
  readonly recover: () => Promise<void>;
  /** How long tasks may take to complete again after the kill (the test fails beyond it). */
  readonly bound: number;
}

/** What the scenario measured: times in ms after the kill. */
export interface TaskFailoverReport {
  readonly tasks: number;
  /** Tasks submitted before the kill. */
  readonly submittedBeforeKill: number;
  /** The first completion of an attempt that started after the kill (task completions resumed). */
  readonly completionsResumedAfter: number;
  /** The first completion confirmed after the kill, whenever its attempt started. */
  readonly firstCompletionAfter: number;
  /** `recover` resolved (the killed server is a replica again, in sync). */
  readonly recoveredAfter: number;
  /** The last task succeeded. */
  readonly allSucceededAfter: number;
  /** Submits that errored with `BackendUnavailableError`, by cause (name: message), and how many had emitted `queued`. */
  readonly unavailable: Readonly<Record<string, number>>;
  readonly unavailableAfterQueued: number;
  /** Submits again with the same idempotency key after a `BackendUnavailableError`, and the tasks concerned. */
  readonly resubmissions: number;
  readonly tasksResubmitted: number;
  /** Acknowledged tasks (a submit emitted `queued`) that did not end `succeeded`: must be 0. */
  readonly lost: number;
  /** Tasks confirmed `succeeded` by more than one completion (worker `succeeded` events per id): must be 0. */
  readonly duplicates: number;
  /** Succeeded tasks whose completion no worker saw confirmed (the write stood, its reply or acknowledgement was lost). */
  readonly completedUnconfirmed: number;
  /** Handler runs in all, and tasks whose handler ran more than once (at-least-once delivery). */
  readonly handlerRuns: number;
  readonly tasksRunMoreThanOnce: number;
  readonly maxAttempt: number;
}

/**
 * Throws unless `server` is a master that holds the queue of task name `name`: what `kill` kills must
 * be the server the backends use (a failover of its own just before would make the figures wrong).
 */
export async function assertHoldsQueue(server: RedisServer, prefix: string, name: string): Promise<void> {
  const admin = adminClient(server);
  try {
    const role = /role:(\w+)/.exec(String(await admin.info('replication')))?.[1];
    const counter = new RedisKeys(prefix).taskKeys(name)[3];
    const holds = role === 'master' && (await admin.exists(counter)) === 1;
    if (!holds) throw new Error(`port ${server.port} (role ${role}) does not hold the queue of "${name}"`);
  } finally {
    admin.disconnect();
  }
}

/** Tasks in all, how often one is submitted, and after how many the master is killed. */
const TASKS = 300;
const SUBMIT_INTERVAL = 20;
const KILL_AFTER = 75;
/** The worker's claim lease: lapsed claims of the failed master come back within it. */
const WORKER_LEASE = 5_000;

/** One task of the stream, as the test follows it. */
interface Tracked {
  readonly index: number;
  readonly key: string;
  /** Every id a submit of this key emitted with `queued` (one, unless an acknowledged enqueue was lost). */
  readonly ids: Set<string>;
  acknowledged: boolean;
  submits: number;
  /** `succeeded` seen by a submit, with its result, or an error that is not `BackendUnavailableError`. */
  result: unknown;
  succeeded: boolean;
  fatal: unknown;
  succeededAt: number | undefined;
}

/** One handler run: what a handler saw of its claim. */
interface HandlerRun {
  readonly id: string;
  readonly index: number;
  readonly attempt: number;
  readonly token: number;
  readonly at: number;
}

/**
 * Kills the master that holds a task queue while a worker (concurrency 10) processes a stream of
 * tasks submitted every {@link SUBMIT_INTERVAL} ms, each with an idempotency key of its own. A
 * submit that errors with `BackendUnavailableError` (unacknowledged enqueue, no reply) is
 * submitted again with the same key until it succeeds. Checks that every task whose enqueue was
 * acknowledged (`queued`) succeeded under the id it was acknowledged with (none lost), that no
 * task was confirmed complete twice, that each task's fencing tokens grew from handler run to
 * handler run, and that every stored record says `succeeded` with the task's own result.
 */
export async function runTaskFailoverScenario(setup: TaskFailoverSetup): Promise<TaskFailoverReport> {
  const { submitter, worker: workerBackend } = setup.backends;
  const label = `t${Math.random().toString(36).slice(2, 8)}`;
  const tasks: Tracked[] = [];
  const runs: HandlerRun[] = [];
  const workerEvents: { readonly event: WorkerEvent; readonly at: number }[] = [];
  const unavailable: Record<string, number> = {};
  let unavailableAfterQueued = 0;
  let killedAt: number | undefined;
  let recoveredAt: number | undefined;
  let recovery: Promise<void> | undefined;
  let recoveryError: Error | undefined;
  let finished = false;
  const submissions: Subscription[] = [];

  const pool = worker(
    workerBackend,
    {
      [setup.name]: async (input: { index: number }, context: TaskContext) => {
        runs.push({ id: context.id, index: input.index, attempt: context.attempt, token: context.token, at: now() });
        await pause(10 + (input.index % 4) * 10);
        return { index: input.index };
      },
    },
    { concurrency: 10, leaseDuration: WORKER_LEASE, gracePeriod: 100 },
  ).subscribe((event) => workerEvents.push({ event, at: now() }));

  const follow = (task: Tracked): void => {
    task.submits += 1;
    let queued = false;
    const submission = submit(
      setup.backends.submitter,
      setup.name,
      { index: task.index },
      {
        idempotencyKey: task.key,
        attempts: 5,
        retryDelay: 100,
        retryJitter: 0,
      },
    ).subscribe({
      next: (event: TaskEvent) => {
        if (event.type === 'queued') {
          queued = true;
          task.acknowledged = true;
          task.ids.add(event.id);
        }
        if (event.type === 'succeeded') {
          task.succeeded = true;
          task.result = event.result;
          task.succeededAt = now();
        }
      },
      error: (error: unknown) => {
        if (!(error instanceof BackendUnavailableError)) {
          task.fatal = error;
          return;
        }
        const cause = error.cause as { name?: string; message?: string } | undefined;
        const reason = `${cause?.name ?? 'no cause'}: ${(cause?.message ?? '').slice(0, 48)}`;
        unavailable[reason] = (unavailable[reason] ?? 0) + 1;
        if (queued) unavailableAfterQueued += 1;
        if (!finished) void pause(100).then(() => follow(task));
      },
    });
    submissions.push(submission);
  };

  try {
    for (let index = 0; index < TASKS; index++) {
      const task: Tracked = {
        index,
        key: `${label}-${index}`,
        ids: new Set(),
        acknowledged: false,
        submits: 0,
        result: undefined,
        succeeded: false,
        fatal: undefined,
        succeededAt: undefined,
      };
      tasks.push(task);
      follow(task);
      if (index + 1 === KILL_AFTER) {
        // Work is flowing before the kill: some tasks have already completed.
        await waitUntil(() => workerEvents.some(({ event }) => event.type === 'succeeded'), 10_000, 'a completion');
        await setup.kill();
        killedAt = now();
        recovery = setup.recover().then(
          () => {
            recoveredAt = now();
          },
          (error: unknown) => {
            recoveryError = error instanceof Error ? error : new Error(`recover() failed: ${show(error)}`);
          },
        );
      }
      await pause(SUBMIT_INTERVAL);
    }
    const killed = killedAt!;
    const elapsed = (at: number): number => Math.round(at - killed);

    await waitUntil(
      () => tasks.every((task) => task.succeeded || task.fatal !== undefined),
      setup.bound + 30_000,
      'every task to succeed or fail',
      50,
    ).catch((error: unknown) => {
      const open = tasks.filter((task) => !task.succeeded && task.fatal === undefined);
      throw new Error(
        `${String(error)}; ${open.length} open, e.g. ${show(open.slice(0, 5).map(({ key, ids, submits }) => ({ key, ids: [...ids], submits })))}`,
      );
    });
    finished = true;

    // No task failed for good; an acknowledged one least of all.
    const failures = tasks.filter((task) => task.fatal !== undefined);
    expect(failures.map(({ key, acknowledged, fatal }) => ({ key, acknowledged, fatal: String(fatal) }))).toEqual([]);
    const lost = tasks.filter((task) => task.acknowledged && !task.succeeded).length;
    expect(lost).toBe(0);
    // Each key names one task: a resubmission found the task its acknowledged enqueue created.
    expect(tasks.filter((task) => task.ids.size !== 1).map(({ key, ids }) => ({ key, ids: [...ids] }))).toEqual([]);
    const results = tasks.filter((task) => show(task.result) !== show({ index: task.index }));
    expect(results.map(({ key, result }) => ({ key, result }))).toEqual([]);

    // No task confirmed complete twice.
    const completions = new Map<string, number>();
    for (const { event } of workerEvents)
      if (event.type === 'succeeded') completions.set(event.id, (completions.get(event.id) ?? 0) + 1);
    const duplicates = [...completions].filter(([, count]) => count > 1);
    expect(duplicates).toEqual([]);

    // Fencing tokens seen by the handlers of one task grow from run to run.
    const runsById = new Map<string, HandlerRun[]>();
    for (const run of runs) runsById.set(run.id, [...(runsById.get(run.id) ?? []), run]);
    const backwards = [...runsById].filter(([, seen]) =>
      seen.some((run, i) => i > 0 && run.token <= seen[i - 1]!.token),
    );
    expect(backwards.map(([id, seen]) => ({ id, tokens: seen.map((run) => run.token) }))).toEqual([]);

    // What is stored agrees: every task succeeded, with its own result.
    const records = await Promise.all(
      tasks.map((task) => single(submitter.readTask([...task.ids][0]!), 10_000, `read ${task.key}`)),
    );
    const wrong = records.flatMap((record, index) =>
      record?.state === 'succeeded' && record.result === JSON.stringify({ index }) ? [] : [{ index, record }],
    );
    expect(wrong).toEqual([]);

    // When completions came back: the first completion of an attempt that started after the kill.
    const runsAfterKill = new Set(runs.filter((run) => run.at > killed).map((run) => `${run.id}#${run.attempt}`));
    const resumed = workerEvents.find(
      ({ event, at }) => at > killed && event.type === 'succeeded' && runsAfterKill.has(`${event.id}#${event.attempt}`),
    );
    const firstAfter = workerEvents.find(({ event, at }) => at > killed && event.type === 'succeeded');
    expect(resumed).toBeDefined();
    expect(elapsed(resumed!.at)).toBeLessThan(setup.bound);
    await recovery;
    if (recoveryError !== undefined) throw recoveryError;

    return {
      tasks: TASKS,
      submittedBeforeKill: KILL_AFTER,
      completionsResumedAfter: elapsed(resumed!.at),
      firstCompletionAfter: elapsed(firstAfter!.at),
      recoveredAfter: elapsed(recoveredAt!),
      allSucceededAfter: elapsed(Math.max(...tasks.map((task) => task.succeededAt ?? 0))),
      unavailable,
      unavailableAfterQueued,
      resubmissions: tasks.reduce((sum, task) => sum + task.submits - 1, 0),
      tasksResubmitted: tasks.filter((task) => task.submits > 1).length,
      lost,
      duplicates: duplicates.length,
      completedUnconfirmed: tasks.filter((task) => !completions.has([...task.ids][0]!)).length,
      handlerRuns: runs.length,
      tasksRunMoreThanOnce: [...runsById.values()].filter((seen) => seen.length > 1).length,
      maxAttempt: Math.max(...runs.map((run) => run.attempt)),
    };
  } finally {
    finished = true;
    for (const submission of submissions) submission.unsubscribe();
    pool.unsubscribe();
    // Leave the topology whole (the killed server a replica again) even when a check failed above.
    await recovery;
    await pause(50); // let the last replies in before the backends close
  }
}
