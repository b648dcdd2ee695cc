import { hashSlot } from '../../../src/backends/redis/hashSlot.js';
import { RedisKeys } from '../../../src/backends/redis/redisKeys.js';
import { leadershipLeaseKey, lockLeaseKey } from '../../../src/internal/leaseKeys.js';

/** A slot range `[first, last]`, inclusive. */
export type SlotRange = readonly [number, number];

const within = (slot: number, [first, last]: SlotRange): boolean => slot >= first && slot <= last;

/** The slot of a lock's or leadership group's keys (`{lock:NAME}`, `{leader:NAME}`). */
export function leaseSlot(kind: 'lock' | 'leader', name: string): number {
  return hashSlot(`{${kind === 'lock' ? lockLeaseKey(name) : leadershipLeaseKey(name)}}`);
}

/** The slot of a store item's keys (its store shard's). */
export function itemSlot(prefix: string, key: string): number {
  return hashSlot(new RedisKeys(prefix).item(key));
}

/** A lock or leadership name starting with `label` whose keys fall in `range`. */
export function leaseNameIn(kind: 'lock' | 'leader', label: string, range: SlotRange): string {
  for (let n = 0; ; n++) if (within(leaseSlot(kind, `${label}-${n}`), range)) return `${label}-${n}`;
}

/** A store key starting with `label` whose item falls in `range`. */
export function storeKeyIn(prefix: string, label: string, range: SlotRange): string {
  for (let n = 0; ; n++) if (within(itemSlot(prefix, `${label}-${n}`), range)) return `${label}-${n}`;
}

/** The slot of a task name's keys (`{task:NAME}`). */
export function taskSlot(prefix: string, name: string): number {
  return hashSlot(new RedisKeys(prefix).taskKeys(name)[0]);
}

/** A task name starting with `label` whose keys fall in `range`. */
export function taskNameIn(prefix: string, label: string, range: SlotRange): string {
  for (let n = 0; ; n++) if (within(taskSlot(prefix, `${label}-${n}`), range)) return `${label}-${n}`;
}
