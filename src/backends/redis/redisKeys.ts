import { crc16, HASH_SLOTS, hashSlot } from './hashSlot.js';

/**
 * How many shards the store's items are spread over. Fixed: it is part of the key layout (every
 * process must put a key in the same shard), so it never changes for a given prefix.
 */
export const STORE_SHARDS = 256;

/**
 * Names of every Redis key and channel the backend uses. Each lease gets its own hash tag,
 * `{kind:name}`; each store item lives in one of {@link STORE_SHARDS} store shards, whose hash tags
 * `{kv~N}` are chosen so that the shards spread evenly over the 16384 slots of Redis Cluster. So
 * every script touches one slot, and on a Cluster each store shard has a sharded pub/sub channel in
 * the slot of its items. Braces in user names are escaped so they cannot end the tag early.
 */
export class RedisKeys {
  /**
   * @param prefix - The backend's `prefix`.
   * @param publishedPrefix - What a script must put before a channel it publishes to so that
   *   subscribers hear it: on a Cluster, the client's `keyPrefix` (ioredis prefixes sharded
   *   channels when subscribing, as keys, but cannot see the channels a script publishes to).
   */
  constructor(
    private readonly prefix: string,
    private readonly publishedPrefix = '',
  ) {}

  /** The name a script publishes to for `channel` (one of the channels below). */
  published(channel: string): string {
    return this.publishedPrefix + channel;
  }

  /** The hash holding a lease's owner, holder, token and value (backend lease keys are `lock:x`, `leader:x`). */
  lease(key: string): string {
    return `${this.prefix}:{${escape(key)}}:lease`;
  }

  /** The counter of a lease's fencing tokens; it outlives the lease. */
  leaseToken(key: string): string {
    return `${this.prefix}:{${escape(key)}}:token`;
  }

  /** A lease's line of waiters: owner ids scored by arrival. */
  leaseLine(key: string): string {
    return `${this.prefix}:{${escape(key)}}:line`;
  }

  /** The deadlines of the places in a lease's line: owner ids scored by the server time (ms) their place lapses. */
  leaseLineDeadlines(key: string): string {
    return `${this.prefix}:{${escape(key)}}:line-deadlines`;
  }

  /**
   * The waiters in a lease's line: owner id → what the line keeps of its claim (the inbox of the
   * backend it waits through, its holder name and value, its place's duration), as JSON.
   */
  leaseLineWaiters(key: string): string {
    return `${this.prefix}:{${escape(key)}}:line-waiters`;
  }

  /** The channel of a lease's events. */
  leaseChannel(key: string): string {
    return `${this.prefix}:{${escape(key)}}:events`;
  }

  /**
   * The channel on which the waiters of a lease that wait through one backend (`inbox`) hear that
   * it is their turn: in the lease's slot, so a script can publish to it on a Cluster.
   */
  leaseTurns(key: string, inbox: string): string {
    return this.leaseTurnsPrefix(key) + inbox;
  }

  /** What the channels of turns of a lease ({@link leaseTurns}) start with. */
  leaseTurnsPrefix(key: string): string {
    return `${this.prefix}:{${escape(key)}}:turns:`;
  }

  /** The hash holding a store item's value, version and expiry. */
  item(key: string): string {
    return `${this.prefix}:{${storeShardTag(key)}}:item:${escape(key)}`;
  }

  /** The last version of a store item; it outlives a delete so versions never repeat. */
  itemVersion(key: string): string {
    return `${this.prefix}:{${storeShardTag(key)}}:version:${escape(key)}`;
  }

  /** The SCAN pattern of the store items (`part` 'item') or version counters ('version') under `keyPrefix`. */
  storePattern(part: 'item' | 'version', keyPrefix: string): string {
    return `${escapeGlob(this.prefix)}:{kv~*}:${part}:${escapeGlob(escape(keyPrefix))}*`;
  }

