/**
 * Names of every Redis key and channel the backend uses. Each primitive instance (one lease, one
 * store item) gets its own hash tag, `{kind:name}`, so every script touches one slot and the same
 * code runs on Redis Cluster. Braces in user names are escaped so they cannot end the tag early.
 */
export class RedisKeys {
  constructor(private readonly prefix: string) {}

  /** The hash holding a lease's owner, holder, token and value (backend lease keys are `lock:x`, `leader:x`). */
  lease(key: string): string {
    return `${this.prefix}:{${escape(key)}}:lease`;
  }

  /** The counter of a lease's fencing tokens; it outlives the lease. */
  leaseToken(key: string): string {
    return `${this.prefix}:{${escape(key)}}:token`;
  }

  /** The channel of a lease's events. */
  leaseChannel(key: string): string {
    return `${this.prefix}:{${escape(key)}}:events`;
  }

  /** The hash holding a store item's value, version and expiry. */
  item(key: string): string {
    return `${this.prefix}:{kv:${escape(key)}}:item`;
  }

  /** The last version of a store item; it outlives a delete so versions never repeat. */
  itemVersion(key: string): string {
    return `${this.prefix}:{kv:${escape(key)}}:version`;
  }

  /** The SCAN pattern of the store items (`part` 'item') or version counters ('version') under `keyPrefix`. */
  storePattern(part: 'item' | 'version', keyPrefix: string): string {
    return `${escapeGlob(this.prefix)}:{kv:${escapeGlob(escape(keyPrefix))}*}:${part}`;
  }

  /** Recovers a store key from the name of its item hash or version counter; `undefined` for another shape. */
  keyOfStoreName(part: 'item' | 'version', name: string): string | undefined {
    const head = `${this.prefix}:{kv:`;
    const tail = `}:${part}`;
    if (!name.startsWith(head) || !name.endsWith(tail)) return undefined;
    return unescape(name.slice(head.length, name.length - tail.length));
  }

  /** The sorted set of store items with a time to live, scored by expiry time (ms, server clock). */
  expiring(): string {
    return `${this.prefix}:{kv-expiring}`;
  }

  /** The channel of every store change; watchers filter by prefix on their side. */
  storeChannel(): string {
    return `${this.prefix}:{kv-changes}`;
  }
}

function escape(name: string): string {
  return name.replace(/[\\{}]/g, (character) => `\\${character === '{' ? '(' : character === '}' ? ')' : '\\'}`);
}

function unescape(name: string): string {
  return name.replace(/\\(.)/g, (_, character: string) =>
    character === '(' ? '{' : character === ')' ? '}' : character,
  );
}

/** Escapes the glob characters of SCAN's MATCH. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}
