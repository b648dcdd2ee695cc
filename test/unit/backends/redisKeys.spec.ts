import { crc16, hashSlot, HASH_SLOTS } from '../../../src/backends/redis/hashSlot';
import { RedisKeys, shardTags, storeShard, STORE_SHARDS } from '../../../src/backends/redis/redisKeys';
import { leadershipLeaseKey, lockLeaseKey } from '../../../src/internal/leaseKeys';

describe('hashSlot', () => {
  it('is the CRC16 (XMODEM) of the hash tag or the whole name, modulo 16384, as Redis Cluster computes it', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3); // the XMODEM check value
    // Values from CLUSTER KEYSLOT on redis-server 7.
    expect(hashSlot('foo')).toBe(12182);
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('{user1000}.followers'));
    expect(hashSlot('{user1000}.following')).toBe(3443);
    expect(hashSlot('a{b}c')).toBe(hashSlot('b'));
    expect(hashSlot('{}x')).toBe(hashSlot('{}x')); // an empty tag hashes the whole name
    expect(hashSlot('{}x')).not.toBe(hashSlot(''));
    expect(hashSlot('x{ü}')).toBe(hashSlot('ü')); // UTF-8 bytes
  });
});

describe('store shards', () => {
  it('has one tag per shard, each in its own equal slot range, the same in every process', () => {
    const tags = shardTags();
    expect(tags).toHaveLength(STORE_SHARDS);
    expect(new Set(tags).size).toBe(STORE_SHARDS);
    const width = HASH_SLOTS / STORE_SHARDS;
    tags.forEach((tag, shard) => expect(Math.floor(hashSlot(`{${tag}}`) / width)).toBe(shard));
    // Part of the key layout: these must never change.
    expect(tags.slice(0, 4)).toEqual(['kv~3', 'kv~317', 'kv~7', 'kv~313']);
    expect(shardTags()).toBe(tags);
  });

  it('puts a key in a shard by the CRC16 of its UTF-8 bytes', () => {
    expect(storeShard('cfg/a')).toBe(crc16(Buffer.from('cfg/a')) % STORE_SHARDS);
    const used = new Set(Array.from({ length: 2_000 }, (_, index) => storeShard(`key-${index}`)));
    expect(used.size).toBe(STORE_SHARDS); // keys spread over every shard
  });
});

describe('RedisKeys', () => {
  const keys = new RedisKeys('app');

  it('gives every key of a lease one hash tag, and its channel the same', () => {
    expect(keys.lease('lock:jobs')).toBe('app:{lock:jobs}:lease');
    expect(keys.leaseToken('lock:jobs')).toBe('app:{lock:jobs}:token');
    expect(keys.leaseChannel('lock:jobs')).toBe('app:{lock:jobs}:events');
    expect(keys.lease('lock:{x}')).toBe('app:{lock:\\(x\\)}:lease'); // braces cannot end the tag
  });

  it("puts a store item's keys and its shard channel in one slot", () => {
    const tag = shardTags()[storeShard('cfg/a')]!;
    expect(keys.item('cfg/a')).toBe(`app:{${tag}}:item:cfg/a`);
    expect(keys.itemVersion('cfg/a')).toBe(`app:{${tag}}:version:cfg/a`);
    expect(keys.storeShardChannel('cfg/a')).toBe(`app:{${tag}}:changes`);
    expect(hashSlot(keys.itemVersion('cfg/a'))).toBe(hashSlot(keys.item('cfg/a')));
    expect(hashSlot(keys.storeShardChannel('cfg/a'))).toBe(hashSlot(keys.item('cfg/a')));
    expect(keys.storeShardChannels()).toHaveLength(STORE_SHARDS);
    expect(keys.storeShardChannels()).toContain(keys.storeShardChannel('cfg/a'));
    expect(keys.storeChannel()).toBe('app:{kv-changes}');
  });

  it('recovers store keys from key names, whatever their characters', () => {
    for (const key of ['cfg/a', 'a:item:b', 'x{y}z', 'back\\slash', 'ünï', '*?[]']) {
      expect(keys.keyOfStoreName('item', keys.item(key))).toBe(key);
      expect(keys.keyOfStoreName('version', keys.itemVersion(key))).toBe(key);
      expect(keys.keyOfStoreName('version', keys.item(key))).toBeUndefined();
    }
    expect(keys.keyOfStoreName('item', 'other:{kv~3}:item:a')).toBeUndefined();
    expect(keys.keyOfStoreName('item', 'app:{lock:a}:lease')).toBeUndefined();
  });

  it('matches the items under a prefix with a SCAN pattern', () => {
    expect(keys.storePattern('item', 'cfg/')).toBe('app:{kv~*}:item:cfg/*');
    expect(keys.storePattern('version', 'a*b')).toBe('app:{kv~*}:version:a\\*b*');
  });
});

describe('RedisKeys of the task queue', () => {
  const keys = new RedisKeys('app');
  /** Names that could break a hash tag or collide once escaped. */
  const awkward = ['jobs', 'a:b', '{', '}', '{x}', '}{', '{}', 'a}b{c', '\\', '\\(', '(', ')', 'ü🙂', 'task:x', '*?['];

  it('puts every key of a task name under the hash tag {task:NAME}, and the channel beside them', () => {
    expect(keys.taskKeys('resize')).toEqual([
      'app:{task:resize}:queue',
      'app:{task:resize}:delayed',
      'app:{task:resize}:claims',
      'app:{task:resize}:counter',
      'app:{task:resize}:task:',
      'app:{task:resize}:idempotency:',
    ]);
    expect(keys.taskChannel('resize')).toBe('app:{task:resize}:events');
    expect(keys.taskKeys('img:{x}')[0]).toBe('app:{task:img:\\(x\\)}:queue'); // braces cannot end the tag
  });

  it.each(awkward)(
    'keeps the keys and the channel of the name %j in one slot, the tag holding the whole name',
    (name) => {
      const names = [...keys.taskKeys(name), keys.taskChannel(name)];
      // A record and an idempotency key extend their base: they stay in the slot.
      names.push(`${keys.taskKeys(name)[4]}1700000000000000`, `${keys.taskKeys(name)[5]}key{with}braces`);
      const slots = new Set(names.map((key) => hashSlot(key)));
      expect(slots.size).toBe(1);
      for (const key of names) {
        // The tag Redis Cluster hashes: from the first '{' to the next '}'.
        const tag = /\{([^}]*)\}/.exec(key)?.[1];
        expect(tag).toBe(`task:${name.replace(/[\\{}]/g, (c) => `\\${c === '{' ? '(' : c === '}' ? ')' : '\\'}`)}`);
        expect(key.startsWith(`app:{${tag}}:`)).toBe(true);
      }
    },
  );

  it('gives different names different tags (the escaping is one to one)', () => {
    const tags = awkward.map((name) => keys.taskChannel(name));
    expect(new Set(tags).size).toBe(awkward.length);
    const all = awkward.flatMap((name) => keys.taskKeys(name));
    expect(new Set(all).size).toBe(all.length);
  });

  it('keeps task keys and channels apart from those of locks and leadership groups of the same name', () => {
    for (const name of awkward) {
      const task = [...keys.taskKeys(name), keys.taskChannel(name)];
      for (const lease of [lockLeaseKey(name), leadershipLeaseKey(name)]) {
        for (const key of [keys.lease(lease), keys.leaseToken(lease), keys.leaseChannel(lease)])
          expect(task).not.toContain(key);
      }
    }
  });
});
