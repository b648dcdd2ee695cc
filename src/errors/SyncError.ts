/**
 * Base class of every error rx-sync raises when it cannot carry out a request.
 *
 * @remarks
 * `transient` tells retry logic whether the same call may succeed later (a lock that is busy now,
 * a backend that cannot be reached) or will fail the same way again (a version conflict). Misuse of
 * the API (a negative duration, an empty key) is not a `SyncError`: it throws the built-in
 * `TypeError` or `RangeError` at call time.
 *
 * @example
 * ```ts
 * import { retry } from 'rxjs';
 * import { lock, SyncError } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * lock(createMemoryBackend(), 'jobs')
 *   .pipe(retry({ count: 3, delay: (error: unknown) => { if (error instanceof SyncError && error.transient) return [0]; throw error; } }))
 *   .subscribe();
 * ```
 */
export abstract class SyncError extends Error {
  /** `true` when the same call may succeed later. */
  abstract readonly transient: boolean;
}
