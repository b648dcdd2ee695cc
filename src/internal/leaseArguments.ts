import type { LeaseClaim } from '../backend.js';
import { assertLeaseDurationWithin, assertLongNameWithin, assertNameWithin, assertValueWithin } from './limits.js';
import { type BackendLimits } from '../limits.js';
import { assertKnownOptions, assertPositiveDuration, optionNames } from './validate.js';

/** The names of {@link LeaseClaim}: `tryAcquire` refuses any other key. */
const LEASE_CLAIM_NAMES = optionNames<LeaseClaim>({
  owner: true,
  holder: true,
  value: true,
  leaseDuration: true,
  placeDuration: true,
});

/**
 * Call-time checks of the lease methods of `SyncBackend`, shared by every backend, within the
 * backend's limits; each throws `TypeError` or `RangeError` naming the argument. A lease key may be
 * a little longer than a name: rx-sync puts `lock:` or `leader:` before the user's key or group.
 */
export function leaseArgumentChecks(limits: BackendLimits) {
  const key = (value: unknown): void => assertLongNameWithin(limits, value, 'key');
  const owner = (value: unknown): void => assertNameWithin(limits, value, 'owner');
  return Object.freeze({
    tryAcquire(leaseKey: unknown, claim: LeaseClaim): void {
      key(leaseKey);
      if (typeof claim !== 'object' || claim === null) {
        throw new TypeError(
          'Expected `claim` to be an object ({ owner, holder, leaseDuration, value?, placeDuration? }).',
        );
      }
      assertKnownOptions(claim, { names: LEASE_CLAIM_NAMES, caller: 'tryAcquire', path: 'claim' });
      assertNameWithin(limits, claim.owner, 'claim.owner');
      assertNameWithin(limits, claim.holder, 'claim.holder');
      assertLeaseDurationWithin(limits, claim.leaseDuration, 'claim.leaseDuration');
      if (claim.value !== undefined) assertValueWithin(limits, claim.value, 'claim.value');
      if (claim.placeDuration !== undefined) assertPositiveDuration(claim.placeDuration, 'claim.placeDuration');
    },
    renew(leaseKey: unknown, leaseOwner: unknown, leaseDuration: unknown): void {
      key(leaseKey);
      owner(leaseOwner);
      assertLeaseDurationWithin(limits, leaseDuration, 'leaseDuration');
    },
    release(leaseKey: unknown, leaseOwner: unknown): void {
      key(leaseKey);
      owner(leaseOwner);
    },
    updateLease(leaseKey: unknown, leaseOwner: unknown, value: unknown): void {
      key(leaseKey);
      owner(leaseOwner);
      assertValueWithin(limits, value, 'value');
    },
    vacancies(leaseKey: unknown, place: unknown): void {
      key(leaseKey);
      if (place !== undefined) assertNameWithin(limits, place, 'place');
    },
    /** `readLease`, `leaseEvents`. */
    key,
  });
}
