import type { Cluster, Redis } from 'ioredis';
import { HASH_SLOTS } from '../hashSlot.js';
import { escapeGlob } from '../redisKeys.js';
import { clientKeyPrefix, isCluster, type RedisClient } from '../redisScript.js';

/** Keys read per SCAN step when listing. */
const SCAN_COUNT = 500;

/** The names of the keys that match `pattern` (without the client's key prefix), on every master of a Cluster. */
export async function scanKeys(client: RedisClient, pattern: string): Promise<Set<string>> {
  const nodes: Redis[] = isCluster(client) ? slotOwners(client) : [client];
  const keyPrefix = clientKeyPrefix(client);
  const found = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', escapeGlob(keyPrefix) + pattern, 'COUNT', SCAN_COUNT);
      for (const name of batch) found.add(name.slice(keyPrefix.length));
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}

/**
 * The masters that own the slots of a Cluster, per the client's slot table: every slot must have
 * one, and the client must be connected to each, or a listing would silently miss keys (after a
 * failover, ioredis drops the failed master before it learns of its successor). Then this throws
 * (the caller retries) and asks ioredis to refresh its slot table.
 */
function slotOwners(client: Cluster): Redis[] {
  const owners = new Set<string>();
  for (let slot = 0; slot < HASH_SLOTS; slot++) {
    const owner = client.slots[slot]?.[0];
    if (owner === undefined) {
      client.refreshSlotsCache();
      throw new Error(`the cluster's slot ${slot} has no known master; cannot list every key`);
    }
    owners.add(owner);
  }
  const masters = new Map(client.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]));
  return [...owners].map((owner) => {
    const node = masters.get(owner);
    if (node) return node;
    client.refreshSlotsCache();
    throw new Error(`the cluster's master ${owner} is not connected; cannot list every key`);
  });
}
