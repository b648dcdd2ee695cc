import { percentiles, type ReportRow } from '../support/report.js';
import { unusedGrantsKept } from '../support/leaseSampler.js';
import type { Operation } from '../support/resource.js';
import { errorCounts, injectionsOn, sumCounter, type RunData } from './checker.js';

/**
 * Fenced operations of the resource log, with the highest token accepted before each one
 * recomputed from the log itself: an accepted operation below it is a stale operation the fence
 * let through, a rejected one at or above it a fence that refused for nothing.
 */
export function replayFence(log: readonly Operation[]): {
  accepted: Operation[];
  staleAccepted: number;
  rejected: number;
  wronglyRejected: number;
} {
  let highest = 0;
  let staleAccepted = 0;
  let rejected = 0;
  let wronglyRejected = 0;
  const accepted: Operation[] = [];
  for (const operation of log) {
    if (operation.accepted) {
      if (operation.token < highest) staleAccepted++;
      highest = Math.max(highest, operation.token);
      accepted.push(operation);
    } else {
      rejected++;
      if (operation.token >= highest) wronglyRejected++;
    }
  }
  return { accepted, staleAccepted, rejected, wronglyRejected };
}

/** Tokens used by more than one holder, from every source that names a holder and a token. */
export function duplicateTokens(uses: Iterable<{ readonly token: number; readonly who: string }>): number {
  const holders = new Map<number, Set<string>>();
  for (const { token, who } of uses) {
    const set = holders.get(token) ?? new Set<string>();
    set.add(who);
    holders.set(token, set);
  }
  return [...holders.values()].filter((set) => set.size > 1).length;
}

/** Places in a sequence of tokens where one is not greater than the one before. */
export function decreasing(tokens: readonly number[]): number {
  let count = 0;
  for (let index = 1; index < tokens.length; index++) if (tokens[index]! <= tokens[index - 1]!) count++;
  return count;
}

/**
 * The lock, judged at the fenced register: every critical section is a fenced read of the
 * register and a fenced write of the value read + 1 with the lease's token.
 *
 * - `interleaved_sections`: sections (holder and token) with an accepted operation of another
 *   section between their first and last accepted operation;
 * - `stale_ops_accepted`: accepted operations whose token is lower than one accepted before;
 * - `lost_updates`: accepted writes that did not write the value before them + 1 (an update in
 *   between was overwritten);
 * - `duplicate_tokens`: tokens held by two holders (resource log, holders' leases, grants);
 * - `decreasing_tokens`: grants, in the server's order, whose token is not greater than the
 *   previous grant's, and a contender's acquisitions whose token is not greater than its previous;
 * - `unused_grant_kept`: grants the server kept alive for more than 2 leases (its own clock)
 *   before their contender ever held them: the lock was taken from everybody for nothing (see
 *   `unusedGrantsKept`). A liveness check, not a safety one.
 */
export function checkLock(data: RunData): ReportRow {
  const log = data.logs.lock;
  const fence = replayFence(log);
  const sectionOf = (operation: Operation): string => `${operation.who} ${operation.token}`;

  const spans = new Map<string, { first: number; last: number }>();
  fence.accepted.forEach((operation, index) => {
    const span = spans.get(sectionOf(operation));
    if (span) span.last = index;
    else spans.set(sectionOf(operation), { first: index, last: index });
  });
  let interleaved = 0;
  for (const [section, { first, last }] of spans) {
    for (let index = first + 1; index < last; index++) {
      if (sectionOf(fence.accepted[index]!) !== section) {
        interleaved++;
        break;
      }
    }
  }

  const lostUpdates = fence.accepted.filter(
    (operation) => operation.kind === 'W' && operation.written !== String(Number(operation.before) + 1),
  ).length;

  const acquisitions = data.reports.flatMap((report) => report.acquisitions);
  const grants = data.grants.filter((grant) => grant.kind === 'lock');
  const duplicates = duplicateTokens([
    ...log,
    ...acquisitions,
    ...grants.map((grant) => ({ token: grant.token, who: grant.holder })),
  ]);
  let decreasingTokens = decreasing(grants.map((grant) => grant.token));
  const byContender = new Map<string, number[]>();
  for (const acquisition of acquisitions) {
    byContender.set(acquisition.who, [...(byContender.get(acquisition.who) ?? []), acquisition.token]);
  }
  for (const tokens of byContender.values()) decreasingTokens += decreasing(tokens);

  const firstHeld = new Map<number, number>();
  for (const { token, at } of acquisitions) firstHeld.set(token, Math.min(at, firstHeld.get(token) ?? Infinity));
  const unused = unusedGrantsKept(data.leaseSamples, 'lock', firstHeld, 2 * data.leaseDuration);

  // Failover: from the start of a fault that hit the lock to the first accepted operation of a
  // section whose token is greater than every token accepted before the fault.
  const failovers: number[] = [];
  for (const injection of injectionsOn(data, 'lock')) {
    const start = injection.start * 1000;
    let before = 0;
    for (const operation of fence.accepted) if (operation.at < start) before = Math.max(before, operation.token);
    const next = fence.accepted.find((operation) => operation.at >= start && operation.token > before);
    if (next) failovers.push((next.at - start) / 1000);
  }

  const reports = data.reports;
  return {
    fault: data.fault.name,
    primitive: 'lock',
    operations: acquisitions.length,
    violations: {
      interleaved_sections: interleaved,
      stale_ops_accepted: fence.staleAccepted,
      lost_updates: lostUpdates,
      duplicate_tokens: duplicates,
      decreasing_tokens: decreasingTokens,
      unused_grant_kept: unused.count,
    },
    failover_ms: percentiles(failovers),
    observed: {
      'sections written': fence.accepted.filter((operation) => operation.kind === 'W').length,
      'fenced off': fence.rejected,
      'invalid before write': sumCounter(reports, 'lock: lease invalid before the write'),
      'longest unused grant ms': Math.round(unused.longest),
      ...(fence.wronglyRejected > 0 && { 'fence refused a current token (harness error)': fence.wronglyRejected }),
      ...errorCounts(data, 'lock: '),
    },
  };
}
