import { percentiles, type ReportRow } from '../support/report.js';
import type { Operation } from '../support/resource.js';
import { add, errorCounts, sumCounter, type RunData } from './checker.js';

/** How far below a lease two claims' tokens may be and still count as "after a lapse" (µs). */
const TOKEN_SLACK = 1_000;

/**
 * Tasks, judged from their records and the fenced resource, where each run of the handler logs a
 * fenced start and a fenced effect with `context.token` (the claim's fencing token).
 *
 * - `lost`: accepted tasks (their `submit` emitted `queued`) that did not end `succeeded`;
 * - `outcome_missed`: tasks that succeeded while their `submit` did not end with `succeeded`;
 * - `duplicates_without_lapse`: a run of a task that began before the previous run's claim could
 *   have lapsed. A claim's token is the server clock in µs when it was granted (or the counter
 *   + 1, if greater), and a claim lapses `leaseDuration` after its grant at the earliest, so two
 *   claims of one task closer than `leaseDuration` mean a task handed out while its claim held;
 *   one token run by two workers counts too.
 *
 * Duplicates themselves (a task whose effect was applied twice: at least once delivery) are
 * observed, not violations. Failover: from the start of a run to the start of its re-run.
 */
export function checkTask(data: RunData): ReportRow {
  const { accepted, records, refused } = data.tasks;
  let lost = 0;
  let outcomeMissed = 0;
  const observed: Record<string, number> = {};
  for (const task of accepted) {
    const record = records.get(task.id);
    if (record?.state !== 'succeeded') {
      lost++;
      add(observed, `not succeeded: ${record?.state ?? 'no record'}`);
    } else if (task.outcome !== 'succeeded') {
      outcomeMissed++;
      add(observed, `submit ended: ${task.outcome ?? 'not yet'}`);
    }
  }

  const runs = new Map<string, Operation[]>();
  for (const operation of data.logs.task) {
    runs.set(operation.register, [...(runs.get(operation.register) ?? []), operation]);
  }
  let withoutLapse = 0;
  const reruns: number[] = [];
  for (const operations of runs.values()) {
    const starts = new Map<number, Operation>();
    const runners = new Map<number, Set<string>>();
    for (const operation of operations) {
      if (operation.kind === 'S' && !starts.has(operation.token)) starts.set(operation.token, operation);
      runners.set(operation.token, (runners.get(operation.token) ?? new Set()).add(operation.who));
    }
    for (const who of runners.values()) if (who.size > 1) withoutLapse++;
    const tokens = [...starts.keys()].sort((a, b) => a - b);
    for (let index = 1; index < tokens.length; index++) {
      if (tokens[index]! - tokens[index - 1]! < data.leaseDuration * 1000 - TOKEN_SLACK) withoutLapse++;
      reruns.push((starts.get(tokens[index]!)!.at - starts.get(tokens[index - 1]!)!.at) / 1000);
    }
    const effects = operations.filter((operation) => operation.kind === 'E' && operation.accepted).length;
    if (effects > 1) add(observed, 'duplicates (effect applied twice, after a lapse)');
    if (tokens.length > 1) add(observed, 're-run tasks');
    const fencedOff = operations.filter((operation) => !operation.accepted).length;
    if (fencedOff > 0) add(observed, 'stale runs fenced off', fencedOff);
  }
  for (const [name, value] of Object.entries(refused)) add(observed, `submit refused: ${name}`, value);

  return {
    fault: data.fault.name,
    primitive: 'task',
    operations: accepted.length,
    violations: { lost, outcome_missed: outcomeMissed, duplicates_without_lapse: withoutLapse },
    failover_ms: percentiles(reruns),
    observed: {
      ...observed,
      'abandoned (lease lost)': sumCounter(data.reports, 'task: abandoned (lease-lost)'),
      ...errorCounts(data, 'task: '),
    },
  };
}
