import { defer, filter, map, of, type Observable } from 'rxjs';
import type { DeleteOptions, PutOptions, SyncBackend } from '../../backend.js';
import { schedulerNow } from '../../internal/clock.js';
import {
  assertDeleteArguments,
  assertKeyArgument,
  assertPrefixArgument,
  assertPutArguments,
} from '../../internal/storeArguments.js';
import { assertTryAcquireArguments } from '../../internal/leaseArguments.js';
import { assertName, assertPositiveDuration, assertString } from '../../internal/validate.js';
import { MemoryLeases } from './memoryLeases.js';
import { MemoryStore } from './memoryStore.js';
import { MemoryTasks } from './memoryTasks.js';
import type { TaskBackend } from '../../taskBackend.js';
import { assertTaskBackendArguments as check } from '../../internal/taskArguments.js';

/** The memory backend: a {@link SyncBackend} that also runs tasks ({@link TaskBackend}). */
export interface MemoryBackend extends SyncBackend, TaskBackend {
  readonly name: string;
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
 * @returns A new, empty {@link MemoryBackend}: a {@link SyncBackend} and a {@link TaskBackend}.
 * @see {@link createTestBackend} (rx-sync/testing) for a memory backend with fault controls.
 */
export function createMemoryBackend(): MemoryBackend {
  return createMemoryBackendInternals().backend;
}

/** Builds a memory backend and keeps hold of its internals (for the testing entry point). */
export function createMemoryBackendInternals(): MemoryBackendInternals {
  const leases = new MemoryLeases();
  const store = new MemoryStore();
  const tasks = new MemoryTasks();
  const reply = <T>(run: () => T): Observable<T> => defer(() => of(run()));
  const backend: MemoryBackend = {
    name: 'memory',
    tryAcquire(key, claim) {
      assertTryAcquireArguments(key, claim);
      return reply(() => leases.tryAcquire(key, claim));
    },
    renew(key, owner, leaseDuration) {
      assertName(key, 'key');
      assertPositiveDuration(leaseDuration, 'leaseDuration');
      return reply(() => leases.renew(key, owner, leaseDuration));
    },
    release(key, owner) {
      assertName(key, 'key');
      return reply(() => leases.release(key, owner));
    },
    updateLease(key, owner, value) {
      assertName(key, 'key');
      assertString(value, 'value');
      return reply(() => leases.update(key, owner, value));
    },
    readLease(key) {
      assertName(key, 'key');
      return reply(() => leases.read(key));
    },
    leaseEvents(key) {
      assertName(key, 'key');
      return leases.events(key);
    },
    vacancies(key) {
      assertName(key, 'key');
      // Every waiter: in process, a losing attempt costs nothing, and all wake in the same instant.
      return leases.events(key).pipe(
        filter((event) => event.type === 'released' || event.type === 'expired'),
        map(() => undefined),
      );
    },
    get(key) {
      assertKeyArgument(key);
      return reply(() => store.get(key));
    },
    put(key: string, value: string, options?: PutOptions) {
      assertPutArguments(key, value, options);
      return reply(() => store.put(key, value, options));
    },
    delete(key: string, options?: DeleteOptions) {
      assertDeleteArguments(key, options);
      return reply(() => store.delete(key, options));
    },
    list(prefix) {
      assertPrefixArgument(prefix);
      return reply(() => store.list(prefix));
    },
    changes(prefix) {
      assertPrefixArgument(prefix);
      return store.changes(prefix);
    },
    now() {
      return reply(schedulerNow);
    },
    enqueue(request) {
      check.request(request);
      return reply(() => tasks.enqueue(request));
    },
    claim(worker, names, leaseDuration, limit) {
      check.claim(worker, names, leaseDuration, limit);
      return reply(() => tasks.claim(worker, names, leaseDuration, limit));
    },
    renewTask(id, token, leaseDuration) {
      check.owned(id, token);
      assertPositiveDuration(leaseDuration, 'leaseDuration');
      return reply(() => tasks.renew(id, token, leaseDuration));
    },
    reportProgress(id, token, value) {
      check.owned(id, token);
      assertString(value, 'value');
      return reply(() => tasks.progress(id, token, value));
    },
    completeTask(id, token, result) {
      check.owned(id, token);
      if (result !== undefined) assertString(result, 'result');
      return reply(() => tasks.complete(id, token, result));
    },
    failTask(id, token, error, retryDelay) {
      check.owned(id, token);
      check.failure(error, retryDelay);
      return reply(() => tasks.fail(id, token, error, retryDelay));
    },
    cancelTask(id) {
      assertName(id, 'id');
      return reply(() => tasks.cancel(id));
    },
    readTask(id) {
      assertName(id, 'id');
      return reply(() => tasks.read(id));
    },
    taskEvents(id) {
      assertName(id, 'id');
      return tasks.events(id);
    },
    taskSignals(names) {
      check.names(names);
      return tasks.signals(names);
    },
  };
  return { backend: Object.freeze(backend), leases, store, tasks };
}
