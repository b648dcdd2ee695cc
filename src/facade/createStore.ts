import { firstValueFrom } from 'rxjs';
import type { DeleteOptions, Item, PutOptions, SyncBackend } from '../backend.js';
import { assertBackend } from '../internal/assertBackend.js';

/** go-sync's `Store` for code that is not reactive. */
export interface Store {
  /** Writes `value` at `key`; resolves with the written item; rejects with `VersionConflictError` when `ifVersion` does not match. */
  put(key: string, value: string, options?: PutOptions): Promise<Item>;
  /** Resolves with the item at `key`, or `undefined`. */
  get(key: string): Promise<Item | undefined>;
  /** Deletes `key`; resolves with whether it existed; rejects with `VersionConflictError` when `ifVersion` does not match. */
  delete(key: string, options?: DeleteOptions): Promise<boolean>;
  /** Resolves with every item under `prefix`, sorted by key. */
  list(prefix: string): Promise<readonly Item[]>;
}

/**
 * The Promise facade of the store, line for line go-sync's `Store`.
 *
 * @remarks
 * Each call is one backend request. Arguments are checked at call time: a bad key, value or
 * option throws `TypeError`/`RangeError` synchronously, before any Promise is made. Follow values
 * with {@link keyValue} and {@link changes}.
 *
 * @example
 * ```ts
 * import { createStore } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const store = createStore(createMemoryBackend());
 * const written = await store.put('foo', 'bar');
 * await store.put('foo', 'baz', { ifVersion: written.version }); // compare-and-set
 * console.log((await store.get('foo'))?.value); // baz
 * await store.delete('foo');
 * ```
 *
 * @param backend - The store's backend.
 */
export function createStore(backend: SyncBackend): Store {
  assertBackend(backend);
  return Object.freeze({
    put: (key: string, value: string, options?: PutOptions) => firstValueFrom(backend.put(key, value, options)),
    get: (key: string) => firstValueFrom(backend.get(key)),
    delete: (key: string, options?: DeleteOptions) => firstValueFrom(backend.delete(key, options)),
    list: (prefix: string) => firstValueFrom(backend.list(prefix)),
  });
}
