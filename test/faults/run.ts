/**
 * The fault suite's runner: `npm run test:faults` (CI mode, a few minutes) or
 * `npm run test:faults -- --long` (full counts). For each fault it starts a fresh environment
 * (a coordination redis-server, a resource redis-server, worker processes behind TCP proxies),
 * injects the fault again and again while the workers use every primitive, heals, lets things
 * settle, and judges each primitive at the resource. Prints a table, writes faults-report.json,
 * and exits with 1 when any violation count is not zero.
 *
 * Options: --long; --faults a,b (names, see faults/index.ts); --primitives lock,task;
 * --report <path> (default faults-report.json); --lease <ms> (default 1000); --print <report.json>
 * prints an earlier report's table and exits.
 */
import { readFileSync } from 'node:fs';
import { lastValueFrom, retry, timer } from 'rxjs';
import { task, type Item, type TaskInfo } from '../../src/index.js';
import { assertRedisServerInstalled } from '../support/redisServer.js';
import type { Checker, Injection, RunData } from './checkers/checker.js';
import { checkLeadership } from './checkers/leadershipChecker.js';
import { checkLock } from './checkers/lockChecker.js';
import { checkStore } from './checkers/storeChecker.js';
import { checkTask } from './checkers/taskChecker.js';
import { FAULTS, type Fault } from './faults/index.js';
import { hold } from './faults/fault.js';
import { Environment } from './support/environment.js';
import { table, totalViolations, writeReport, type ReportRow } from './support/report.js';
import { NAMES, PRIMITIVES, type Primitive, type WorkerLine } from './support/scenario.js';
import { TaskSubmitter } from './support/submitter.js';
import type { WorkerProcess } from './support/workerProcess.js';

/** How much of everything a mode does. */
interface Mode {
  readonly name: 'ci' | 'long';
  /** Injections per fault, at least (taking turns over the primitives' focus). */
  readonly injections: number;
  /** Keep injecting until this many lock critical sections were written (at the resource). */
  readonly lockSections: number;
  /** … and this many tasks were accepted. */
  readonly tasks: number;
  /** Tasks submitted per second. */
  readonly taskRate: number;
  /** Give up injecting after this long (the report then shows the counts reached). */
  readonly maxInjectingTime: number;
}

const MODES: Record<Mode['name'], Mode> = {
  ci: { name: 'ci', injections: 4, lockSections: 0, tasks: 0, taskRate: 15, maxInjectingTime: 60_000 },
  long: {
    name: 'long',
    injections: 12,
    lockSections: 10_000,
    tasks: 1_500,
    taskRate: 25,
    maxInjectingTime: 20 * 60_000,
  },
};

const CHECKERS: Record<Primitive, Checker> = {
  lock: checkLock,
  leadership: checkLeadership,
  store: checkStore,
  task: checkTask,
};

const WORKERS = 3;
const CONTENDERS = 2;

interface Arguments {
  readonly mode: Mode;
  readonly faults: readonly Fault[];
  readonly primitives: readonly Primitive[];
  readonly report: string;
  readonly leaseDuration: number;
}

function parseArguments(argv: readonly string[]): Arguments {
  const value = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index === -1 ? undefined : argv[index + 1];
  };
  const list = (flag: string): string[] | undefined =>
    value(flag)
      ?.split(',')
      .filter((name) => name !== '');
  const faultNames = list('--faults');
  const unknownFault = faultNames?.find((name) => !FAULTS.some((fault) => fault.name === name));
  if (unknownFault) throw new Error(`unknown fault ${unknownFault}; faults: ${FAULTS.map((f) => f.name).join(', ')}`);
  const primitives = (list('--primitives') ?? [...PRIMITIVES]) as Primitive[];
  const unknownPrimitive = primitives.find((name) => !PRIMITIVES.includes(name));
  if (unknownPrimitive) throw new Error(`unknown primitive ${unknownPrimitive}; primitives: ${PRIMITIVES.join(', ')}`);
  return {
    mode: MODES[argv.includes('--long') ? 'long' : 'ci'],
    faults: faultNames ? FAULTS.filter((fault) => faultNames.includes(fault.name)) : FAULTS,
    primitives: PRIMITIVES.filter((primitive) => primitives.includes(primitive)),
    report: value('--report') ?? 'faults-report.json',
    leaseDuration: Number(value('--lease') ?? 1_000),
  };
}

function log(text: string): void {
  process.stdout.write(`${text}\n`);
}

