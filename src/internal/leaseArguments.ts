import type { LeaseClaim } from '../backend.js';
import { assertName, assertPositiveDuration, assertString } from './validate.js';

/** Call-time checks of `tryAcquire`, shared by every backend; throws `TypeError`/`RangeError`. */
export function assertTryAcquireArguments(key: unknown, claim: LeaseClaim): void {
  assertName(key, 'key');
  assertName(claim.owner, 'claim.owner');
  assertName(claim.holder, 'claim.holder');
  assertPositiveDuration(claim.leaseDuration, 'claim.leaseDuration');
  if (claim.value !== undefined) assertString(claim.value, 'claim.value');
}
