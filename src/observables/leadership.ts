import { defer, map, type Observable } from 'rxjs';
import type { SyncBackend } from '../backend.js';
import { assertBackend } from '../internal/assertBackend.js';
import { leaseTenure } from '../engine/leaseEngine.js';
import { leadershipLeaseKey } from '../internal/leaseKeys.js';
import { defaultHolderName } from '../internal/ownerId.js';
import { assertNameWithin, assertValueWithin, limitsOf } from '../internal/limits.js';
import { resolveLeadershipOptions, type LeadershipOptions, type LeadershipSettings } from './leadershipOptions.js';
import type { Term } from './Term.js';

/**
 * Leadership of a group, as an Observable: subscribing campaigns, the stream emits one
 * {@link Term} when elected, losing leadership completes it, unsubscribing resigns.
 *
 * @remarks
 * ```
 * leadership(b, 'g'):   ----t------|      t: elected;  |: leadership lost
 * with repeat():        ----t------|--t--  campaigns again after each loss
 * ```
 * Candidates wait in line (unless `fair: false`) for the leader to resign (the next in line is
 * woken at once) or for its lease to lapse; a leader
 * renews every `renewInterval` and completes its stream as soon as a renewal is refused, or at
 * the validity deadline when renewals cannot be confirmed, before another candidate can be
 * elected. The term number is the lease's fencing token: it grows strictly from term to term.
 * By default a campaign waits for ever; it errors with `LockTimeoutError` only when
 * `acquireTimeout` is set, and with the backend's error when the backend fails while campaigning.
 * To campaign again after losing, add `repeat()`.
 *
 * @example
 * ```ts
 * import { repeat } from 'rxjs';
 * import { leadership } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * leadership(createMemoryBackend(), 'billing', { candidate: 'node-a' })
 *   .pipe(repeat())
 *   .subscribe((term) => console.log(`leading in term ${term.term}`));
 * ```
 *
 * @param backend - Where the election is held.
 * @param group - The name of the group electing a leader.
 * @param options - Candidate id, campaign value and timing; see {@link LeadershipOptions}.
 * @returns A cold Observable of one {@link Term}, completing when leadership is lost.
 * @throws TypeError or RangeError, at call time, for a bad group or option.
 * @see {@link whileLeader} to run work only while leader; {@link leader} to follow who leads.
 */
export function leadership(backend: SyncBackend, group: string, options?: LeadershipOptions): Observable<Term> {
  assertBackend(backend);
  const limits = limitsOf(backend);
  assertNameWithin(limits, group, 'group');
  return campaign(backend, group, resolveLeadershipOptions(options, { caller: 'leadership' }, limits));
}

/**
 * The Observable of {@link leadership}, for a backend and group already checked and options
 * already resolved (by `createLeader` and `schedule`, whose options hold these).
 */
export function campaign(backend: SyncBackend, group: string, settings: LeadershipSettings): Observable<Term> {
  const limits = limitsOf(backend);
  const key = leadershipLeaseKey(group);
  return defer(() => {
    const candidate = settings.candidate ?? defaultHolderName();
    return leaseTenure(backend, {
      key,
      name: group,
      holder: candidate,
      settings,
      ...(settings.value !== undefined && { value: settings.value }),
    }).pipe(
      map((tenure): Term => ({
        group,
        candidate,
        term: tenure.token,
        ...(settings.value !== undefined && { value: settings.value }),
        isValid: () => tenure.isValid(),
        proclaim: (value: string) => {
          assertValueWithin(limits, value, 'value');
          return backend.updateLease(key, tenure.owner, value);
        },
      })),
    );
  });
}
