import { submit, task, type TaskEvent } from '../../src/index.js';
import { RedisKeys } from '../../src/backends/redis/redisKeys.js';
import { startRedisServer, stopRedisServers, type RedisServer } from '../support/redisServer.js';
import { kill, killWorkers, line, startWorker, type Worker } from './support/childProcesses.js';
import { pause, randomPrefix, Resources, single, waitUntil, type Recorder } from './support/redisTestKit.js';

/**
 * Crash recovery with real worker processes: three `worker()` processes (test/redis/fixtures/taskWorker.ts)
 * run a few hundred tasks submitted from this process, and one of them that is running a task is killed
 * with SIGKILL every few dozen completed tasks (and replaced). Every task must still succeed exactly
 * once, and a task may run again only after a run on a killed worker, whose claim had to lapse first.
 */

const TASKS = 300;
const KILL_EVERY = 40;
const WORKERS = 3;
const NAME = 'work';
/** Enough attempts that even a task whose every run is killed still succeeds. */
const ATTEMPTS = Math.ceil(TASKS / KILL_EVERY) + 1;
const BARRIER = 'barrier';

/** What the fixture's handler returns. */
interface Result {
  readonly n: number;
  readonly square: number;
  readonly worker: string;
  readonly attempt: number;
  readonly token: number;
}

/** One start of the handler, as the fixture records it. */
interface Run {
  readonly id: string;
  readonly attempt: number;
  readonly worker: string;
  readonly token: number;
}

let server: RedisServer;
const resources = new Resources();

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await stopRedisServers(server);
});
afterEach(async () => {
  await killWorkers();
  await resources.release();
});

function parseRuns(entries: readonly string[]): Run[] {
  return entries.map((entry) => {
    const [id, attempt, worker, token] = entry.split(' ');
    return { id: id!, attempt: Number(attempt), worker: worker!, token: Number(token) };
  });
}

