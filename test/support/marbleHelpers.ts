import { catchError, concatMap, map, of, timer, type Observable, type OperatorFunction } from 'rxjs';
import type { Lease, Term } from 'rx-sync';
import type { TestBackend } from 'rx-sync/testing';

/**
 * Helpers of the marble specs (test/marble/**): lease timing whose frames are easy to add up,
 * plain-data views of emitted leases and terms (they carry functions, which `toEqual` cannot
 * compare), leak checks in virtual time, and a way to drive store writes from a marble.
 */

/**
 * Lease timing of every marble spec, so that each frame is exact: a grant or renewal sent at frame
 * `t` is valid until `t + 18` (VALIDITY), the backend keeps it until `t + 20`, renewals go every 6
 * frames, failed renewals are retried every 4 frames, and waiters poll at +4, +8, +16, +16… (no
 * jitter), never later than the holder's lease ends.
 */
export const TIMING = Object.freeze({
  leaseDuration: 20,
  renewInterval: 6,
  driftMargin: 2,
  retryJitter: 0,
  retryDelay: 4,
  maxRetryDelay: 16,
});

/** Frames a grant or renewal stays valid for the holder: `leaseDuration - driftMargin`. */
export const VALIDITY = TIMING.leaseDuration - TIMING.driftMargin;

/** The comparable part of a {@link Lease}. */
export interface LeaseData {
  readonly key: string;
  readonly holder: string;
  readonly token: number;
}

/** Maps each {@link Lease} to plain data (drops `isValid`). */
export function toLeaseData(): OperatorFunction<Lease, LeaseData> {
  return map(({ key, holder, token }) => ({ key, holder, token }));
}

/** The comparable part of a {@link Term}. */
export interface TermData {
  readonly group: string;
  readonly candidate: string;
  readonly term: number;
  readonly value?: string;
}

/** Maps each {@link Term} to plain data (drops `isValid` and `proclaim`). */
export function toTermData(): OperatorFunction<Term, TermData> {
  return map(({ group, candidate, term, value }) => ({
    group,
    candidate,
    term,
    ...(value !== undefined && { value }),
  }));
}

/** What `inspect()` reports when nothing is held and nobody watches. */
export const CLEAN = Object.freeze({ leasesHeld: 0, watchers: 0 });

/**
 * `backend.inspect()` read at `frame` of virtual time, as a one-value stream: assert it with
 * `expectObservable(inspectAt(backend, 40)).toBe('40ms (c|)', { c: CLEAN })`. It must be read
 * inside `run()`: outside, the backend's clock is the wall clock, and every lease looks expired.
 * Call it after the `expectObservable` calls whose unsubscriptions share its frame, so it runs
 * after them.
 */
export function inspectAt(backend: TestBackend, frame: number): Observable<ReturnType<TestBackend['inspect']>> {
  return timer(frame).pipe(map(() => backend.inspect()));
}

/** Runs `action` at `frame` of virtual time (inside `run()`), after what was scheduled for that frame before. */
export function atFrame(frame: number, action: () => void): void {
  timer(frame).subscribe(action);
}

/** One store request, made when its marble event fires. */
export type Write = () => Observable<unknown>;

/**
 * Performs each write of a marble stream in order and emits its reply, or its error as a value
 * (so that a `VersionConflictError` shows in the marble without ending the stream).
 */
export function performWrites(writes: Observable<Write>): Observable<unknown> {
  return writes.pipe(concatMap((write) => write().pipe(catchError((error: unknown) => of(error)))));
}
