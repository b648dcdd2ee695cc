/**
 * Ownership of a lock, as emitted by {@link lock}.
 *
 * @example
 * ```ts
 * import { lock } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * lock(createMemoryBackend(), 'invoices').subscribe((lease) => {
 *   if (lease.isValid()) console.log(`writing with fencing token ${lease.token}`);
 * });
 * ```
 */
export interface Lease {
  /** The lock's key. */
  readonly key: string;
  /** Public name of this holder. */
  readonly holder: string;
  /**
   * Fencing token: strictly greater than every earlier holder's token for this key. Pass it to the
   * resource you guard and have it reject writes with a lower token than it has seen.
   */
  readonly token: number;
  /**
   * Whether the lock is still safely held right now: acquired, not lost, and before the local
   * validity deadline. Check it right before a side effect that the lock guards.
   */
  isValid(): boolean;
}
