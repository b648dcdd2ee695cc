/**
 * Scenario 5: tasks on Redis against BullMQ (Queue + Worker), in the same run.
 *
 * Throughput: N trivial tasks (the handler returns at once) are queued first, untimed; then a worker
 * with concurrency 1, 10 or 50 starts, and the figure is tasks/s from its start to the last
 * completion. rx-sync queues with its backend's `enqueue` (what `submit` does before it follows
 * the task) and runs `worker()`; BullMQ queues with `addBulk` and runs a `Worker`.
 * Goal: rx-sync ≥ BullMQ at concurrency 10 and 50.
 *
 * Submit → result: one task at a time while a worker (concurrency 1) waits; rx-sync: `submit()`
 * until its `succeeded` event; BullMQ: `queue.add()` then `job.waitUntilFinished(queueEvents)`.
 *
 * Submitters and workers use connections of their own, as separate processes would. The database is
 * flushed after each measurement (these are the benchmark's own servers), so that retained records
 * of earlier runs do not pile up.
 */
import { Queue, QueueEvents, Worker } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { lastValueFrom, type Subscription } from 'rxjs';
import { DEFAULT_SUBMIT_OPTIONS, submit, worker, type TaskRequest } from 'rx-sync';
import { createRedisBackend } from 'rx-sync/redis';
import {
  alternate,
  closeClients,
  connect,
  elapsedMs,
  latency,
  median,
  medianLatency,
  now,
  randomPrefix,
  row,
  type BenchSettings,
  type Latency,
  type RedisTargets,
  type Row,
} from './harness.js';

const CONCURRENCIES = [1, 10, 50] as const;
type Subject = 'rx-sync' | 'BullMQ';

/** What `submit` would store for a task with default options. */
const NOOP: TaskRequest = {
  name: 'noop',
  input: 'null',
  policy: {
    attempts: DEFAULT_SUBMIT_OPTIONS.attempts,
    retryDelay: DEFAULT_SUBMIT_OPTIONS.retryDelay,
    maxRetryDelay: DEFAULT_SUBMIT_OPTIONS.maxRetryDelay,
    retryJitter: DEFAULT_SUBMIT_OPTIONS.retryJitter,
    timeout: DEFAULT_SUBMIT_OPTIONS.timeout,
  },
  retention: DEFAULT_SUBMIT_OPTIONS.retention,
};

/** Runs `work` over `count` items, `parallel` at a time. */
async function inBatches(count: number, parallel: number, work: (index: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, count - start) }, (_, i) => work(start + i)));
  }
}

async function rxSyncThroughput(targets: RedisTargets, tasks: number, concurrency: number): Promise<number> {
  const prefix = randomPrefix('tasks');
  const submitter = createRedisBackend({ client: connect(targets.single), prefix });
  await inBatches(tasks, 500, () => lastValueFrom(submitter.enqueue(NOOP)));
  const backend = createRedisBackend({ client: connect(targets.single), prefix });
  let done = 0;
  let subscription: Subscription | undefined;
  const started = now();
  await new Promise<void>((resolve, reject) => {
    subscription = worker(backend, { noop: () => null }, { concurrency }).subscribe({
      next: (event) => {
        if (event.type === 'succeeded' && ++done === tasks) resolve();
      },
      error: reject,
    });
  });
  const seconds = elapsedMs(started) / 1000;
  subscription?.unsubscribe();
  await Promise.all([submitter.close(), backend.close()]);
  return tasks / seconds;
}

async function bullmqThroughput(targets: RedisTargets, tasks: number, concurrency: number): Promise<number> {
  const connection = { host: targets.single.host, port: targets.single.port };
  const name = `noop-${randomBytes(4).toString('hex')}`;
  const queue = new Queue(name, { connection });
  for (let start = 0; start < tasks; start += 1_000) {
    await queue.addBulk(Array.from({ length: Math.min(1_000, tasks - start) }, () => ({ name: 'noop', data: {} })));
  }
  let done = 0;
  let bullWorker: Worker | undefined;
  const started = now();
  await new Promise<void>((resolve, reject) => {
    bullWorker = new Worker(name, () => Promise.resolve(null), {
      connection: { ...connection, maxRetriesPerRequest: null },
      concurrency,
    });
    bullWorker.on('completed', () => {
      if (++done === tasks) resolve();
    });
    bullWorker.on('error', reject);
  });
  const seconds = elapsedMs(started) / 1000;
  await bullWorker?.close();
  await queue.close();
  return tasks / seconds;
}

