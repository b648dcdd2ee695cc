import { from } from 'rxjs';
import { submit, task, type TaskEvent } from 'rx-sync';
import { RedisKeys } from '../../src/backends/redis/redisKeys.js';
import { kill, killWorkers, line, startWorker, type Worker } from './support/childProcesses.js';
import { Resources, useRedisServer } from '../support/redisTestKit.js';
import { randomPrefix, type Recorder, single, waitUntil } from '../support/testKit.js';

/**
 * Crash recovery with real worker processes: three `worker()` processes (test/redis/fixtures/taskWorker.ts)
 * run a few hundred tasks submitted from this process, and seven times one of them is killed with
 * SIGKILL in the middle of a task (and replaced). Every task must still succeed exactly once, and a
 * task may run again only after a run on a killed worker, whose claim had to lapse first.
 *
 * Events drive the kills, never the clock: the tasks are submitted in KILLS + 1 waves; kill `k`
 * happens when a worker reports the start of a task from the second half of wave `k` (the first such
 * report), and wave `k + 1` is submitted only once that kill is done. So exactly KILLS kills happen,
 * spread over the run, however slow the machine, and the last tasks cannot end before the last kill.
 * A worker waits for this test's `go` before it finishes a run, so a kill always lands mid-task.
 */

const TASKS = 300;
const KILLS = 7;
const WORKERS = 3;
const NAME = 'work';
/** Enough attempts that even a task whose every run is killed still succeeds. */
const ATTEMPTS = KILLS + 1;
const BARRIER = 'barrier';
/** Generous overall deadline of each wait below (a busy 2-core machine needs a fraction of it). */
const DEADLINE = 60_000;

/** The first task of wave `wave` (0 to KILLS; wave KILLS + 1 starts at TASKS). */
const waveStart = (wave: number): number => Math.round((wave * TASKS) / (KILLS + 1));
/** Kill `k` (from 0) happens at the first reported start of a task from this one on, up to the end of wave `k`. */
const killFrom = (k: number): number => Math.round(((k + 0.5) * TASKS) / (KILLS + 1));

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

/** One kill: the worker, the run that it had reported started and was waiting in, and how many tasks had ended. */
interface Kill {
  readonly worker: string;
  readonly n: number;
  readonly id: string;
  readonly attempt: number;
  readonly ended: number;
}

