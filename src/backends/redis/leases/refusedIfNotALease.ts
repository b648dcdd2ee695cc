import { catchError, of, throwError, type OperatorFunction } from 'rxjs';

/**
 * For an owner-checked lease step (renew, release, update): a `WRONGTYPE` reply means the lease key
 * holds something that is not a lease (another program, or an operator, wrote a plain value there),
 * which proves that the owner does not hold it: the step is refused (`refusal`), as when the key is
 * gone or has another owner, not failed as if Redis could not be reached for a while.
 */
export function refusedIfNotALease<T, R>(refusal: R): OperatorFunction<T, T | R> {
  return catchError((error: unknown) =>
    error instanceof Error && error.message.startsWith('WRONGTYPE') ? of(refusal) : throwError(() => error),
  );
}
