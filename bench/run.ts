/**
 * The benchmark runner: `npm run bench` (every scenario, full size) or `npm run bench -- --quick`
 * (a reduced set, under a minute). `--only=tasks,changes` runs some scenarios only (names below).
 * Starts its own redis-server processes on free ports of 127.0.0.1 (one, and three for the quorum
 * figures; contended-processes starts a Cluster of its own), runs the scenarios, prints the table
 * and writes bench/results.json. It measures the build in dist/ (`npm run bench` builds first, and
 * bench/tsconfig.run.json maps `rx-sync` there), the code users install, as the peers are.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, stopRedisServers, type RedisServer } from '../test/support/redisServer.js';
import { changeStream } from './changeStream.js';
import { contendedLock } from './contendedLock.js';
import { contendedProcesses } from './contendedProcesses.js';
import { closeClients, toResult, type BenchSettings, type RedisTargets, type Row } from './harness.js';
import { leadershipHandoff } from './leadershipHandoff.js';
import { memoryBackend } from './memoryBackend.js';
import { tasks } from './tasks.js';
import { uncontendedLock } from './uncontendedLock.js';

type Scenario = (settings: BenchSettings, targets: RedisTargets) => Promise<Row[]>;

const SCENARIOS: Readonly<Record<string, Scenario>> = {
  uncontended: (settings, targets) => uncontendedLock(settings, targets, 'single'),
  'uncontended-quorum': (settings, targets) => uncontendedLock(settings, targets, 'quorum'),
  contended: contendedLock,
  'contended-processes': contendedProcesses,
  leadership: leadershipHandoff,
  changes: changeStream,
  tasks,
  memory: memoryBackend,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const unknown = (only ?? []).filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0)
    throw new Error(`Unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const settings: BenchSettings = { quick, repetitions: quick ? 2 : 5 };
  const started = Date.now();

  console.log(describeMachine());
  console.log(`${quick ? 'quick' : 'full'} run, ${settings.repetitions} repetitions per subject, alternating\n`);

  const servers: RedisServer[] = [];
  const stop = async (): Promise<void> => {
    await closeClients();
    await stopRedisServers(...servers.splice(0));
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    for (let i = 0; i < 4; i++) servers.push(await startRedisServer());
    const [single, ...quorum] = servers.map((server) => ({ host: server.host, port: server.port }));
    const targets: RedisTargets = { single: single!, quorum };
    const rows: Row[] = [];
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      if (only && !only.includes(name)) continue;
      const scenarioStarted = Date.now();
      process.stdout.write(`running ${name}… `);
      const produced = await scenario(settings, targets);
      rows.push(...produced);
      console.log(`${((Date.now() - scenarioStarted) / 1000).toFixed(1)} s`);
      await closeClients();
    }
    console.log();
    console.log(formatTable(rows));
    const path = join(__dirname, 'results.json');
    writeFileSync(path, `${JSON.stringify(rows.map(toResult), null, 2)}\n`);
    const goals = rows.filter((r) => r.goal);
    const held = goals.filter((r) => r.goal?.held).length;
    console.log(
      `\ngoals held: ${held} of ${goals.length}; wrote ${path} (${rows.length} rows) in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  } finally {
    await stop();
  }
}

function describeMachine(): string {
  const processors = cpus();
  let redis = 'redis-server (version unknown)';
  try {
    redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim().split(' sha=')[0] ?? redis;
  } catch {
    // startRedisServer reports a missing redis-server with an install hint.
  }
  return [
    `machine: ${processors.length} × ${processors[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `node ${process.version}, ${redis}`,
  ].join('\n');
}

/** The results as a text table, one block per scenario. */
function formatTable(rows: readonly Row[]): string {
  const header = ['metric', 'baseline', 'rx-sync', 'baseline', 'ratio', 'better', 'goal'];
  const lines: string[][] = [];
  let scenario = '';
  for (const r of rows) {
    if (r.scenario !== scenario) {
      scenario = r.scenario;
      lines.push([`## ${scenario}`]);
    }
    lines.push([
      r.subject === 'rx-sync' ? r.metric : `${r.metric} [${r.subject}]`,
      r.baseline,
      format(r.subject_value),
      r.baseline_value === null ? '–' : format(r.baseline_value),
      r.ratio === null ? '–' : `${r.ratio.toFixed(2)}×`,
      r.better,
      r.goal ? `${r.goal.text} ${r.goal.held ? 'held' : 'MISSED'}` : '',
    ]);
  }
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.filter((line) => line.length > 1).map((line) => (line[column] ?? '').length)),
  );
  const render = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column >= 2 && column <= 4 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [render(header), ...lines.map((line) => (line.length === 1 ? `\n${line[0]}` : render(line)))].join('\n');
}

function format(value: number): string {
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(3);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
