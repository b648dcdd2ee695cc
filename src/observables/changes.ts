import { defer, share, type Observable } from 'rxjs';
import type { ChangeEvent, SyncBackend } from '../backend.js';
import { assertBackend } from '../internal/assertBackend.js';
import { assertPrefixWithin, limitsOf } from '../internal/limits.js';

/**
 * Every change of the store under a key prefix: puts, deletes and expiries, as they happen.
 *
 * @remarks
 * ```
 * writes:              --a--b--x--     (a, b: puts; x: a delete)
 * changes(b, 'cfg/'):  --a--b--x--
 * ```
 * Emits each {@link ChangeEvent} whose key starts with `prefix` (the empty prefix follows the
 * whole store), from subscription on, in the order the backend applied them. Combine it with
 * `backend.list(prefix)` for a snapshot first. Never completes; errors when the backend does.
 * Subscribers of one returned Observable share one watch.
 *
 * @example
 * ```ts
 * import { changes } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * changes(backend, 'config/').subscribe((event) => console.log(event.type, event.key, event.version));
 * backend.put('config/mode', 'fast').subscribe();
 * ```
 *
 * @param backend - The store.
 * @param prefix - Key prefix to follow; `''` follows every key.
 * @returns A shared Observable of {@link ChangeEvent}s.
 * @throws TypeError, at call time, for a bad prefix.
 * @see {@link keyValue} to follow the value of one key.
 */
export function changes(backend: SyncBackend, prefix: string): Observable<ChangeEvent> {
  assertBackend(backend);
  assertPrefixWithin(limitsOf(backend), prefix, 'prefix');
  return defer(() => backend.changes(prefix)).pipe(share());
}