function count<T>(items: Iterable<T>, key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

describe('task crash recovery across worker processes', () => {
  it(`runs ${TASKS} tasks to success exactly once while workers are killed with SIGKILL mid-task`, async () => {
    const prefix = randomPrefix('crash');
    const admin = resources.client(server);
    const backend = resources.backend({ client: resources.client(server), prefix });
    const runsKey = `${prefix}:{crash}:runs`;
    const endsKey = `${prefix}:{crash}:ends`;

    // Every `succeeded` the scripts publish, counted on the name's channel, apart from the backend.
    const channel = new RedisKeys(prefix).taskChannel(NAME);
    const published = new Map<string, number>();
    let barrierHeard = false;
    const listener = resources.client(server);
    listener.on('message', (_channel: string, message: string) => {
      if (message === BARRIER) return void (barrierHeard = true);
      const event = JSON.parse(message) as { type?: unknown; id?: unknown };
      if (event.type === 'succeeded' && typeof event.id === 'string')
        published.set(event.id, (published.get(event.id) ?? 0) + 1);
    });
    await listener.subscribe(channel);

    const live = new Map<string, Worker>();
    let started = 0;
    const startOne = async (): Promise<void> => {
      const name = `w${++started}`;
      const worker = startWorker('taskWorker.ts', [server.url, prefix, name]);
      live.set(name, worker);
      await line(worker, /^ready /m, 20_000);
    };
    await Promise.all(Array.from({ length: WORKERS }, startOne));

    const submissions: Recorder<TaskEvent<Result>>[] = Array.from({ length: TASKS }, (_, n) =>
      resources.record(
        submit<Result>(backend, NAME, { n }, { attempts: ATTEMPTS, retryJitter: 0 }),
        `task ${n}`,
        45_000,
      ),
    );
    const ids = await Promise.all(submissions.map(async (submission) => (await submission.nth(0)).id));
    const byId = new Map(ids.map((id, n) => [id, submissions[n]!]));
    const ended = (): number => submissions.filter((submission) => submission.ended).length;

    /** A live worker that the record shows running a task that it started, or `undefined`. */
    const busyWorker = async (): Promise<string | undefined> => {
      const runs = parseRuns(await admin.lrange(runsKey, 0, -1)).reverse();
      for (const run of runs) {
        if (!live.has(run.worker) || byId.get(run.id)!.ended) continue;
        const info = await single(task(backend, run.id));
        if (info?.state === 'running' && info.worker === run.worker && info.attempt === run.attempt) return run.worker;
      }
      return undefined;
    };

    // Kill a busy worker after every KILL_EVERY ended tasks (and start a replacement), until all ended.
    const killed: string[] = [];
    const killedAt: number[] = [];
    for (let threshold = KILL_EVERY; threshold < TASKS; threshold += KILL_EVERY) {
      await waitUntil(() => ended() >= threshold, 30_000, `${threshold} tasks to end`);
      let victim = await busyWorker();
      while (victim === undefined && ended() < TASKS) {
        await pause(10);
        victim = await busyWorker();
      }
      if (victim === undefined) break;
      await kill(live.get(victim)!.child);
      live.delete(victim);
      killed.push(victim);
      killedAt.push(ended());
      await startOne();
    }
    await Promise.all(submissions.map((submission) => submission.until((s) => s.ended, 'end', 30_000)));

    // None lost, none failed: every submit completed after one `succeeded` with the right result.
    const failures = submissions
      .map((submission, n) => ({ n, submission }))
      .filter(({ submission }) => !submission.completed)
      .map(({ n, submission }) => `task ${n}: ${String(submission.error)}`);
    expect(failures).toEqual([]);
    const results = submissions.map((submission, n) => {
      const succeeded = submission.values.filter((event) => event.type === 'succeeded');
      expect(succeeded).toHaveLength(1);
      expect(submission.last).toBe(succeeded[0]);
      const { result } = succeeded[0]!;
      expect(result).toMatchObject({ n, square: n * n });
      return result;
    });

    // Exactly one completion per task: published once (the script checks the claim's token) ...
    // Redis delivers a channel's messages in the order it ran the commands, so once the listener
    // hears a message published now, it has heard every event published before.
    await admin.publish(channel, BARRIER);
    await waitUntil(() => barrierHeard, 10_000, 'the listener to hear every event');
    expect(ids.filter((id) => published.get(id) !== 1).map((id) => `${id}: ${published.get(id) ?? 0}`)).toEqual([]);
    expect(published.size).toBe(TASKS);
    // ... and recorded as succeeded, with the result of its last attempt.
    const records = await Promise.all(ids.map((id) => single(task(backend, id))));
    records.forEach((record, n) =>
      expect(record).toMatchObject({
        id: ids[n],
        state: 'succeeded',
        attempt: results[n]!.attempt,
        result: results[n],
      }),
    );

    // Every run of a task has its own attempt, with tokens strictly increasing with the attempt; the
    // last run is the one whose result was kept, and every earlier one ran on a worker that was killed.
    const runs = parseRuns(await admin.lrange(runsKey, 0, -1));
    const runsOf = new Map<string, Run[]>();
    for (const run of runs) runsOf.set(run.id, [...(runsOf.get(run.id) ?? []), run]);
    const earlierRuns: Run[] = [];
    ids.forEach((id, n) => {
      const own = (runsOf.get(id) ?? []).sort((a, b) => a.attempt - b.attempt);
      for (let index = 1; index < own.length; index++) {
        expect(own[index]!.attempt).toBeGreaterThan(own[index - 1]!.attempt);
        expect(own[index]!.token).toBeGreaterThan(own[index - 1]!.token);
      }
      const { worker, attempt, token } = results[n]!;
      expect(own[own.length - 1]).toEqual({ id, attempt, worker, token });
      earlierRuns.push(...own.slice(0, -1));
    });
    expect(runs.filter((run) => !byId.has(run.id))).toEqual([]);
    expect(earlierRuns.filter((run) => !killed.includes(run.worker))).toEqual([]);

    // The workers that were not killed never failed nor gave up an attempt, and reported each of
    // their completions once (a killed worker may have died between completing and reporting).
    const readEnds = async (): Promise<string[][]> =>
      (await admin.lrange(endsKey, 0, -1)).map((entry) => entry.split(' '));
    await waitUntil(
      async () => {
        const reportedIds = new Set((await readEnds()).map(([, id]) => id));
        return ids.every((id, n) => reportedIds.has(id) || killed.includes(results[n]!.worker));
      },
      10_000,
      'the live workers to report their completions',
    );
    const ends = await readEnds();
    expect(ends.filter(([type]) => type !== 'succeeded')).toEqual([]);
    const reported = count(ends, ([, id]) => id!);
    expect([...reported].filter(([, times]) => times !== 1)).toEqual([]);
    ids.forEach((id, n) => {
      const { worker, attempt } = results[n]!;
      const report = ends.find(([, reportedId]) => reportedId === id);
      if (report) expect(report).toEqual(['succeeded', id, String(attempt), worker]);
      else expect(killed).toContain(worker);
    });

    // Every attempt but the last ended because its claim lapsed (nothing else failed), as submit saw it.
    submissions.forEach((submission, n) => {
      const retries = submission.values.filter((event) => event.type === 'retrying');
      expect(retries.map((event) => event.error.name)).toEqual(retries.map(() => 'TaskStalledError'));
      expect(retries.map((event) => event.attempt)).toEqual(
        Array.from({ length: results[n]!.attempt - 1 }, (_, index) => index + 1),
      );
    });

    // The kills did land mid-task.
    const reRunTasks = ids.filter((id) => runsOf.get(id)!.length > 1).length;
    const interrupting = new Set(earlierRuns.map((run) => run.worker));
    const unreached = ids.filter((id, n) => results[n]!.attempt > runsOf.get(id)!.length).length;
    console.log(
      `task crash test: ${TASKS} tasks, ${runs.length} runs, ${runs.length - TASKS} re-runs after kills ` +
        `(${reRunTasks} tasks ran more than once), ${killed.length} kills (${interrupting.size} of them ` +
        `interrupted a recorded run; at ${killedAt.join(', ')} tasks ended), ${unreached} tasks with a ` +
        `claimed attempt that never reached its handler`,
    );
    expect(killed.length).toBeGreaterThanOrEqual(3);
    expect(reRunTasks).toBeGreaterThan(0);
  }, 60_000);
});
