import type { SyncBackend } from '../backend.js';
import type { BackendLimits } from '../limits.js';
import { leaseArgumentChecks } from './leaseArguments.js';
import {
  assertDeleteArguments,
  assertKeyArgument,
  assertPrefixArgument,
  assertPutArguments,
} from './storeArguments.js';
import { withChecks } from './withChecks.js';

/** The methods of a {@link SyncBackend}: what a backend implements besides its name and limits. */
export type SyncMethods = Omit<SyncBackend, 'name' | 'limits'>;

/**
 * The methods of a {@link SyncBackend}, each checking its arguments within `limits` at call time
 * (`TypeError` or `RangeError` naming the argument) before it runs: the one place that says which
 * checks each method gets, for every backend (memory, Redis, and the ones to come), as
 * `withTaskArgumentChecks` does for the task methods.
 */
export function withSyncArgumentChecks(methods: SyncMethods, limits: BackendLimits): SyncMethods {
  const lease = leaseArgumentChecks(limits);
  return withChecks(methods, {
    tryAcquire: lease.tryAcquire,
    renew: lease.renew,
    release: lease.release,
    updateLease: lease.updateLease,
    readLease: lease.key,
    leaseEvents: lease.key,
    vacancies: lease.vacancies,
    get: (key) => assertKeyArgument(key, limits),
    put: (key, value, options) => assertPutArguments(key, value, options, limits),
    delete: (key, options) => assertDeleteArguments(key, options, limits),
    list: (prefix) => assertPrefixArgument(prefix, limits),
    changes: (prefix) => assertPrefixArgument(prefix, limits),
  });
}
