/** How retries spread out: the first delay, its ceiling and the share of it taken off at random. */
export interface Backoff {
  /** The first delay, in ms; it doubles with every retry up to `maxRetryDelay`. */
  readonly retryDelay: number;
  /** The longest delay, in ms. */
  readonly maxRetryDelay: number;
  /** The fraction of each delay taken off at random (0 to 1), so that contenders spread out. */
  readonly retryJitter: number;
}

/**
 * The delay before retry number `retries` (0 for the first): `retryDelay` doubled per retry, up to
 * `maxRetryDelay`, less up to `retryJitter` of it at random. Lease acquisition and task retries use it.
 */
export function backoff(timing: Backoff, retries: number): number {
  const base = Math.min(timing.maxRetryDelay, timing.retryDelay * 2 ** Math.min(retries, 30));
  return base * (1 - timing.retryJitter * Math.random());
}
