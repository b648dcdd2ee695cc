/**
 * Scenario 2b: the contended lock across processes. 20 worker processes (contendedProcessWorker.ts,
 * `node --import tsx`, started once for the scenario) each loop `acquire → INCR → release` on one
 * key with no pause, every process with connections (and for rx-sync a backend) of its own, until
 * the INCR made inside the lock returns the target (each process checks after its own
 * acquisitions, so the others acquire once more, then stop): free-running, unlike scenario 2's
 * rounds, so a lock that favours whoever just released shows here. rx-sync keeps its defaults but
 * `acquireTimeout` (60 s, as redis-semaphore's here); the peers poll every 10 ms (± 5 ms). On one
 * Redis, on a quorum of 3 (rx-sync's store on the single server) and on a Cluster of 3 masters
 * without replicas, started by this scenario (the lock lives on one master).
 *
 * A measurement also stops at a deadline (20 s quick, 60 s full; half for the warm-up), even for a
 * process still waiting: Redlock's split votes can livelock 20 processes on a quorum.
 *
 * Figures, over every acquisition of a measurement: acquisitions/s (from the first process's start
 * to the last one's end, on the monotonic clock the processes share), the wait (asked → acquired;
 * asked → deadline for a wait the deadline cut) at p50 and p99, the Redis requests per acquisition,
 * the acquisitions of the busiest process over the least busy one's (each process acquires at
 * least once unless the deadline cut it: then `Infinity`), and how many measured repetitions the
 * deadline cut. Requests are counted at
 * the client, in each worker, as harness.ts's `requests` counts them (every command an ioredis
 * connection sends, a script call being one; the server's `INFO commandstats` would also count the
 * commands inside scripts), less the INCR of each acquisition.
 * Goal: rx-sync's max/min ≤ 1.5 (test/redis/lockFairness.spec.ts asks the same of 5 processes).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startRedisCluster } from '../test/support/redisCluster.js';
import type { Subject, Topology, WorkerCommand, WorkerReply } from './contendedProcessWorker.js';
import {
  alternate,
  median,
  quantile,
  randomPrefix,
  row,
  RUN_TSCONFIG,
  type BenchSettings,
  type RedisTargets,
  type Result,
  type Row,
} from './harness.js';

const PROCESSES = 20;
const SUBJECTS: readonly Subject[] = [
  'rx-sync',
  'ioredis floor',
  'redlock',
  '@sesamecare-oss/redlock',
  'redis-semaphore',
];

interface Measurement {
  readonly acquisitionsPerSecond: number;
  readonly waitP50: number;
  readonly waitP99: number;
  readonly requestsPerAcquisition: number;
  readonly maxOverMin: number;
  /** 1 when the deadline stopped a process that was still waiting, else 0 (summed over repetitions). */
  readonly cutByDeadline: number;
}

/** The worker processes, each answering one reply per command, in order. */
interface Pool {
  /** Sends `command` to every worker; resolves with their replies, in worker order. */
  send(command: WorkerCommand): Promise<WorkerReply[]>;
  stop(): Promise<void>;
}

async function startPool(count: number): Promise<Pool> {
  const workers = Array.from({ length: count }, () => {
    const child: ChildProcess = fork(join(__dirname, 'contendedProcessWorker.ts'), [], {
      cwd: join(__dirname, '..'),
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, TSX_TSCONFIG_PATH: RUN_TSCONFIG },
    });
    const pending: { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }[] = [];
    const started = new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`a worker process exited with ${code} before it started`)));
    });
    child.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'started') return;
      const waiting = pending.shift();
      if (reply.kind === 'failed') waiting?.reject(new Error(`a worker process failed: ${reply.error}`));
      else waiting?.resolve(reply);
    });
    child.on('exit', (code) => {
      for (const waiting of pending.splice(0)) waiting.reject(new Error(`a worker process exited with ${code}`));
    });
    const send = (command: WorkerCommand): Promise<WorkerReply> =>
      new Promise((resolve, reject) => {
        if (!child.connected) return reject(new Error(`a worker process is gone (exit code ${child.exitCode})`));
        pending.push({ resolve, reject });
        child.send(command);
      });
    return { child, started, send };
  });
  await Promise.all(workers.map((worker) => worker.started));
  return {
    send: (command) => Promise.all(workers.map((worker) => worker.send(command))),
    stop: () =>
      Promise.all(
        workers.map(
          ({ child }) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.removeAllListeners('exit');
              child.once('exit', () => resolve());
              child.disconnect();
              setTimeout(() => child.kill(), 5_000).unref();
            }),
        ),
      ).then(() => undefined),
  };
}

