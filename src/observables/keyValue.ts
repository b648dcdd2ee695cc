import { defer, filter, map, merge, shareReplay, type Observable } from 'rxjs';
import type { Item, SyncBackend } from '../backend.js';
import { assertBackend } from '../internal/assertBackend.js';
import { assertNameWithin, limitsOf } from '../internal/limits.js';

/**
 * The value of one key of the store: the current item (or `undefined` when absent), then every
 * change, in version order.
 *
 * @remarks
 * ```
 * put v1 / put v2 / delete:  ---p----p----d--
 * keyValue(b, 'k'):          u--1----2----u--     u: undefined (absent)
 * ```
 * Subscribing watches the key's changes first and then reads it, so no write between the two is
 * missed; anything not newer than what was already emitted is dropped, so the stream never goes
 * back in versions. Expiry (`timeToLive`) emits `undefined` like a delete. Never completes; errors
 * when the backend does. Subscribers of one returned Observable share one watch and get the
 * latest value at once.
 *
 * @example
 * ```ts
 * import { keyValue } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * keyValue(backend, 'config/mode').subscribe((item) => console.log(item?.value ?? '(unset)'));
 * backend.put('config/mode', 'fast').subscribe();
 * ```
 *
 * @param backend - The store.
 * @param key - The key to follow.
 * @returns A shared Observable of the key's current {@link Item} or `undefined`.
 * @throws TypeError, at call time, for a bad key.
 * @see {@link changes} to follow every key under a prefix.
 */
export function keyValue(backend: SyncBackend, key: string): Observable<Item | undefined> {
  assertBackend(backend);
  assertNameWithin(limitsOf(backend), key, 'key');
  return defer(() => {
    let latest = -1;
    const changed = backend.changes(key).pipe(
      filter((event) => event.key === key),
      map((event) => ({ version: event.version, item: event.type === 'put' ? event.item : undefined })),
    );
    const current = backend.get(key).pipe(map((item) => ({ version: item?.version ?? 0, item })));
    return merge(changed, current).pipe(
      filter((state) => {
        if (state.version <= latest) return false;
        latest = state.version;
        return true;
      }),
      map((state) => state.item),
    );
  }).pipe(shareReplay({ bufferSize: 1, refCount: true }));
}
