import type { Observable } from 'rxjs';

/**
 * One term of leadership, as emitted by {@link leadership}.
 *
 * @example
 * ```ts
 * import { leadership } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * leadership(createMemoryBackend(), 'scheduler', { candidate: 'node-a' }).subscribe((term) => {
 *   console.log(`${term.candidate} leads ${term.group} in term ${term.term}`);
 *   term.proclaim('10.0.0.7:8080').subscribe();
 * });
 * ```
 */
export interface Term {
  /** The leadership group. */
  readonly group: string;
  /** Public id of the elected candidate (this one). */
  readonly candidate: string;
  /** Term number: the lease's fencing token, strictly greater than every earlier term's. */
  readonly term: number;
  /** The value published with the campaign, if any. */
  readonly value?: string;
  /** Whether this process is still safely the leader right now. */
  isValid(): boolean;
  /**
   * Publishes a new value for this term (etcd's Proclaim); emits `true` when published, `false`
   * when the term is already over. Watchers of {@link leader} see the change.
   */
  proclaim(value: string): Observable<boolean>;
}