async function rxSyncRoundTrip(targets: RedisTargets, samples: number): Promise<Latency> {
  const prefix = randomPrefix('submit');
  const submitter = createRedisBackend({ client: connect(targets.single), prefix });
  const backend = createRedisBackend({ client: connect(targets.single), prefix });
  const running = worker(backend, { echo: (input: number) => input }).subscribe();
  const times: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    const started = now();
    await lastValueFrom(submit(submitter, 'echo', sample));
    times.push(elapsedMs(started));
  }
  running.unsubscribe();
  await Promise.all([submitter.close(), backend.close()]);
  return latency(times);
}

async function bullmqRoundTrip(targets: RedisTargets, samples: number): Promise<Latency> {
  const connection = { host: targets.single.host, port: targets.single.port };
  const name = `echo-${randomBytes(4).toString('hex')}`;
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection: { ...connection, maxRetriesPerRequest: null } });
  const bullWorker = new Worker(name, (job) => Promise.resolve(job.data as unknown), {
    connection: { ...connection, maxRetriesPerRequest: null },
  });
  await Promise.all([events.waitUntilReady(), bullWorker.waitUntilReady()]);
  const times: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    const started = now();
    const job = await queue.add('echo', { sample });
    await job.waitUntilFinished(events);
    times.push(elapsedMs(started));
  }
  await bullWorker.close();
  await events.close();
  await queue.close();
  return latency(times);
}

export async function tasks(settings: BenchSettings, targets: RedisTargets): Promise<Row[]> {
  const scenario = '5 tasks, 1 Redis';
  const count = settings.quick ? 2_000 : 20_000;
  const repetitions = Math.min(settings.repetitions, 3);
  const admin = connect(targets.single);
  const flushed = async <T>(measurement: Promise<T>): Promise<T> => {
    const result = await measurement;
    await admin.flushdb();
    return result;
  };

  const rows: Row[] = [];
  for (const concurrency of CONCURRENCIES) {
    const results = await alternate<Subject, number>(['rx-sync', 'BullMQ'], repetitions, (subject, warmUp) => {
      const tasksThisRun = warmUp ? Math.min(count, 1_000) : count;
      return flushed(
        subject === 'rx-sync'
          ? rxSyncThroughput(targets, tasksThisRun, concurrency)
          : bullmqThroughput(targets, tasksThisRun, concurrency),
      );
    });
    rows.push(
      row(
        {
          scenario,
          subject: 'rx-sync',
          baseline: 'BullMQ',
          metric: `tasks/s, ${count.toLocaleString('en-US')} tasks, concurrency ${concurrency}`,
          subject_value: median(results.get('rx-sync')!),
          baseline_value: median(results.get('BullMQ')!),
          better: 'higher',
        },
        concurrency >= 10 ? { text: 'ratio ≥ 1', test: (r) => (r.ratio ?? 0) >= 1 } : undefined,
      ),
    );
  }

  const samples = settings.quick ? 100 : 500;
  const roundTrips = await alternate<Subject, Latency>(['rx-sync', 'BullMQ'], repetitions, (subject, warmUp) =>
    flushed((subject === 'rx-sync' ? rxSyncRoundTrip : bullmqRoundTrip)(targets, warmUp ? 50 : samples)),
  );
  const ours = medianLatency(roundTrips.get('rx-sync')!);
  const theirs = medianLatency(roundTrips.get('BullMQ')!);
  const base = { scenario, subject: 'rx-sync', baseline: 'BullMQ (add + waitUntilFinished)', better: 'lower' } as const;
  rows.push(
    row({ ...base, metric: 'submit → result p50 (ms)', subject_value: ours.p50, baseline_value: theirs.p50 }),
    row({ ...base, metric: 'submit → result p99 (ms)', subject_value: ours.p99, baseline_value: theirs.p99 }),
  );
  await closeClients([admin]);
  return rows;
}