const server = useRedisServer();
const resources = new Resources();

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
  it(
    `runs ${TASKS} tasks to success exactly once while ${KILLS} workers are killed with SIGKILL mid-task`,
    async () => {
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

      const submissions: Recorder<TaskEvent<Result>>[] = [];
      const submitWave = (wave: number): void => {
        for (let n = waveStart(wave); n < waveStart(wave + 1); n++)
          submissions.push(
            resources.record(
              submit<Result>(backend, NAME, { n }, { attempts: ATTEMPTS, retryJitter: 0 }),
              `task ${n}`,
              DEADLINE,
            ),
          );
      };
      const ended = (): number => submissions.filter((submission) => submission.ended).length;

      // The kill schedule, driven by the workers' `started` reports. A kill is decided synchronously on
      // the report (so two reports cannot both trigger kill k); the kill itself, the next wave and the
      // replacement worker follow in `steps`, one kill after the other.
      const live = new Map<string, Worker>();
      const killed: Kill[] = [];
      let steps = Promise.resolve();
      let resolveKills!: () => void;
      let rejectKills!: (error: unknown) => void;
      const allKilled = new Promise<void>((resolve, reject) => {
        resolveKills = resolve;
        rejectKills = reject;
      });
      allKilled.catch(() => undefined); // awaited below; a failure before that is not unhandled
      const onStarted = (name: string, report: string): void => {
        const worker = live.get(name);
        if (!worker) return; // a report the killed process printed before it died
        const [, n, id, attempt] = report.split(' ');
        const k = killed.length;
        if (k === KILLS || Number(n) < killFrom(k)) return worker.send(`go ${id} ${attempt}`);
        live.delete(name);
        killed.push({ worker: name, n: Number(n), id: id!, attempt: Number(attempt), ended: ended() });
        steps = steps.then(async () => {
          await kill(worker.child);
          submitWave(k + 1);
          await startOne();
          if (k === KILLS - 1) resolveKills();
        });
        steps.catch(rejectKills);
      };

      let started = 0;
      async function startOne(): Promise<void> {
        const name = `w${++started}`;
        const worker = startWorker('taskWorker.ts', [server.url, prefix, name]);
        live.set(name, worker);
        worker.lines.subscribe((text) => {
          if (text.startsWith('started ')) onStarted(name, text);
        });
        await line(worker, /^ready /m, DEADLINE);
      }
      await Promise.all(Array.from({ length: WORKERS }, startOne));

      submitWave(0);
      await single(from(allKilled), DEADLINE, `the ${KILLS} kills`);
      await Promise.all(submissions.map((submission) => submission.until((s) => s.ended, 'end', DEADLINE)));
      expect(submissions).toHaveLength(TASKS);
      const ids = await Promise.all(submissions.map(async (submission) => (await submission.nth(0)).id));
      const byId = new Map(ids.map((id, n) => [id, submissions[n]!]));
      const killedWorkers = killed.map((entry) => entry.worker);

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
      await waitUntil(() => barrierHeard, DEADLINE, 'the listener to hear every event');
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
      expect(earlierRuns.filter((run) => !killedWorkers.includes(run.worker))).toEqual([]);

      // The workers that were not killed never failed nor gave up an attempt, and reported each of
      // their completions once (a killed worker may have died between completing and reporting).
      const readEnds = async (): Promise<string[][]> =>
        (await admin.lrange(endsKey, 0, -1)).map((entry) => entry.split(' '));
      await waitUntil(
        async () => {
          const reportedIds = new Set((await readEnds()).map(([, id]) => id));
          return ids.every((id, n) => reportedIds.has(id) || killedWorkers.includes(results[n]!.worker));
        },
        DEADLINE,
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
        else expect(killedWorkers).toContain(worker);
      });

      // Every attempt but the last ended because its claim lapsed (nothing else failed), as submit saw it.
      submissions.forEach((submission, n) => {
        const retries = submission.values.filter((event) => event.type === 'retrying');
        expect(retries.map((event) => event.error.name)).toEqual(retries.map(() => 'TaskStalledError'));
        expect(retries.map((event) => event.attempt)).toEqual(
          Array.from({ length: results[n]!.attempt - 1 }, (_, index) => index + 1),
        );
      });

      // Exactly KILLS kills, each in the middle of the run it was triggered by (that run never got its
      // `go`): the task ran again, on another worker, with a later attempt; and each in its own wave.
      expect(killed).toHaveLength(KILLS);
      killed.forEach((entry, k) => {
        expect(entry.n).toBeGreaterThanOrEqual(killFrom(k));
        expect(entry.n).toBeLessThan(waveStart(k + 1));
        expect(ids[entry.n]).toBe(entry.id);
        expect(runsOf.get(entry.id)).toContainEqual(
          expect.objectContaining({ attempt: entry.attempt, worker: entry.worker }),
        );
        expect(results[entry.n]!.attempt).toBeGreaterThan(entry.attempt);
        expect(results[entry.n]!.worker).not.toBe(entry.worker);
      });
      const reRunTasks = ids.filter((id) => runsOf.get(id)!.length > 1).length;
      expect(reRunTasks).toBeGreaterThanOrEqual(KILLS);

      const unreached = ids.filter((id, n) => results[n]!.attempt > runsOf.get(id)!.length).length;
      console.log(
        `task crash test: ${TASKS} tasks, ${runs.length} runs, ${runs.length - TASKS} re-runs after kills ` +
          `(${reRunTasks} tasks ran more than once), ${killed.length} kills (at ` +
          `${killed.map((entry) => entry.ended).join(', ')} tasks ended), ${unreached} tasks with a ` +
          `claimed attempt that never reached its handler`,
      );
    },
    4 * DEADLINE,
  );
});
