/**
 * What every scenario shares: the run's settings, clocks and statistics, the alternation of subjects
 * (A B A B), Redis clients, a client-side request counter, and the rows of the results table.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * The tsconfig that child processes of the benchmark run with (`TSX_TSCONFIG_PATH`): like the main
 * process (`npm run bench`), they import rx-sync from the build in dist/, the code users install,
 * not from src/ through tsx (whose transform wraps every function it names, doubling rx-sync's
 * client CPU per lock cycle while the peers run as plain JavaScript).
 */
export const RUN_TSCONFIG = join(__dirname, 'tsconfig.run.json');

/** How big a run is: `--quick` (under a minute) or the full run. */
export interface BenchSettings {
  readonly quick: boolean;
  /** Measured repetitions per subject (after one warm-up each). */
  readonly repetitions: number;
}

/** One line of bench/results.json: a figure of rx-sync against one baseline, measured in the same run. */
export interface Result {
  readonly scenario: string;
  readonly subject: string;
  readonly baseline: string;
  readonly metric: string;
  readonly subject_value: number;
  /** `null` for a figure with nothing to compare it to (reported for information). */
  readonly baseline_value: number | null;
  /** subject_value / baseline_value, or `null` without a baseline. */
  readonly ratio: number | null;
  readonly better: 'lower' | 'higher';
}

/** A result as the console table shows it: with the goal for it, if it has one. */
export interface Row extends Result {
  /** The goal, as text (`ratio ≤ 1.10`), and whether this run met it. */
  readonly goal?: { readonly text: string; readonly held: boolean };
}

/** Builds a row; the ratio is computed here so that every scenario computes it the same way. */
export function row(
  fields: Omit<Result, 'ratio' | 'baseline_value'> & { readonly baseline_value: number | null },
  goal?: { readonly text: string; readonly test: (row: Result) => boolean },
): Row {
  const ratio =
    fields.baseline_value === null || fields.baseline_value === 0
      ? null
      : round(fields.subject_value / fields.baseline_value, 3);
  const result: Result = {
    scenario: fields.scenario,
    subject: fields.subject,
    baseline: fields.baseline,
    metric: fields.metric,
    subject_value: round(fields.subject_value, 3),
    baseline_value: fields.baseline_value === null ? null : round(fields.baseline_value, 3),
    ratio,
    better: fields.better,
  };
  return goal ? { ...result, goal: { text: goal.text, held: goal.test(result) } } : result;
}

/** The fields of bench/results.json, in the order, without the console-only goal. */
export function toResult(source: Row): Result {
  const { scenario, subject, baseline, metric, subject_value, baseline_value, ratio, better } = source;
  return { scenario, subject, baseline, metric, subject_value, baseline_value, ratio, better };
}

/** Rounds to `digits` decimals (figures are printed and stored at that precision). */
export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The monotonic clock, in nanoseconds (the same clock in every process of this machine). */
export function now(): bigint {
  return process.hrtime.bigint();
}

/** Milliseconds between two readings of {@link now}. */
export function elapsedMs(from: bigint, to: bigint = now()): number {
  return Number(to - from) / 1e6;
}

/** The `fraction` quantile of `samples` (nearest rank); NaN for no samples. */
export function quantile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil(fraction * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Latency samples of one repetition summarised: p50 and p99 in ms. */
export interface Latency {
  readonly p50: number;
  readonly p99: number;
}

/** p50 and p99 of latency samples. */
export function latency(samples: readonly number[]): Latency {
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
}

/** Medians over repetitions of p50 and p99. */
export function medianLatency(repetitions: readonly Latency[]): Latency {
  return { p50: median(repetitions.map((r) => r.p50)), p99: median(repetitions.map((r) => r.p99)) };
}

/**
 * Runs `measure` for every subject: first one warm-up run each (discarded), then `repetitions`
 * rounds in which every subject runs once, the order reversed every other round (A B, B A, A B…),
 * so that a machine that slows down or speeds up during the run weighs on all subjects alike.
 * Returns every subject's measured repetitions.
 */
export async function alternate<S extends string, M>(
  subjects: readonly S[],
  repetitions: number,
  measure: (subject: S, warmUp: boolean) => Promise<M>,
): Promise<Map<S, M[]>> {
  const results = new Map<S, M[]>(subjects.map((subject) => [subject, []]));
  for (const subject of subjects) await measure(subject, true);
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const order = repetition % 2 === 0 ? subjects : [...subjects].reverse();
    for (const subject of order) results.get(subject)!.push(await measure(subject, false));
  }
  return results;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A random namespace for one measurement, so that no run sees another's keys. */
export function randomPrefix(label: string): string {
  return `bench-${label}-${randomBytes(4).toString('hex')}`;
}

/** Where the Redis servers of this run listen. */
export interface RedisTargets {
  /** The single server. */
  readonly single: { readonly host: string; readonly port: number };
  /** Three independent servers, for quorum (Redlock) figures. */
  readonly quorum: readonly { readonly host: string; readonly port: number }[];
}

const openClients = new Set<Redis>();

/** A new ioredis connection to `server`; closed by {@link closeClients} at the latest. */
export function connect(
  server: { readonly host: string; readonly port: number },
  options: { readonly name?: string } = {},
): Redis {
  // A name (CLIENT SETNAME) is inherited by the client's duplicates, so CLIENT LIST can count them all.
  const client = new Redis({
    host: server.host,
    port: server.port,
    ...(options.name && { connectionName: options.name }),
  });
  client.on('error', () => {
    // A connection closed on purpose (failover scenario); requests report real errors.
  });
  openClients.add(client);
  client.once('end', () => openClients.delete(client));
  return client;
}

/** Closes every client {@link connect} made that is still open. */
export async function closeClients(clients: Iterable<Redis> = [...openClients]): Promise<void> {
  await Promise.all(
    [...clients].map(async (client) => {
      openClients.delete(client);
      if (client.status === 'end') return;
      await client.quit().catch(() => client.disconnect());
    }),
  );
}

/**
 * Requests sent to Redis by this process, counted at the client: every ioredis command (scripts,
 * pipelined commands, SUBSCRIBE on pub/sub connections, duplicates included) passes through
 * `Redis.prototype.sendCommand`, which this wraps once. Server-side `INFO commandstats` would also
 * count the commands that Lua scripts call, so it cannot tell one script request from five.
 */
export const requests = (() => {
  let count = 0;
  const prototype = Redis.prototype as unknown as { sendCommand: (...args: unknown[]) => unknown };
  const original = prototype.sendCommand;
  prototype.sendCommand = function (this: unknown, ...args: unknown[]) {
    count++;
    return original.apply(this, args);
  };
  return { count: () => count };
})();

/** How many connections named `name` a server has (see `connect`'s `name`). */
export async function connectionsNamed(admin: Redis, name: string): Promise<number> {
  const list = (await admin.call('CLIENT', 'LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}
