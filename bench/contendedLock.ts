/**
 * Scenario 2: the contended lock. 20 workers each want one key once per round: a round starts
 * them all at once and ends when each has acquired and released it once. Figures: acquisitions
 * per second, the wait of each worker (asked → acquired) at p50 and p99, the handoff (a holder
 * starts its release → the next holder has the lock) and the Redis requests per acquisition,
 * counted at the client (see `requests` in harness.ts). The peers poll every 10 ms (± 5 ms);
 * rx-sync keeps its defaults and is woken by the release. Each worker is a node of its own (its
 * own connection, and for rx-sync its own backend), as 20 processes would be; rx-sync is also
 * run with the 20 workers sharing one backend, as 20 requests of one process would.
 * Goals: acquisitions/s at least 5× the best peer's, p99 wait ≤ 10 ms.
 */
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';
import {
  alternate,
  connect,
  elapsedMs,
  median,
  now,
  quantile,
  randomPrefix,
  requests,
  row,
  type BenchSettings,
  type RedisTargets,
  type Result,
  type Row,
} from './harness.js';
import {
  floorLocker,
  redisSemaphoreLocker,
  redlockLocker,
  rxSyncLocker,
  sesameRedlockLocker,
  type Locker,
} from './lockers.js';

const WORKERS = 20;

interface Measurement {
  readonly acquisitionsPerSecond: number;
  readonly waitP50: number;
  readonly waitP99: number;
  readonly handoffP50: number;
  readonly handoffP99: number;
  readonly requestsPerAcquisition: number;
}

/** Runs `rounds` rounds of `lockers` (one per worker) wanting the key `key` once each. */
async function measureRounds(lockers: readonly Locker[], rounds: number): Promise<Measurement> {
  const waits: number[] = [];
  const handoffs: number[] = [];
  let busy = 0;
  let acquisitions = 0;
  const requestsBefore = requests.count();
  for (let round = 0; round < rounds; round++) {
    let releasing: bigint | undefined;
    const started = now();
    await Promise.all(
      lockers.map(async (locker) => {
        const asked = now();
        const release = await locker.acquire('contended');
        const acquired = now();
        waits.push(elapsedMs(asked, acquired));
        if (releasing !== undefined) handoffs.push(elapsedMs(releasing, acquired));
        acquisitions++;
        releasing = now();
        await release();
      }),
    );
    busy += elapsedMs(started);
  }
  return {
    acquisitionsPerSecond: acquisitions / (busy / 1000),
    waitP50: quantile(waits, 0.5),
    waitP99: quantile(waits, 0.99),
    handoffP50: quantile(handoffs, 0.5),
    handoffP99: quantile(handoffs, 0.99),
    requestsPerAcquisition: (requests.count() - requestsBefore) / acquisitions,
  };
}

export async function contendedLock(settings: BenchSettings, targets: RedisTargets): Promise<Row[]> {
  const scenario = '2 contended lock, 20 workers, 1 Redis';
  const workers = <T>(make: (worker: number) => T): T[] => Array.from({ length: WORKERS }, (_, i) => make(i));
  const prefixes = {
    nodes: randomPrefix('contended'),
    shared: randomPrefix('contended-shared'),
    floor: randomPrefix('floor'),
    redlock: randomPrefix('redlock'),
    sesame: randomPrefix('sesame'),
    semaphore: randomPrefix('semaphore'),
  };
  const backends: RedisBackend[] = workers(() =>
    createRedisBackend({ client: connect(targets.single), prefix: prefixes.nodes }),
  );
  const shared = createRedisBackend({ client: connect(targets.single), prefix: prefixes.shared });
  // Releases are not awaited here (no PING after them): the next holder's acquisition is the figure.
  const lockers = {
    'rx-sync': backends.map((backend) => rxSyncLocker(backend, [])),
    'rx-sync, one shared backend': workers(() => rxSyncLocker(shared, [])),
    'ioredis floor': workers(() => floorLocker(connect(targets.single), prefixes.floor)),
    redlock: workers(() => redlockLocker([connect(targets.single)], prefixes.redlock)),
    '@sesamecare-oss/redlock': workers(() => sesameRedlockLocker([connect(targets.single)], prefixes.sesame)),
    'redis-semaphore': workers(() => redisSemaphoreLocker([connect(targets.single)], prefixes.semaphore)),
  };
  type Subject = keyof typeof lockers;
  const subjects = Object.keys(lockers) as Subject[];
  const rounds = settings.quick ? 5 : 50;

  const results = await alternate<Subject, Measurement>(subjects, settings.repetitions, (subject, warmUp) =>
    measureRounds(lockers[subject], warmUp ? 3 : rounds),
  );
  await Promise.all([...backends, shared].map((backend) => backend.close()));

  const summary = (subject: Subject): Measurement => {
    const measured = results.get(subject)!;
    const of = (field: keyof Measurement): number => median(measured.map((m) => m[field]));
    return {
      acquisitionsPerSecond: of('acquisitionsPerSecond'),
      waitP50: of('waitP50'),
      waitP99: of('waitP99'),
      handoffP50: of('handoffP50'),
      handoffP99: of('handoffP99'),
      requestsPerAcquisition: of('requestsPerAcquisition'),
    };
  };
  const peers = subjects.filter((subject) => !subject.startsWith('rx-sync'));
  const bestPeer = peers.reduce((best, peer) =>
    summary(peer).acquisitionsPerSecond > summary(best).acquisitionsPerSecond ? peer : best,
  );
  const metrics: readonly {
    readonly field: keyof Measurement;
    readonly metric: string;
    readonly better: 'lower' | 'higher';
    readonly goal?: { readonly text: string; readonly test: (r: Result) => boolean };
  }[] = [
    {
      field: 'acquisitionsPerSecond',
      metric: 'acquisitions/s',
      better: 'higher',
      goal: { text: 'ratio ≥ 5 (best peer)', test: (r) => (r.ratio ?? 0) >= 5 },
    },
    { field: 'waitP50', metric: 'wait p50 (ms)', better: 'lower' },
    {
      field: 'waitP99',
      metric: 'wait p99 (ms)',
      better: 'lower',
      goal: { text: 'rx-sync ≤ 10 ms', test: (r) => r.subject_value <= 10 },
    },
    { field: 'handoffP50', metric: 'handoff p50 (ms)', better: 'lower' },
    { field: 'handoffP99', metric: 'handoff p99 (ms)', better: 'lower' },
    { field: 'requestsPerAcquisition', metric: 'requests per acquisition', better: 'lower' },
  ];
  // rx-sync (a node per worker) against every peer; the shared backend against the best peer only.
  const pairs = [
    ...peers.map((peer) => ['rx-sync', peer] as const),
    ['rx-sync, one shared backend', bestPeer] as const,
  ];
  const rows: Row[] = [];
  for (const { field, metric, better, goal } of metrics) {
    for (const [subject, peer] of pairs) {
      const best = peer === bestPeer;
      rows.push(
        row(
          {
            scenario,
            subject,
            baseline: peer,
            metric,
            subject_value: summary(subject)[field],
            baseline_value: summary(peer)[field],
            better,
          },
          best ? goal : undefined,
        ),
      );
    }
  }
  return rows;
}
