import { percentiles, type ReportRow } from '../support/report.js';
import { unusedGrantsKept } from '../support/leaseSampler.js';
import type { TermRecord } from '../support/scenario.js';
import { add, errorCounts, sumCounter, type RunData } from './checker.js';
import { decreasing, duplicateTokens, replayFence } from './lockChecker.js';

/**
 * Leadership, judged at the fenced register, where each leader writes a heartbeat with its term
 * every `leaseDuration / 20` ms after checking `term.isValid()`, and from the server's grants.
 *
 * - `duplicate_terms`: a term held by two candidates (resource log, candidates' terms, grants);
 * - `decreasing_terms`: grants, in the server's order, whose term is not greater than the previous;
 * - `stale_heartbeats_accepted`: heartbeats accepted with a lower term than one accepted before
 *   (two leaders acting at once on the resource);
 * - `unused_term_kept`: terms the server kept alive for more than 2 leases before their candidate
 *   was ever elected by them (nobody led meanwhile; see `unusedGrantsKept`). Liveness, not safety.
 *
 * Failover: from the last accepted heartbeat of a term to the first of the next, at the resource.
 * Lateness: how long after its successor was elected (the earlier of the grant the runner heard
 * and the successor's own `elected`) a leader's stream completed; the validity deadline comes
 * before the successor's election, so a positive lateness means a leader that still believed it
 * led while another did. Reported, not counted as a violation: it is measured on clocks, and a
 * stalled process is late by construction.
 */
export function checkLeadership(data: RunData): ReportRow {
  const fence = replayFence(data.logs.leader);
  const terms: TermRecord[] = data.reports.flatMap((report) => report.terms);
  const grants = data.grants.filter((grant) => grant.kind === 'leader');
  const duplicates = duplicateTokens([
    ...data.logs.leader,
    ...terms.map((term) => ({ token: term.term, who: term.candidate })),
    ...grants.map((grant) => ({ token: grant.token, who: grant.holder })),
  ]);

  const firstElected = new Map<number, number>();
  for (const term of terms)
    firstElected.set(term.term, Math.min(term.electedAt, firstElected.get(term.term) ?? Infinity));
  const unused = unusedGrantsKept(data.leaseSamples, 'leader', firstElected, 2 * data.leaseDuration);

  const failovers: number[] = [];
  for (let index = 1; index < fence.accepted.length; index++) {
    const previous = fence.accepted[index - 1]!;
    const current = fence.accepted[index]!;
    if (current.token !== previous.token) failovers.push((current.at - previous.at) / 1000);
  }

  const electedAt = new Map<number, number>();
  for (const term of terms) electedAt.set(term.term, term.electedAt);
  for (const grant of grants) electedAt.set(grant.token, Math.min(grant.at, electedAt.get(grant.token) ?? Infinity));
  const ordered = [...electedAt.keys()].sort((a, b) => a - b);
  const lateness: number[] = [];
  const observed: Record<string, number> = {};
  for (const term of terms) {
    if (term.completedAt === undefined) continue;
    add(observed, 'terms lost');
    const successor = ordered.find((candidate) => candidate > term.term);
    if (successor === undefined) continue;
    const late = term.completedAt - electedAt.get(successor)!;
    lateness.push(Math.max(0, late));
    if (late > 0) add(observed, 'completed after successor elected');
  }

  return {
    fault: data.fault.name,
    primitive: 'leadership',
    operations: new Set(ordered).size,
    violations: {
      duplicate_terms: duplicates,
      decreasing_terms: decreasing(grants.map((grant) => grant.token)),
      stale_heartbeats_accepted: fence.staleAccepted,
      unused_term_kept: unused.count,
    },
    failover_ms: percentiles(failovers),
    lateness_ms: percentiles(lateness),
    observed: {
      ...observed,
      'heartbeats fenced off': fence.rejected,
      'longest unused term ms': Math.round(unused.longest),
      'invalid before heartbeat': sumCounter(data.reports, 'leadership: term invalid before a heartbeat'),
      ...(fence.wronglyRejected > 0 && { 'fence refused a current term (harness error)': fence.wronglyRejected }),
      ...errorCounts(data, 'leadership: '),
    },
  };
}
