import { defer, of, type Observable } from 'rxjs';
import type { SyncBackend } from '../../backend.js';
import { schedulerNow } from '../../internal/clock.js';
import { withSyncArgumentChecks } from '../../internal/syncArguments.js';
import type { BackendLimits } from '../../limits.js';
import { MemoryLeases } from './memoryLeases.js';
import { MemoryStore } from './memoryStore.js';
import { MemoryTasks } from './memoryTasks.js';
import type { TaskBackend } from '../../taskBackend.js';
import { withTaskArgumentChecks } from '../../internal/taskArguments.js';
import { resolveMemoryBackendOptions, type MemoryBackendOptions } from './memoryBackendOptions.js';

/** The memory backend: a {@link SyncBackend} that also runs tasks ({@link TaskBackend}). */
export interface MemoryBackend extends SyncBackend, TaskBackend {
  readonly name: string;
  /** What this backend accepts; see {@link MemoryBackendOptions.limits}. */
  readonly limits: BackendLimits;
}

/**
 * A memory backend, with the internals that the testing entry point's fault controls reach.
 * Not exported from the package: users get a plain {@link SyncBackend}.
 */
export interface MemoryBackendInternals {
  readonly backend: MemoryBackend;
  readonly leases: MemoryLeases;
  readonly store: MemoryStore;
  readonly tasks: MemoryTasks;
}

/**
 * The embedded backend: locks, leadership and the store in this process's memory.
 *
 * @remarks
 * Every handle that shares one backend object sees the same state, so several "nodes" of a test or
 * a single-process application coordinate through it. Replies are synchronous and expiry runs on
 * RxJS timers, so under `TestScheduler.run` everything (lease expiry, renewals, time-to-live)
 * happens in virtual time and marble tests can pin election timing to the frame. State lives as
 * long as the object: nothing is persisted, and other processes do not see it (use the Redis
 * backend for that).
 *
 * @example
 * ```ts
 * import { leadership, leader } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * leader(backend, 'billing').subscribe((current) => console.log(current?.candidate ?? 'nobody'));
 * leadership(backend, 'billing', { candidate: 'node-a' }).subscribe();
 * ```
 *
 * @param options - Its limits; see {@link MemoryBackendOptions}.
 * @returns A new, empty {@link MemoryBackend}: a {@link SyncBackend} and a {@link TaskBackend}.
 * @throws TypeError or RangeError, at call time, for bad options.
 * @see {@link createTestBackend} (rx-sync/testing) for a memory backend with fault controls.
 */
export function createMemoryBackend(options?: MemoryBackendOptions): MemoryBackend {
  return createMemoryBackendInternals(options, 'createMemoryBackend').backend;
}

/**
 * Builds a memory backend and keeps hold of its internals (for the testing entry point); `caller`
 * is the factory named when an option is unknown.
 */
export function createMemoryBackendInternals(
  options: MemoryBackendOptions | undefined,
  caller: string,
): MemoryBackendInternals {
  const { limits } = resolveMemoryBackendOptions(options, caller);
  const leases = new MemoryLeases();
  const store = new MemoryStore();
  const tasks = new MemoryTasks();
  const reply = <T>(run: () => T): Observable<T> => defer(() => of(run()));
  const backend: MemoryBackend = {
    name: 'memory',
    limits,
    ...withSyncArgumentChecks(
      {
        tryAcquire: (key, claim) => reply(() => leases.tryAcquire(key, claim)),
        renew: (key, owner, leaseDuration) => reply(() => leases.renew(key, owner, leaseDuration)),
        release: (key, owner) => reply(() => leases.release(key, owner)),
        updateLease: (key, owner, value) => reply(() => leases.update(key, owner, value)),
        readLease: (key) => reply(() => leases.read(key)),
        leaseEvents: (key) => leases.events(key),
        // Every waiter: in process, a losing attempt costs nothing, and all wake in the same instant.
        vacancies: (key) => leases.vacancies(key),
        get: (key) => reply(() => store.get(key)),
        put: (key, value, putOptions) => reply(() => store.put(key, value, putOptions)),
        delete: (key, deleteOptions) => reply(() => store.delete(key, deleteOptions)),
        list: (prefix) => reply(() => store.list(prefix)),
        changes: (prefix) => store.changes(prefix),
        now: () => reply(schedulerNow),
      },
      limits,
    ),
    ...withTaskArgumentChecks(
      {
        enqueue: (request) => reply(() => tasks.enqueue(request)),
        enqueueAndFollow: (request) => tasks.enqueueAndFollow(request),
        claim: (request) => reply(() => tasks.claim(request)),
        renewTask: (id, token, leaseDuration) => reply(() => tasks.renew(id, token, leaseDuration)),
        reportProgress: (id, token, value) => reply(() => tasks.progress(id, token, value)),
        completeTask: (id, token, result) => reply(() => tasks.complete(id, token, result)),
        failTask: (id, token, error, retryDelay) => reply(() => tasks.fail(id, token, error, retryDelay)),
        cancelTask: (id) => reply(() => tasks.cancel(id)),
        readTask: (id) => reply(() => tasks.read(id)),
        taskEvents: (id) => tasks.events(id),
        taskSignals: (names) => tasks.signals(names),
      },
      limits,
    ),
  };
  return { backend: Object.freeze(backend), leases, store, tasks };
}