function pick<T>(items: readonly T[]): T | undefined {
  return items[Math.floor(Math.random() * items.length)];
}

/** The worker to hit when focusing on `focus`: the lock holder, the leader, or any worker. */
async function target(environment: Environment, focus: Primitive): Promise<WorkerProcess> {
  const holder =
    focus === 'lock'
      ? await environment.holder('lock')
      : focus === 'leadership'
        ? await environment.holder('leader')
        : focus === 'task'
          ? pick(await environment.runningTasks())
          : undefined;
  return holder ?? pick(environment.workers)!;
}

/** Writes the probe key and resolves with the ms from `healedAt` until every worker's watcher saw it. */
async function probe(environment: Environment, round: number, healedAt: number): Promise<number | undefined> {
  const value = `probe-${round}`;
  const isProbe = (line: WorkerLine): line is Extract<WorkerLine, { type: 'probe' }> =>
    line.type === 'probe' && line.value === value;
  const within = 15 * environment.leaseDuration;
  const seen = Promise.all(environment.workers.map((worker) => worker.next(isProbe, within, `probe ${value}`)));
  seen.catch(() => undefined);
  await lastValueFrom(
    environment.backend.put(NAMES.probe, value).pipe(retry({ count: 20, delay: () => timer(100) })),
  ).catch(() => undefined);
  try {
    const lines = await seen;
    return Math.max(...lines.map((line) => line.at)) - healedAt;
  } catch {
    return undefined;
  }
}

async function readAll<T>(ids: readonly string[], read: (id: string) => Promise<T>): Promise<Map<string, T>> {
  const results = new Map<string, T>();
  for (let start = 0; start < ids.length; start += 100) {
    const batch = ids.slice(start, start + 100);
    const values = await Promise.all(batch.map(read));
    batch.forEach((id, index) => results.set(id, values[index]!));
  }
  return results;
}

