import type { Observable } from 'rxjs';
import type { LeaseAttempt, LeaseClaim, LeaseHolder } from '../../../backend.js';

/**
 * The lease half of the contract as the Redis backend runs it: on one instance, or by quorum over
 * several masters. Requests are cold; errors are raw (the backend maps them to typed errors).
 */
export interface LeaseOperations {
  tryAcquire(key: string, claim: LeaseClaim): Observable<LeaseAttempt>;
  renew(key: string, owner: string, leaseDuration: number): Observable<boolean>;
  release(key: string, owner: string): Observable<boolean>;
  update(key: string, owner: string, value: string): Observable<boolean>;
  read(key: string): Observable<LeaseHolder | undefined>;
}
