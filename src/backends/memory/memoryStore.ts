import { Subscription, timer, type Observable } from 'rxjs';
import type { ChangeEvent, DeleteOptions, Item, PutOptions } from '../../backend.js';
import { VersionConflictError } from '../../errors/VersionConflictError.js';
import { schedulerNow } from '../../internal/clock.js';
import { Listeners } from './listeners.js';

interface StoredItem {
  readonly item: Item;
  readonly expiresAt: number;
  readonly expiry: Subscription;
}

/**
 * The key-value store of a memory backend. Versions come from one counter for the whole store, so
 * they grow with every write, delete and expiry and never repeat, even for a key deleted and
 * written again. Expiry runs on RxJS timers (virtual time in marble tests).
 */
export class MemoryStore {
  private readonly items = new Map<string, StoredItem>();
  private readonly listeners = new Listeners<ChangeEvent>();
  private version = 0;

  get(key: string): Item | undefined {
    return this.listeners.batch(() => {
      return this.live(key)?.item;
    });
  }

  put(key: string, value: string, options: PutOptions = {}): Item {
    return this.listeners.batch(() => {
      const current = this.live(key);
      this.check(key, options.ifVersion, current);
      current?.expiry.unsubscribe();
      const item: Item = { key, value, version: ++this.version };
      const timeToLive = options.timeToLive;
      const stored: StoredItem =
        timeToLive === undefined
          ? { item, expiresAt: Infinity, expiry: Subscription.EMPTY }
          : {
              item,
              expiresAt: schedulerNow() + timeToLive,
              expiry: timer(timeToLive).subscribe(() => {
                if (this.items.get(key) === stored) this.remove(key, stored, 'expired');
              }),
            };
      this.items.set(key, stored);
      this.listeners.publish({ type: 'put', key, version: item.version, item }, (prefix) => key.startsWith(prefix));
      return item;
    });
  }

  delete(key: string, options: DeleteOptions = {}): boolean {
    return this.listeners.batch(() => {
      const current = this.live(key);
      this.check(key, options.ifVersion, current);
      if (!current) return false;
      this.remove(key, current, 'deleted');
      return true;
    });
  }

  list(prefix: string): Item[] {
    return this.listeners.batch(() => {
      const found: Item[] = [];
      for (const key of [...this.items.keys()]) {
        if (!key.startsWith(prefix)) continue;
        const item = this.live(key)?.item;
        if (item) found.push(item);
      }
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    });
  }

  changes(prefix: string): Observable<ChangeEvent> {
    return this.listeners.observe(prefix);
  }

  /** Listeners attached to change events, for leak checks. */
  get watchers(): number {
    return this.listeners.size;
  }

  private check(key: string, ifVersion: number | undefined, current: StoredItem | undefined): void {
    const actual = current?.item.version ?? 0;
    if (ifVersion !== undefined && ifVersion !== actual) throw new VersionConflictError(key, ifVersion, actual);
  }

  private live(key: string): StoredItem | undefined {
    const stored = this.items.get(key);
    if (stored && schedulerNow() >= stored.expiresAt) {
      this.remove(key, stored, 'expired');
      return undefined;
    }
    return stored;
  }

  private remove(key: string, stored: StoredItem, type: 'deleted' | 'expired'): void {
    stored.expiry.unsubscribe();
    this.items.delete(key);
    this.listeners.publish({ type, key, version: ++this.version }, (prefix) => key.startsWith(prefix));
  }
}
