import type { Item, TaskInfo } from '../../../src/index.js';
import type { Fault } from '../faults/fault.js';
import type { LeaseSample } from '../support/leaseSampler.js';
import type { Grant } from '../support/monitor.js';
import type { ReportRow } from '../support/report.js';
import type { Operation } from '../support/resource.js';
import type { Primitive, WorkerReport } from '../support/scenario.js';
import type { AcceptedTask } from '../support/submitter.js';

/** One injection of the fault, as the runner made it. */
export interface Injection {
  readonly focus: Primitive;
  /** The worker hit (worker faults). */
  readonly target: string | undefined;
  /** Wall clock (ms) when the fault began and when it was healed. */
  readonly start: number;
  readonly end: number;
  readonly note: string;
}

/** Everything a run collected, for the checkers. */
export interface RunData {
  readonly fault: Fault;
  readonly leaseDuration: number;
  readonly injections: readonly Injection[];
  readonly reports: readonly WorkerReport[];
  /** Every lease grant the coordination Redis announced, in its order. */
  readonly grants: readonly Grant[];
  /** Who held the lock's and the leadership's leases on the server, sampled with its clock. */
  readonly leaseSamples: readonly LeaseSample[];
  /** The fenced resource's logs, in its order. */
  readonly logs: {
    readonly lock: readonly Operation[];
    readonly leader: readonly Operation[];
    readonly task: readonly Operation[];
  };
  /** The store's items under the watched prefix at the end, after the quiet period. */
  readonly store: ReadonlyMap<string, Item>;
  /** After each injection: ms from the heal until every worker's watcher saw the runner's probe write. */
  readonly probes: readonly number[];
  readonly tasks: {
    readonly accepted: readonly AcceptedTask[];
    /** Each accepted task's record at the end. */
    readonly records: ReadonlyMap<string, TaskInfo | undefined>;
    readonly refused: Record<string, number>;
  };
}

/** Judges one primitive's run. */
export type Checker = (data: RunData) => ReportRow;

/** The injections that hit `primitive`: every one of a server fault, the focused ones of a worker fault. */
export function injectionsOn(data: RunData, primitive: Primitive): Injection[] {
  return data.injections.filter((injection) => data.fault.scope === 'server' || injection.focus === primitive);
}

/** Adds `by` to `counts[name]`, keeping zero counts out of observations. */
export function add(counts: Record<string, number>, name: string, by = 1): void {
  counts[name] = (counts[name] ?? 0) + by;
}

/** Sums a counter over every worker's report. */
export function sumCounter(reports: readonly WorkerReport[], name: string): number {
  return reports.reduce((sum, report) => sum + (report.counters[name] ?? 0), 0);
}

/** Worker counters whose name starts with `prefix` and names an error or a lost/abandoned step. */
export function errorCounts(data: RunData, prefix: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const report of data.reports) {
    for (const [name, value] of Object.entries(report.counters)) {
      if (!name.startsWith(prefix) || !/Error|errored/.test(name)) continue;
      const label = name.slice(prefix.length);
      counts[label] = (counts[label] ?? 0) + value;
    }
  }
  return counts;
}