/** Every worker loops on a new key until `target` acquisitions (or `deadline` ms); the figures of that run. */
async function measure(pool: Pool, subject: Subject, target: number, deadline: number): Promise<Measurement> {
  const tag = randomPrefix('procs');
  const replies = await pool.send({
    kind: 'run',
    subject,
    key: `${tag}-lock`,
    counter: `${tag}:{counter}`,
    target,
    deadline,
  });
  const ran = replies.map((reply) => {
    if (reply.kind !== 'ran') throw new Error(`unexpected reply ${reply.kind}`);
    return reply;
  });
  const perProcess = ran.map((reply) => reply.acquisitions);
  const acquisitions = perProcess.reduce((sum, count) => sum + count, 0);
  const started = ran.map((reply) => BigInt(reply.started)).reduce((a, b) => (a < b ? a : b));
  const ended = ran.map((reply) => BigInt(reply.ended)).reduce((a, b) => (a > b ? a : b));
  const waits = ran.flatMap((reply) => reply.waits);
  const requests = ran.reduce((sum, reply) => sum + reply.requests, 0);
  return {
    acquisitionsPerSecond: acquisitions / (Number(ended - started) / 1e9),
    waitP50: quantile(waits, 0.5),
    waitP99: quantile(waits, 0.99),
    requestsPerAcquisition: (requests - acquisitions) / Math.max(1, acquisitions),
    maxOverMin: Math.max(...perProcess) / Math.min(...perProcess),
    cutByDeadline: ran.some((reply) => reply.gaveUp) ? 1 : 0,
  };
}

const METRICS: readonly {
  readonly field: keyof Measurement;
  readonly metric: string;
  readonly better: 'lower' | 'higher';
  readonly goal?: { readonly text: string; readonly test: (r: Result) => boolean };
}[] = [
  { field: 'acquisitionsPerSecond', metric: 'acquisitions/s', better: 'higher' },
  { field: 'waitP50', metric: 'wait p50 (ms)', better: 'lower' },
  { field: 'waitP99', metric: 'wait p99 (ms)', better: 'lower' },
  { field: 'requestsPerAcquisition', metric: 'requests per acquisition', better: 'lower' },
  {
    field: 'maxOverMin',
    metric: 'max/min acquisitions per process',
    better: 'lower',
    goal: { text: 'rx-sync ≤ 1.5', test: (r) => r.subject_value <= 1.5 },
  },
  { field: 'cutByDeadline', metric: 'measurements cut by the deadline', better: 'lower' },
];

/** Scenario 2b on one topology, with the pool already started. */
async function onTopology(
  settings: BenchSettings,
  pool: Pool,
  topology: Topology,
  addresses: readonly { readonly host: string; readonly port: number }[],
  scenario: string,
): Promise<Row[]> {
  const prefixes = Object.fromEntries(
    SUBJECTS.map((subject) => [subject, randomPrefix(subject.replace(/\W/g, ''))]),
  ) as Record<Subject, string>;
  await pool.send({ kind: 'open', topology, addresses, prefixes });
  const target = settings.quick ? 200 : 1_000;
  const deadline = settings.quick ? 20_000 : 60_000;
  let results: Map<Subject, Measurement[]>;
  try {
    results = await alternate<Subject, Measurement>(SUBJECTS, settings.repetitions, (subject, warmUp) =>
      measure(pool, subject, warmUp ? 40 : target, warmUp ? deadline / 2 : deadline),
    );
  } finally {
    await pool.send({ kind: 'close' });
  }
  const summary = (subject: Subject, field: keyof Measurement): number => {
    const values = results.get(subject)!.map((measured) => measured[field]);
    return field === 'cutByDeadline' ? values.reduce((sum, value) => sum + value, 0) : median(values);
  };
  const rows: Row[] = [];
  for (const { field, metric, better, goal } of METRICS) {
    for (const peer of SUBJECTS.slice(1)) {
      rows.push(
        row(
          {
            scenario,
            subject: 'rx-sync',
            baseline: peer,
            metric,
            subject_value: summary('rx-sync', field),
            baseline_value: summary(peer, field),
            better,
          },
          peer === SUBJECTS[1] ? goal : undefined,
        ),
      );
    }
  }
  return rows;
}

export async function contendedProcesses(settings: BenchSettings, targets: RedisTargets): Promise<Row[]> {
  const pool = await startPool(PROCESSES);
  try {
    const rows = [
      ...(await onTopology(settings, pool, 'single', [targets.single], '2b contended lock, 20 processes, 1 Redis')),
      ...(await onTopology(
        settings,
        pool,
        'quorum',
        [targets.single, ...targets.quorum],
        '2b contended lock, 20 processes, quorum of 3',
      )),
    ];
    const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
    try {
      rows.push(
        ...(await onTopology(
          settings,
          pool,
          'cluster',
          cluster.startupNodes,
          '2b contended lock, 20 processes, Cluster of 3 masters',
        )),
      );
    } finally {
      await cluster.stop();
    }
    return rows;
  } finally {
    await pool.stop();
  }
}
