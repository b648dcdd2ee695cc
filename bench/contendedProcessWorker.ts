/**
 * One of the 20 worker processes of the contended-processes scenario (contendedProcesses.ts), run
 * with `node --import tsx` and `TSX_TSCONFIG_PATH=bench/tsconfig.run.json` (rx-sync from dist/), driven over the IPC channel:
 *
 * - `open`: connects to one topology and makes one locker per subject, each with connections (and
 *   for rx-sync a backend) of its own, as a process of its own would; answers `opened`.
 * - `run`: loops `acquire → INCR <counter> → release` on one key with no pause, until the INCR
 *   that it made inside the lock returns `target` or more, or `deadline` ms have passed (then it
 *   stops even while waiting); answers `ran` with its samples.
 * - `close`: closes every connection of the topology; answers `closed`.
 *
 * It says `started` once loaded, and exits when its parent disconnects.
 */
import { Cluster, type Redis } from 'ioredis';
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';
import { closeClients, connect, elapsedMs, now, requests } from './harness.js';
import {
  floorLocker,
  floorQuorumLocker,
  redisSemaphoreLocker,
  redlockLocker,
  rxSyncLocker,
  sesameRedlockLocker,
  type Locker,
} from './lockers.js';

/** The subjects: rx-sync and the peers of lockers.ts. */
export type Subject = 'rx-sync' | 'ioredis floor' | 'redlock' | '@sesamecare-oss/redlock' | 'redis-semaphore';

export type Topology = 'single' | 'quorum' | 'cluster';

type Address = { readonly host: string; readonly port: number };

/** Messages from the scenario to a worker. */
export type WorkerCommand =
  | {
      readonly kind: 'open';
      readonly topology: Topology;
      /** The server; the store server then the 3 masters; or the Cluster's startup nodes. */
      readonly addresses: readonly Address[];
      /** A key prefix per subject, the same in every worker. */
      readonly prefixes: Readonly<Record<Subject, string>>;
    }
  | {
      readonly kind: 'run';
      readonly subject: Subject;
      readonly key: string;
      readonly counter: string;
      readonly target: number;
      /** ms after which the worker stops, waiting or not (a livelocked lock must not hang the run). */
      readonly deadline: number;
    }
  | { readonly kind: 'close' };

/** Messages from a worker to the scenario. */
export type WorkerReply =
  | { readonly kind: 'started' }
  | { readonly kind: 'opened' }
  | {
      readonly kind: 'ran';
      readonly acquisitions: number;
      /** asked → acquired of each acquisition, in ms; asked → deadline for a wait cut by the deadline. */
      readonly waits: readonly number[];
      /** Monotonic time (ns, as text) at which it started and ended its loop (the clock every process shares). */
      readonly started: string;
      readonly ended: string;
      /** Whether the deadline stopped it while it waited. */
      readonly gaveUp: boolean;
      /** Requests this process sent to Redis during the run, its INCRs included. */
      readonly requests: number;
    }
  | { readonly kind: 'closed' }
  | { readonly kind: 'failed'; readonly error: string };

interface Opened {
  readonly lockers: Readonly<Record<Subject, Locker>>;
  /** Where the INCR of the work goes. */
  readonly work: Redis | Cluster;
  readonly backend: RedisBackend;
  readonly clusters: readonly Cluster[];
}

let opened: Opened | undefined;

function open({ topology, addresses, prefixes }: Extract<WorkerCommand, { kind: 'open' }>): Opened {
  if (topology === 'cluster') {
    const clusters: Cluster[] = [];
    const cluster = (): Cluster => {
      const made = new Cluster([...addresses]);
      made.on('error', () => undefined);
      clusters.push(made);
      return made;
    };
    const backend = createRedisBackend({ client: cluster(), prefix: prefixes['rx-sync'] });
    return {
      lockers: {
        'rx-sync': rxSyncLocker(backend, [], { acquireTimeout: 60_000 }),
        'ioredis floor': floorLocker(cluster(), prefixes['ioredis floor']),
        redlock: redlockLocker([cluster()], prefixes.redlock),
        '@sesamecare-oss/redlock': sesameRedlockLocker([cluster()], prefixes['@sesamecare-oss/redlock']),
        'redis-semaphore': redisSemaphoreLocker([cluster()], prefixes['redis-semaphore']),
      },
      work: cluster(),
      backend,
      clusters,
    };
  }
  const store = addresses[0]!;
  const masters = topology === 'single' ? [store] : addresses.slice(1);
  const clients = (): Redis[] => masters.map((master) => connect(master));
  const rxClients = clients();
  const backend = createRedisBackend({
    client: topology === 'single' ? rxClients[0]! : connect(store),
    prefix: prefixes['rx-sync'],
    ...(topology === 'quorum' && { quorum: rxClients }),
  });
  return {
    lockers: {
      'rx-sync': rxSyncLocker(backend, [], { acquireTimeout: 60_000 }),
      'ioredis floor':
        topology === 'single'
          ? floorLocker(clients()[0]!, prefixes['ioredis floor'])
          : floorQuorumLocker(clients(), prefixes['ioredis floor']),
      redlock: redlockLocker(clients(), prefixes.redlock),
      '@sesamecare-oss/redlock': sesameRedlockLocker(clients(), prefixes['@sesamecare-oss/redlock']),
      'redis-semaphore': redisSemaphoreLocker(clients(), prefixes['redis-semaphore']),
    },
    work: connect(store),
    backend,
    clusters: [],
  };
}

async function run(
  { lockers, work }: Opened,
  { subject, key, counter, target, deadline }: Extract<WorkerCommand, { kind: 'run' }>,
): Promise<WorkerReply> {
  const locker = lockers[subject];
  const waits: number[] = [];
  let acquisitions = 0;
  let gaveUp = false;
  const started = now();
  const requestsBefore = requests.count();
  for (;;) {
    const asked = now();
    const acquiring = locker.acquire(key);
    const release = await within(acquiring, deadline - elapsedMs(started));
    waits.push(elapsedMs(asked));
    if (release === undefined) {
      gaveUp = true;
      // A grant that comes after the deadline is given back at once; a late failure is expected.
      acquiring.then(
        (late) => void late().catch(() => undefined),
        () => undefined,
      );
      break;
    }
    acquisitions++;
    const total = await work.incr(counter);
    await release();
    if (total >= target || elapsedMs(started) >= deadline) break;
  }
  return {
    kind: 'ran',
    acquisitions,
    waits,
    started: String(started),
    ended: String(now()),
    gaveUp,
    requests: requests.count() - requestsBefore,
  };
}

/** `promise`'s value, or `undefined` when it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms))));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

async function close(): Promise<void> {
  const closing = opened;
  opened = undefined;
  if (!closing) return;
  await closing.backend.close();
  await Promise.all(closing.clusters.map((cluster) => cluster.quit().catch(() => cluster.disconnect())));
  await closeClients();
}

async function handle(command: WorkerCommand): Promise<WorkerReply> {
  switch (command.kind) {
    case 'open':
      await close();
      opened = open(command);
      return { kind: 'opened' };
    case 'run':
      if (!opened) throw new Error('run before open');
      return run(opened, command);
    case 'close':
      await close();
      return { kind: 'closed' };
  }
}

process.on('message', (command: WorkerCommand) => {
  handle(command).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ kind: 'failed', error: String(error instanceof Error ? error.stack : error) }),
  );
});
process.on('disconnect', () => {
  void close().finally(() => process.exit(0));
});
process.send?.({ kind: 'started' } satisfies WorkerReply);
