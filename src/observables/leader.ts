import {
  concat,
  defer,
  distinctUntilChanged,
  EMPTY,
  expand,
  map,
  merge,
  of,
  shareReplay,
  switchMap,
  timer,
  type Observable,
} from 'rxjs';
import type { LeaseHolder, SyncBackend } from '../backend.js';
import { assertBackend } from '../internal/assertBackend.js';
import { leadershipLeaseKey } from '../internal/leaseKeys.js';
import { assertNameWithin, limitsOf } from '../internal/limits.js';

/**
 * Who leads a group, as emitted by {@link leader}.
 *
 * @example
 * ```ts
 * import { leader } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * leader(createMemoryBackend(), 'billing').subscribe((current) => {
 *   console.log(current ? `${current.candidate} leads (term ${current.term})` : 'no leader');
 * });
 * ```
 */
export interface Leader {
  /** The leadership group. */
  readonly group: string;
  /** Public id of the leading candidate. */
  readonly candidate: string;
  /** The leader's term number (its fencing token). */
  readonly term: number;
  /** The value the leader published, if any. */
  readonly value?: string;
}

/**
 * Who leads a group: the current leader (or `undefined` when there is none), then every change.
 *
 * @remarks
 * ```
 * leadership A:  --a------|
 * leadership B:  ----------b----
 * leader(...):   u-A-------B----     u: undefined (no leader yet)
 * ```
 * Subscribing starts watching the group's lease events, then reads the current holder; it reads
 * again at every event (elected, resigned, expired, value proclaimed) and when the current
 * leader's lease is due to lapse, which catches expiries that a backend cannot announce. Emits
 * only when the leader, term or value changes. Never completes; errors when the backend does.
 * Subscribers of one returned Observable share one watch and get the latest value at once.
 *
 * @example
 * ```ts
 * import { leader } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * leader(createMemoryBackend(), 'billing').subscribe((current) => console.log(current?.candidate ?? 'none'));
 * ```
 *
 * @param backend - Where the election is held.
 * @param group - The leadership group to follow.
 * @returns A shared Observable of the current {@link Leader} or `undefined`.
 * @throws TypeError, at call time, for a bad group.
 * @see {@link leadership} to campaign.
 */
export function leader(backend: SyncBackend, group: string): Observable<Leader | undefined> {
  assertBackend(backend);
  assertNameWithin(limitsOf(backend), group, 'group');
  const key = leadershipLeaseKey(group);
  const read = (): Observable<LeaseHolder | undefined> => backend.readLease(key);
  return defer(() =>
    // Each event (and the start) reads again; the end of the events (a closed backend) ends it all.
    concat(merge(backend.leaseEvents(key), of(undefined)).pipe(map(() => true)), of(false)).pipe(
      switchMap((watching) =>
        watching
          ? read().pipe(
              expand((holder) => (holder ? timer(Math.max(1, holder.expiresIn)).pipe(switchMap(read)) : EMPTY)),
            )
          : EMPTY,
      ),
      map((holder): Leader | undefined =>
        holder
          ? {
              group,
              candidate: holder.holder,
              term: holder.token,
              ...(holder.value !== undefined && { value: holder.value }),
            }
          : undefined,
      ),
      distinctUntilChanged(
        (previous, current) =>
          previous?.term === current?.term &&
          previous?.value === current?.value &&
          previous?.candidate === current?.candidate,
      ),
    ),
  ).pipe(shareReplay({ bufferSize: 1, refCount: true }));
}