/** The environment of the fault being run, killed if the runner is interrupted. */
let current: Environment | undefined;

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    log(`\n${signal}: killing the worker processes and redis-servers`);
    void (current?.kill() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

async function runFault(fault: Fault, settings: Arguments): Promise<ReportRow[]> {
  const { mode, primitives, leaseDuration } = settings;
  const environment = await Environment.start({
    redisArgs: fault.redisArgs ?? [],
    workers: WORKERS,
    contenders: CONTENDERS,
    leaseDuration,
    primitives,
  });
  current = environment;
  const crashes: string[] = [];
  for (const worker of environment.workers) {
    void worker.exited.then((code) => {
      if (!stopping) crashes.push(`${worker.id} exited (${code}):\n${worker.errorOutput}`);
    });
  }
  let stopping = false;
  const submitter = primitives.includes('task') ? new TaskSubmitter(environment.backend) : undefined;
  try {
    submitter?.start(mode.taskRate);
    await hold(leaseDuration);
    const injections: Injection[] = [];
    const probes: number[] = [];
    let unseenProbes = 0;
    const began = Date.now();
    const targetsMet = async (): Promise<boolean> =>
      Number(await environment.resource.value('lock', 'lock')) >=
        (primitives.includes('lock') ? mode.lockSections : 0) && (submitter?.accepted.length ?? Infinity) >= mode.tasks;
    for (let round = 0; round < mode.injections || !(await targetsMet()); round++) {
      if (Date.now() - began > mode.maxInjectingTime) {
        log(`  ${fault.name}: stopped injecting after ${mode.maxInjectingTime} ms, before the target counts`);
        break;
      }
      if (crashes.length > 0) break;
      const focus = primitives[round % primitives.length]!;
      const hit = await target(environment, focus);
      let note = '';
      const start = Date.now();
      // A worker fault takes turns per focus (so that each primitive meets its worst case first).
      const turn = fault.scope === 'worker' ? Math.floor(round / primitives.length) : round;
      await fault.inject({ environment, focus, target: hit, round: turn, note: (text) => (note = text) });
      const end = Date.now();
      environment.healAll();
      injections.push({ focus, target: fault.scope === 'worker' ? hit.id : undefined, start, end, note });
      let probeText = '';
      if (primitives.includes('store')) {
        const seen = await probe(environment, round, end);
        if (seen === undefined) unseenProbes++;
        else probes.push(seen);
        probeText = seen === undefined ? ', probe not seen' : `, watchers saw a write ${seen} ms after`;
      }
      const sections = await environment.resource.value('lock', 'lock');
      log(
        `  ${fault.name} #${round + 1} (${focus}): ${note} for ${end - start} ms${probeText}; ` +
          `${sections} lock sections, ${submitter?.accepted.length ?? 0} tasks so far`,
      );
      await hold(leaseDuration * (0.5 + Math.random()));
    }

    // Drain: no new acquisitions, campaigns, writes or tasks; let the accepted tasks finish and
    // the watchers settle, then collect.
    submitter?.stop();
    for (const worker of environment.workers) worker.send({ type: 'drain' });
    const quiet = hold(1.5 * leaseDuration + 2_000);
    const settleBy = Date.now() + 30 * leaseDuration;
    while (submitter && submitter.pending > 0 && Date.now() < settleBy) await hold(100);
    await quiet;
    const reports = await Promise.all(environment.workers.map((worker) => worker.report(20_000)));
    const items = await lastValueFrom(
      environment.backend.list(NAMES.store).pipe(retry({ count: 10, delay: () => timer(200) })),
    );
    const accepted = submitter?.accepted ?? [];
    const records = await readAll<TaskInfo | undefined>(
      accepted.map((accepted) => accepted.id),
      (id) => lastValueFrom(task(environment.backend, id).pipe(retry({ count: 5, delay: () => timer(200) }))),
    );
    const data: RunData = {
      fault,
      leaseDuration,
      injections,
      reports,
      grants: environment.monitor.grants,
      leaseSamples: environment.sampler.samples,
      logs: {
        lock: await environment.resource.read('lock'),
        leader: await environment.resource.read('leader'),
        task: await environment.resource.read('task'),
      },
      store: new Map(items.map((item: Item) => [item.key, item])),
      probes,
      tasks: { accepted, records, refused: submitter?.refused ?? {} },
    };
    if (crashes.length > 0) throw new Error(crashes.join('\n'));
    return primitives.map((primitive): ReportRow => {
      const reason = fault.notJudged?.[primitive];
      const row = CHECKERS[primitive](data);
      const observed =
        primitive === 'store' && unseenProbes > 0 ? { ...row.observed, 'probes not seen': unseenProbes } : row.observed;
      return reason ? { ...row, violations: {}, observed, skipped: reason } : { ...row, observed };
    });
  } finally {
    stopping = true;
    submitter?.close();
    await environment.stop();
    current = undefined;
  }
}

async function main(): Promise<number> {
  const print = process.argv.indexOf('--print');
  if (print !== -1) {
    // Prints the table of an earlier report (for FAULTS.md) without running anything.
    const rows = JSON.parse(readFileSync(process.argv[print + 1] ?? 'faults-report.json', 'utf8')) as ReportRow[];
    log(table(rows));
    return 0;
  }
  assertRedisServerInstalled();
  const settings = parseArguments(process.argv.slice(2));
  const { mode, faults, primitives, leaseDuration } = settings;
  log(
    `fault suite, ${mode.name} mode: ${faults.length} faults × ${primitives.join(', ')}; lease ${leaseDuration} ms, ` +
      `${WORKERS} worker processes (${CONTENDERS} lock contenders each), at least ${mode.injections} injections per fault` +
      (mode.lockSections > 0 ? `, ${mode.lockSections} lock sections and ${mode.tasks} tasks per fault` : ''),
  );
  const rows: ReportRow[] = [];
  const began = Date.now();
  for (const fault of faults) {
    const started = Date.now();
    log(`${fault.name}: ${fault.summary}`);
    let faultRows: ReportRow[];
    try {
      faultRows = await runFault(fault, settings);
    } catch (error) {
      log(
        `  ${fault.name}: the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      faultRows = primitives.map((primitive) => ({
        fault: fault.name,
        primitive,
        operations: 0,
        violations: { run_failed: 1 },
        failover_ms: { p50: null, p99: null, max: null },
        observed: {},
      }));
    }
    rows.push(...faultRows);
    log(`${table(faultRows)}\n  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  writeReport(settings.report, rows);
  const violations = totalViolations(rows);
  log(`\n${table(rows)}\n`);
  log(
    `${rows.length} rows in ${((Date.now() - began) / 1000).toFixed(0)} s, written to ${settings.report}: ` +
      (violations === 0 ? 'no violations' : `${violations} VIOLATIONS`),
  );
  return violations === 0 ? 0 : 1;
}

// Exits explicitly once the report is out: Node 20 sometimes spins for ever in its exit-time
// handle cleanup after this many processes, sockets and proxies (seen as a hang at 100 % CPU in
// node::Environment::CleanupHandles, after every handle of the runner was closed).
main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
