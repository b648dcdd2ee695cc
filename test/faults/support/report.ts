import { writeFileSync } from 'node:fs';
import type { Primitive } from './scenario.js';

/** Percentiles of a set of durations, in ms (`null` when there was nothing to measure). */
export interface Percentiles {
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** One row of faults-report.json: how one primitive fared under one fault. */
export interface ReportRow {
  readonly fault: string;
  readonly primitive: Primitive;
  /** Lock: contended acquisitions; leadership: terms; store: acknowledged writes; task: accepted tasks. */
  readonly operations: number;
  /** Safety violations by name: every one must be 0. */
  readonly violations: Record<string, number>;
  /**
   * Lock: fault start → first fenced operation of a new holder; leadership: last heartbeat of a
   * term → first of the next, at the resource; store: end of the fault → every watcher has seen a
   * new write; task: start of a run → start of its re-run.
   */
  readonly failover_ms: Percentiles;
  /** What the fault made happen, for the record (not violations): fenced-off operations, lost leases, … */
  readonly observed: Record<string, number>;
  /** Leadership only: how long after its successor's election a leader's stream completed. */
  readonly lateness_ms?: Percentiles;
  /** Set when this primitive is not judged under this fault, with the reason. */
  readonly skipped?: string;
}

/** The p-th percentile (nearest rank) of `values`, rounded to 0.1 ms. */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { p50: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const round = (value: number): number => Math.round(value * 10) / 10;
  return { p50: round(rank(50)), p99: round(rank(99)), max: round(sorted[sorted.length - 1]!) };
}

/** Sum of every violation count in `rows`. */
export function totalViolations(rows: readonly ReportRow[]): number {
  return rows.reduce((sum, row) => sum + Object.values(row.violations).reduce((a, b) => a + b, 0), 0);
}

function formatPercentiles(value: Percentiles | undefined): string {
  if (!value || value.max === null) return '–';
  const show = (ms: number | null): string => (ms === null ? '–' : ms >= 100 ? String(Math.round(ms)) : ms.toFixed(1));
  return `${show(value.p50)} / ${show(value.p99)} / ${show(value.max)}`;
}

/** The total, and the counts that are not zero (the JSON report has every count). */
function formatViolations(counts: Record<string, number>): string {
  const nonZero = Object.entries(counts).filter(([, value]) => value !== 0);
  const total = nonZero.reduce((sum, [, value]) => sum + value, 0);
  return nonZero.length === 0 ? '0' : `**${total}**: ${formatCounts(Object.fromEntries(nonZero))}`;
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '–' : entries.map(([name, value]) => `${name} ${value}`).join(', ');
}

/** The rows as a Markdown table (also what the runner prints). */
export function table(rows: readonly ReportRow[]): string {
  const header = ['fault', 'primitive', 'operations', 'violations', 'failover ms (p50 / p99 / max)', 'observed'];
  const lines = rows.map((row) => [
    row.fault,
    row.primitive,
    row.skipped ? '–' : String(row.operations),
    row.skipped ? `not judged: ${row.skipped}` : formatViolations(row.violations),
    row.skipped ? '–' : formatPercentiles(row.failover_ms),
    row.skipped
      ? '–'
      : formatCounts({
          ...Object.fromEntries(Object.entries(row.observed).filter(([, value]) => value !== 0)),
          ...(row.lateness_ms?.max != null && { 'lateness max ms': Math.round(row.lateness_ms.max) }),
        }),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...lines.map(format)].join('\n');
}

/** Writes the rows to `path` as JSON. */
export function writeReport(path: string, rows: readonly ReportRow[]): void {
  writeFileSync(path, `${JSON.stringify(rows, null, 2)}\n`);
}
