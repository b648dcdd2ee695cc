import type { SyncBackend } from '../backend.js';
import type { BackendLimits } from '../limits.js';
import { leaseArgumentChecks } from './leaseArguments.js';
import {
  assertDeleteArguments,
  assertKeyArgument,
  assertPrefixArgument,
  assertPutArguments,
} from './storeArguments.js';

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
  return {
    ...methods, // any method not listed here (`now`) passes through as it is
    tryAcquire(key, claim) {
      lease.tryAcquire(key, claim);
      return methods.tryAcquire(key, claim);
    },
    renew(key, owner, leaseDuration) {
      lease.renew(key, owner, leaseDuration);
      return methods.renew(key, owner, leaseDuration);
    },
    release(key, owner) {
      lease.release(key, owner);
      return methods.release(key, owner);
    },
    updateLease(key, owner, value) {
      lease.updateLease(key, owner, value);
      return methods.updateLease(key, owner, value);
    },
    readLease(key) {
      lease.key(key);
      return methods.readLease(key);
    },
    leaseEvents(key) {
      lease.key(key);
      return methods.leaseEvents(key);
    },
    vacancies(key) {
      lease.key(key);
      return methods.vacancies(key);
    },
    get(key) {
      assertKeyArgument(key, limits);
      return methods.get(key);
    },
    put(key, value, options) {
      assertPutArguments(key, value, options, limits);
      return methods.put(key, value, options);
    },
    delete(key, options) {
      assertDeleteArguments(key, options, limits);
      return methods.delete(key, options);
    },
    list(prefix) {
      assertPrefixArgument(prefix, limits);
      return methods.list(prefix);
    },
    changes(prefix) {
      assertPrefixArgument(prefix, limits);
      return methods.changes(prefix);
    },
  };
}