  /** Recovers a store key from the name of its item hash or version counter; `undefined` for another shape. */
  keyOfStoreName(part: 'item' | 'version', name: string): string | undefined {
    const head = `${this.prefix}:{kv~`;
    if (!name.startsWith(head)) return undefined;
    const match = /^\d+\}:(item|version):/.exec(name.slice(head.length));
    if (match?.[1] !== part) return undefined;
    return unescape(name.slice(head.length + match[0].length));
  }

  /** The sorted set of store items with a time to live, scored by expiry time (ms, server clock). */
  expiring(): string {
    return `${this.prefix}:{kv-expiring}`;
  }

  /**
   * The channel of every store change (standalone and Sentinel: classic pub/sub, where a channel
   * belongs to no slot); watchers filter by prefix on their side.
   */
  storeChannel(): string {
    return `${this.prefix}:{kv-changes}`;
  }

  /**
   * The sharded pub/sub channel (Redis Cluster) of the store shard that holds `key`: in the slot of
   * the item's keys, so the item's scripts can `SPUBLISH` to it.
   */
  storeShardChannel(key: string): string {
    return `${this.prefix}:{${storeShardTag(key)}}:changes`;
  }

  /**
   * The keys of the task queue of one task name, all under the hash tag `{task:NAME}` (one Cluster
   * slot per name): the queue of claimable tasks (sorted set scored by queue order), the delayed
   * retries (scored by due time), the running claims (scored by lease deadline), the counter of
   * task numbers, tokens and queue order, and the bases that task records and idempotency keys
   * extend (passed as keys so that a client's `keyPrefix` applies to them too).
   */
  taskKeys(name: string): TaskKeys {
    const tag = `${this.prefix}:{task:${escape(name)}}`;
    return [`${tag}:queue`, `${tag}:delayed`, `${tag}:claims`, `${tag}:counter`, `${tag}:task:`, `${tag}:idempotency:`];
  }

  /** The channel of a task name's events (and so of its workers' wake-ups), in the slot of its keys. */
  taskChannel(name: string): string {
    return `${this.prefix}:{task:${escape(name)}}:events`;
  }

  /** Every store shard's sharded pub/sub channel: what `changes()` listens to on Redis Cluster. */
  storeShardChannels(): readonly string[] {
    return shardTags().map((tag) => `${this.prefix}:{${tag}}:changes`);
  }
}

/** See {@link RedisKeys.taskKeys}. */
export type TaskKeys = [
  queue: string,
  delayed: string,
  claims: string,
  counter: string,
  taskBase: string,
  idempotencyBase: string,
];

/** The store shard of a key: CRC16 of its UTF-8 bytes modulo {@link STORE_SHARDS}. */
export function storeShard(key: string): number {
  return crc16(Buffer.from(key, 'utf8')) % STORE_SHARDS;
}

function storeShardTag(key: string): string {
  return shardTags()[storeShard(key)]!;
}

let tags: readonly string[] | undefined;

/**
 * The hash tag of each store shard: shard `s` gets the first of `kv~0`, `kv~1`, ... whose hash slot
 * falls in the `s`-th of {@link STORE_SHARDS} equal ranges of the 16384 slots, so the shards spread
 * evenly over the masters of a Cluster (whose masters own contiguous slot ranges). Deterministic:
 * every process computes the same tags.
 */
export function shardTags(): readonly string[] {
  if (tags) return tags;
  const width = HASH_SLOTS / STORE_SHARDS;
  const found: (string | undefined)[] = new Array<string | undefined>(STORE_SHARDS).fill(undefined);
  let missing = STORE_SHARDS;
  for (let n = 0; missing > 0; n++) {
    const shard = Math.floor(hashSlot(`kv~${n}`) / width);
    if (found[shard] === undefined) {
      found[shard] = `kv~${n}`;
      missing--;
    }
  }
  tags = Object.freeze(found as string[]);
  return tags;
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
