import { switchMap, timer, type Observable } from 'rxjs';
import type { SubmitOptions, WorkerOptions } from 'rx-sync';

/**
 * Timing of the task marble specs: a claim is kept 20 frames without renewal and renewed every 6,
 * the worker gives up 2 frames before the backend would (frame 18 after the last confirmed
 * renewal), idle workers poll only at subscription (they are woken by signals), and a stopped
 * worker's running tasks get 10 frames.
 */
export const WORKER_TIMING = Object.freeze({
  leaseDuration: 20,
  renewInterval: 6,
  driftMargin: 2,
  pollInterval: 1_000,
  gracePeriod: 10,
} satisfies WorkerOptions);

/** Retries after 4, 8, 16, 16… frames, without jitter. */
export const RETRY_TIMING = Object.freeze({
  retryDelay: 4,
  maxRetryDelay: 16,
  retryJitter: 0,
} satisfies SubmitOptions);

/** Subscribes to `source` at `frame` of virtual time (inside `run()`). */
export function at<T>(frame: number, source: Observable<T>): Observable<T> {
  return timer(frame).pipe(switchMap(() => source));
}

/** Calls `record` with the reason's name when `signal` is aborted, and the frame. */
export function onAbort(signal: AbortSignal, now: () => number, record: (entry: string) => void): void {
  signal.addEventListener('abort', () => record(`${now()}:${(signal.reason as Error).name}`));
}
