import { defer, NEVER, tap, throwError, type Observable } from 'rxjs';
import { createMemoryBackendInternals, type MemoryBackend } from '../backends/memory/createMemoryBackend.js';
import type { MemoryBackendOptions } from '../backends/memory/memoryBackendOptions.js';
import { BackendUnavailableError } from '../errors/BackendUnavailableError.js';
import { leadershipLeaseKey, lockLeaseKey } from '../internal/leaseKeys.js';
import { assertLongNameWithin, assertNameWithin } from '../internal/limits.js';

/**
 * A memory backend with fault controls, for marble tests of election timing and lock loss.
 *
 * @remarks
 * Holders are named by their public name: a lock's `holder` option or a leadership `candidate`.
 * Faults act on the lease requests (acquire, renew, release, proclaim) of that holder, and on
 * the task requests (claim, renew, progress, complete, fail) of a worker of that name (the
 * worker's `name` option); store requests and submits are not affected.
 */
export interface TestBackend extends MemoryBackend {
  /** Ends the lock's lease now, as if its time had run out; `false` when nobody held it. */
  expireLock(key: string): boolean;
  /** Ends the group's leadership lease now, as if its time had run out; `false` when nobody led. */
  expireLeadership(group: string): boolean;
  /** From now on, the holder's requests are lost: never answered, never applied (a network partition). */
  partition(holder: string): void;
  /** From now on, the holder's requests fail with `BackendUnavailableError` (the backend unreachable). */
  failRequests(holder: string): void;
  /** Ends `partition` and `failRequests` for the holder (not `crash`). */
  heal(holder: string): void;
  /** The holder's node dies: its requests are lost for good, so its leases lapse at their end. */
  crash(holder: string): void;
  /** Ends the running claim of task `id` now, as if its lease had lapsed; `false` when it was not running. */
  expireTask(id: string): boolean;
  /** How many leases are held and how many watchers (of leases, the store and tasks) are attached, to check that nothing leaked. */
  inspect(): { readonly leasesHeld: number; readonly watchers: number };
  /** How many tasks are claimed by a worker right now. */
  tasksRunning(): number;
}

type Fault = 'partitioned' | 'failing' | 'crashed';

/**
 * Creates a memory backend with fault controls for tests (see {@link TestBackend}).
 *
 * @remarks
 * Timing follows RxJS schedulers, so inside `TestScheduler.run` leases lapse, renewals fire and
 * faults take effect in virtual time, to the frame.
 *
 * @example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { leadership } from 'rx-sync';
 * import { createTestBackend } from 'rx-sync/testing';
 *
 * new TestScheduler((actual, expected) => console.assert(JSON.stringify(actual) === JSON.stringify(expected))).run(({ expectObservable }) => {
 *   const backend = createTestBackend();
 *   const options = { leaseDuration: 100, renewInterval: 30, driftMargin: 10, retryJitter: 0 };
 *   const a = leadership(backend, 'g', { ...options, candidate: 'a' });
 *   backend.crash('a'); // a's requests are lost from the start: it is never elected
 *   expectObservable(a, '^ 500ms !').toBe('-');
 * });
 * ```
 *
 * @param options - Its limits, as for `createMemoryBackend`.
 * @returns A new, empty {@link TestBackend}.
 * @throws TypeError or RangeError, at call time, for bad options.
 */
export function createTestBackend(options?: MemoryBackendOptions): TestBackend {
  const { backend, leases, store, tasks } = createMemoryBackendInternals(options, 'createTestBackend');
  const { limits } = backend;
  const faults = new Map<string, Fault>();
  const holderOfOwner = new Map<string, string>();
  /** The worker of each claim, by `id#token`, so that its follow-up requests meet its faults. */
  const workerOfClaim = new Map<string, string>();
  const claimKey = (id: string, token: number): string => `${id}#${token}`;

  const guarded = <T>(holder: string | undefined, operation: string, request: () => Observable<T>): Observable<T> =>
    defer(() => {
      const fault = holder === undefined ? undefined : faults.get(holder);
      if (fault === 'partitioned' || fault === 'crashed') return NEVER;
      if (fault === 'failing') return throwError(() => new BackendUnavailableError('memory', operation));
      return request();
    });

  const setFault = (holder: string, fault: Fault): void => {
    assertNameWithin(limits, holder, 'holder');
    if (faults.get(holder) !== 'crashed') faults.set(holder, fault);
  };

  const testBackend: TestBackend = {
    ...backend,
    tryAcquire(key, claim) {
      const request = backend.tryAcquire(key, claim);
      holderOfOwner.set(claim.owner, claim.holder);
      return guarded(claim.holder, 'tryAcquire', () => request);
    },
    renew(key, owner, leaseDuration) {
      const request = backend.renew(key, owner, leaseDuration);
      return guarded(holderOfOwner.get(owner), 'renew', () => request);
    },
    release(key, owner) {
      const request = backend.release(key, owner);
      return guarded(holderOfOwner.get(owner), 'release', () => request);
    },
    updateLease(key, owner, value) {
      const request = backend.updateLease(key, owner, value);
      return guarded(holderOfOwner.get(owner), 'updateLease', () => request);
    },
    claim(claimRequest) {
      const request = backend.claim(claimRequest);
      return guarded(claimRequest.worker, 'claim', () => request).pipe(
        tap((claims) =>
          claims.forEach((claim) => workerOfClaim.set(claimKey(claim.id, claim.token), claimRequest.worker)),
        ),
      );
    },
    renewTask(id, token, leaseDuration) {
      const request = backend.renewTask(id, token, leaseDuration);
      return guarded(workerOfClaim.get(claimKey(id, token)), 'renewTask', () => request);
    },
    reportProgress(id, token, value) {
      const request = backend.reportProgress(id, token, value);
      return guarded(workerOfClaim.get(claimKey(id, token)), 'reportProgress', () => request);
    },
    completeTask(id, token, result) {
      const request = backend.completeTask(id, token, result);
      return guarded(workerOfClaim.get(claimKey(id, token)), 'completeTask', () => request);
    },
    failTask(id, token, error, retryDelay) {
      const request = backend.failTask(id, token, error, retryDelay);
      return guarded(workerOfClaim.get(claimKey(id, token)), 'failTask', () => request);
    },
    expireTask: (id: string) => {
      assertLongNameWithin(limits, id, 'id');
      return tasks.expireClaim(id);
    },
    expireLock: (key: string) => {
      assertNameWithin(limits, key, 'key');
      return leases.expire(lockLeaseKey(key));
    },
    expireLeadership: (group: string) => {
      assertNameWithin(limits, group, 'group');
      return leases.expire(leadershipLeaseKey(group));
    },
    partition: (holder: string) => setFault(holder, 'partitioned'),
    failRequests: (holder: string) => setFault(holder, 'failing'),
    heal: (holder: string) => {
      assertNameWithin(limits, holder, 'holder');
      if (faults.get(holder) !== 'crashed') faults.delete(holder);
    },
    crash: (holder: string) => setFault(holder, 'crashed'),
    inspect: () => ({ leasesHeld: leases.held, watchers: leases.watchers + store.watchers + tasks.watchers }),
    tasksRunning: () => tasks.claimed,
  };
  return Object.freeze(testBackend);
}
