import { firstValueFrom, from, map, race, timer } from 'rxjs';
import { randomName } from '../../support/testKit.js';
import { line, startWorker, type Worker } from './childProcesses.js';

/**
 * The lock fairness scenario, shared by the topologies that run it (lockFairness.spec.ts here, and
 * in test/topology for a Cluster): {@link PROCESSES} Node processes (fixtures/lockLoopWorker.ts)
 * loop on one lock key with no pause between a release and the next acquisition, until the server
 * has recorded {@link TARGET} acquisitions. Fair means the busiest process acquired at most
 * {@link MAX_OVER_MIN} times as often as the least busy one. The run ends on that count, not on a
 * timer; its deadlines only keep a hung run from hanging the suite.
 */

/** Processes contending for the lock. */
export const PROCESSES = 5;
/** Acquisitions recorded on the server after which every process stops (at its next acquisition). */
export const TARGET = 500;
/** The most the busiest process may acquire, as a multiple of the least busy one. */
export const MAX_OVER_MIN = 1.5;
/** Long enough for every process to start on a loaded 2-core machine, and for the run itself. */
export const RUN_TIMEOUT = 120_000;

/** Where the processes contend, as lockLoopWorker.ts takes it. */
export interface FairnessTopology {
  readonly topology: 'single' | 'quorum' | 'cluster';
  /** The server; the store server then the quorum masters; or the Cluster's startup nodes. */
  readonly addresses: readonly { readonly host: string; readonly port: number }[];
  readonly prefix: string;
  /** Reads a list of the store (`LRANGE list 0 -1`). */
  readonly read: (list: string) => Promise<string[]>;
}

/** What a run saw. */
export interface FairnessOutcome {
  /** `worker <i> exited <code>:` and its output, for every process that did not exit 0. */
  readonly failures: readonly string[];
  /** The processes that reported a `LockTimeoutError` (exit code 3, or its name in their output). */
  readonly timedOut: readonly number[];
  /** Acquisitions recorded on the server, every process's, the tail after {@link TARGET} included. */
  readonly total: number;
  /** Acquisitions of each process, by index, as recorded on the server. */
  readonly perProcess: readonly number[];
  /** The busiest process's acquisitions over the least busy one's (`Infinity` when one had none). */
  readonly maxOverMin: number;
  /** The longest run of consecutive acquisitions by one process. */
  readonly longestRunOfOneProcess: number;
}

/** Runs the scenario on `topology` and gathers what the server recorded. */
export async function runLockFairness({
  topology,
  addresses,
  prefix,
  read,
}: FairnessTopology): Promise<FairnessOutcome> {
  const list = `${prefix}:{fairness}:acquisitions`;
  const where = addresses.map(({ host, port }) => `${host}:${port}`).join(',');
  const key = randomName('shared');
  const workers = Array.from({ length: PROCESSES }, (_, index) =>
    startWorker('lockLoopWorker.ts', [topology, where, prefix, key, list, String(TARGET), String(index)]),
  );
  // Every process loops from the same moment: none gets a head start from starting up first.
  await Promise.all(workers.map((worker) => line(worker, /^ready$/m, RUN_TIMEOUT / 2)));
  for (const worker of workers) worker.send('go');
  const codes = await Promise.all(workers.map((worker) => exitCode(worker, RUN_TIMEOUT / 2)));
  const failures = workers.flatMap((worker, index) =>
    codes[index] === 0 ? [] : [`worker ${index} exited ${String(codes[index])}:\n${worker.output()}`],
  );
  const timedOut = workers.flatMap((worker, index) =>
    codes[index] === 3 || worker.output().includes('LockTimeoutError') ? [index] : [],
  );

  const entries = await read(list);
  const perProcess = workers.map((_, index) => entries.filter((entry) => entry === String(index)).length);
  let longest = 0;
  for (let index = 0, run = 0; index < entries.length; index++) {
    run = index > 0 && entries[index] === entries[index - 1] ? run + 1 : 1;
    longest = Math.max(longest, run);
  }
  return {
    failures,
    timedOut,
    total: entries.length,
    perProcess,
    maxOverMin: Math.max(...perProcess) / Math.min(...perProcess),
    longestRunOfOneProcess: longest,
  };
}

/**
 * Asserts that every process exited 0 without a `LockTimeoutError`, that the run stopped at its
 * target, and that the lock was shared fairly. The fairness check compares whole objects so that a
 * failure shows every process's count, not only the ratio.
 */
export function expectFair(outcome: FairnessOutcome): void {
  expect(outcome.failures).toEqual([]);
  expect(outcome.timedOut).toEqual([]);
  // Each process checks the count after its own acquisitions: the others acquire once more at most.
  expect(outcome.total).toBeGreaterThanOrEqual(TARGET);
  expect(outcome.total).toBeLessThan(TARGET + PROCESSES);
  const { perProcess, maxOverMin, longestRunOfOneProcess } = outcome;
  const seen = {
    perProcess: perProcess.join(' '),
    maxOverMin: Math.round(maxOverMin * 100) / 100,
    longestRunOfOneProcess,
  };
  expect({ ...seen, fair: maxOverMin <= MAX_OVER_MIN }).toEqual({ ...seen, fair: true });
}

function exitCode(worker: Worker, within: number): Promise<number | string> {
  return firstValueFrom(race(from(worker.exited), timer(within).pipe(map(() => `no exit within ${within} ms`))));
}
