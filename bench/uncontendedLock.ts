/**
 * Scenario 1: the uncontended lock cycle (acquire, then release), on one Redis and on a quorum of
 * three. Sequential: one cycle at a time on one key, latency per cycle. Concurrent: 50 workers on
 * distinct keys for a fixed time, cycles per second. Goals: sequential p50 within 1.10× of the raw
 * floor, concurrent cycles/s at least 0.9× the floor's.
 */
import type { Redis } from 'ioredis';
import { createRedisBackend } from 'rx-sync/redis';
import {
  alternate,
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
import {
  floorLocker,
  floorQuorumLocker,
  redisSemaphoreLocker,
  redlockLocker,
  rxSyncLocker,
  sesameRedlockLocker,
  type Locker,
} from './lockers.js';

const WORKERS = 50;

interface Measurement {
  readonly sequential: Latency;
  readonly cyclesPerSecond: number;
}

/** Latency of `cycles` sequential acquire + release cycles on one key. */
async function sequential(locker: Locker, cycles: number): Promise<Latency> {
  const samples: number[] = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    const started = now();
    const release = await locker.acquire('sequential');
    await release();
    samples.push(elapsedMs(started));
  }
  return latency(samples);
}

/** Cycles per second of `WORKERS` workers, each cycling on its own key for `duration` ms. */
async function concurrent(locker: Locker, duration: number): Promise<number> {
  const started = now();
  const deadline = started + BigInt(duration) * 1_000_000n;
  let cycles = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, worker) => {
      while (now() < deadline) {
        const release = await locker.acquire(`worker-${worker}`);
        await release();
        cycles++;
      }
    }),
  );
  return cycles / (elapsedMs(started) / 1000);
}

/** Runs scenario 1 on one topology: `servers` is one server, or three for the quorum. */
export async function uncontendedLock(
  settings: BenchSettings,
  targets: RedisTargets,
  topology: 'single' | 'quorum',
): Promise<Row[]> {
  const servers = topology === 'single' ? [targets.single] : targets.quorum;
  const scenario = topology === 'single' ? '1 uncontended lock, 1 Redis' : '1 uncontended lock, quorum of 3';
  // Each subject gets connections of its own, so that none queues behind another's requests.
  const clients = (): Redis[] => servers.map((server) => connect(server));
  const rxClients = clients();
  const backend = createRedisBackend({
    client: topology === 'single' ? rxClients[0]! : connect(targets.single),
    prefix: randomPrefix('uncontended'),
    ...(topology === 'quorum' && { quorum: rxClients }),
  });
  const lockers = {
    'rx-sync': rxSyncLocker(backend, rxClients),
    'ioredis floor':
      topology === 'single'
        ? floorLocker(clients()[0]!, randomPrefix('floor'))
        : floorQuorumLocker(clients(), randomPrefix('floor')),
    redlock: redlockLocker(clients(), randomPrefix('redlock')),
    '@sesamecare-oss/redlock': sesameRedlockLocker(clients(), randomPrefix('sesame')),
    'redis-semaphore': redisSemaphoreLocker(clients(), randomPrefix('semaphore')),
  };
  type Subject = keyof typeof lockers;
  const subjects = Object.keys(lockers) as Subject[];
  const cycles = (settings.quick ? 300 : 2_000) / servers.length;
  const duration = settings.quick ? 400 : 2_000;

  const results = await alternate<Subject, Measurement>(subjects, settings.repetitions, async (subject, warmUp) => {
    const locker = lockers[subject];
    if (warmUp) {
      await sequential(locker, 100);
      await concurrent(locker, 200);
      return { sequential: { p50: 0, p99: 0 }, cyclesPerSecond: 0 };
    }
    return { sequential: await sequential(locker, cycles), cyclesPerSecond: await concurrent(locker, duration) };
  });
  await backend.close();

  const ours = summarise(results.get('rx-sync')!);
  return subjects
    .filter((subject) => subject !== 'rx-sync')
    .flatMap((peer) => {
      const theirs = summarise(results.get(peer)!);
      const floor = peer === 'ioredis floor';
      const base = { scenario, subject: 'rx-sync', baseline: peer };
      return [
        row(
          {
            ...base,
            metric: 'sequential cycle p50 (ms)',
            subject_value: ours.p50,
            baseline_value: theirs.p50,
            better: 'lower',
          },
          floor ? { text: 'ratio ≤ 1.10', test: (r) => (r.ratio ?? Infinity) <= 1.1 } : undefined,
        ),
        row({
          ...base,
          metric: 'sequential cycle p99 (ms)',
          subject_value: ours.p99,
          baseline_value: theirs.p99,
          better: 'lower',
        }),
        row(
          {
            ...base,
            metric: `cycles/s, ${WORKERS} workers on distinct keys`,
            subject_value: ours.cyclesPerSecond,
            baseline_value: theirs.cyclesPerSecond,
            better: 'higher',
          },
          floor ? { text: 'ratio ≥ 0.90', test: (r) => (r.ratio ?? 0) >= 0.9 } : undefined,
        ),
      ];
    });
}

function summarise(measurements: readonly Measurement[]): Latency & { cyclesPerSecond: number } {
  return {
    ...medianLatency(measurements.map((m) => m.sequential)),
    cyclesPerSecond: median(measurements.map((m) => m.cyclesPerSecond)),
  };
}
