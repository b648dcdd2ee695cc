/**
 * rx-sync in five seconds: three nodes on one backend elect a leader, the leader works, crashes,
 * another node takes over once the dead leader's lease lapses, a config change reaches every live
 * node, and a graceful shutdown hands leadership over at once.
 *
 * Run it: npm run demo (embedded memory backend), or REDIS_URL=redis://127.0.0.1:6379 npm run demo
 * (Redis: every node gets its own connection, as separate processes would).
 */
import { Redis } from 'ioredis';
import { interval, map, repeat, Subscription, tap } from 'rxjs';
import { keyValue, leader, leadership, whileLeader, type SyncBackend } from 'rx-sync';
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';
import { createTestBackend } from 'rx-sync/testing';

const started = performance.now();
function log(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(3).padStart(7)}s] ${message}`);
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Where the nodes meet: a backend for each node, a way to crash one, and a clean shutdown. */
interface Deployment {
  readonly description: string;
  backendOf(node: string): SyncBackend;
  crash(node: string): void;
  shutdown(): Promise<string>;
}

/**
 * In memory, the nodes share one in-process backend. createTestBackend() is the memory backend plus
 * fault controls (used to crash a node); an application would use createMemoryBackend() from
 * 'rx-sync/memory'.
 */
function inMemory(): Deployment {
  const backend = createTestBackend();
  return {
    description: 'the embedded memory backend',
    backendOf: () => backend,
    crash: (node) => backend.crash(node),
    shutdown: () => {
      const { leasesHeld, watchers } = backend.inspect();
      return Promise.resolve(`${leasesHeld} leases held, ${watchers} watchers attached`);
    },
  };
}

/** On Redis, each node has its own connection; a crash drops it without a word to Redis. */
function onRedis(url: string): Deployment {
  const prefix = `rx-sync-demo-${process.pid}`;
  const nodes = new Map<string, { client: Redis; backend: RedisBackend }>();
  const nodeOf = (name: string): { client: Redis; backend: RedisBackend } => {
    let node = nodes.get(name);
    if (!node) {
      const client = new Redis(url, { connectionName: name });
      client.on('error', () => undefined); // a crashed node's connection errors are expected
      node = { client, backend: createRedisBackend({ client, prefix }) };
      nodes.set(name, node);
    }
    return node;
  };
  return {
    description: `Redis at ${url}`,
    backendOf: (name) => nodeOf(name).backend,
    crash: (name) => nodeOf(name).client.disconnect(),
    shutdown: async () => {
      for (const { client, backend } of nodes.values()) {
        await backend.close();
        if (client.status !== 'end') await client.quit();
      }
      return `${nodes.size} Redis clients and their backends closed`;
    },
  };
}

const redisUrl = process.env['REDIS_URL'];
const deployment = redisUrl ? onRedis(redisUrl) : inMemory();
const group = 'billing';
const configKey = 'config/batch-size';

// Short leases so the story fits in seconds: renewals every 333 ms, and a dead leader's lease
// lapses at most 1 s after its last renewal.
const leaseDuration = 1_000;

/** Starts one node: it campaigns, works while it leads, and watches the config. */
function startNode(name: string): Subscription {
  const node = new Subscription();
  const backend = deployment.backendOf(name);

  // Campaign for the group; log each election (the Term carries the term number).
  const campaign = leadership(backend, group, { candidate: name, leaseDuration }).pipe(
    tap((term) => log(`${name} elected (term ${term.term})`)),
  );

  // The leader-only job: a batch every 400 ms, run by whileLeader only while this node leads.
  // repeat() campaigns again if leadership is ever lost.
  const batches = interval(400).pipe(map((n) => `${name} processed batch ${n + 1}`));
  node.add(batches.pipe(whileLeader(campaign), repeat()).subscribe(log));

  // Every node follows the config: current value first, then every change, with its version.
  node.add(
    keyValue(backend, configKey).subscribe((item) =>
      log(
        item
          ? `${name} sees ${configKey} = ${item.value} (version ${item.version})`
          : `${name} sees ${configKey} unset`,
      ),
    ),
  );
  return node;
}

async function main(): Promise<void> {
  log(`three nodes campaign for "${group}" on ${deployment.description} (leaseDuration ${leaseDuration} ms)`);
  const operator = deployment.backendOf('operator');
  operator.put(configKey, '100').subscribe();

  // A dashboard's view: who leads, after every change.
  let current: string | undefined;
  const dashboard = leader(deployment.backendOf('dashboard'), group).subscribe((now) => {
    current = now?.candidate;
    log(now ? `leader() → ${now.candidate} (term ${now.term})` : 'leader() → nobody');
  });

  const nodes = new Map(['node-a', 'node-b', 'node-c'].map((name) => [name, startNode(name)]));
  await sleep(1_300);

  // The leader crashes. How to simulate that honestly in one process:
  // - Unsubscribing alone is a graceful shutdown, not a crash: unsubscribing resigns, so another
  //   node would be elected at once (shown at the end of the demo).
  // - Cutting the node off from the backend for good (memory: backend.crash(name); Redis: drop its
  //   connection) loses its renewals and its release, but its code would go on running here, as a
  //   frozen or partitioned node's does; rx-sync handles that case too: the node's stream completes
  //   at its validity deadline, before the lease can lapse (see examples/testing.ts).
  // - A dead process is both: the backend never hears from it again, and none of its code runs.
  //   So we cut it off, then unsubscribe it: the unsubscription's release request is lost, and the
  //   other nodes must wait for the lease to lapse, exactly as they would for a real crash.
  const crashed = current ?? 'node-a';
  log(`${crashed} crashes (its lease lapses within ${leaseDuration} ms of its last renewal)`);
  deployment.crash(crashed);
  nodes.get(crashed)?.unsubscribe();
  nodes.delete(crashed);
  await sleep(1_700);

  log(`an operator sets ${configKey} = 250`);
  operator.put(configKey, '250').subscribe();
  await sleep(700);

  const leaving = current;
  if (leaving !== undefined) {
    log(`${leaving} shuts down gracefully: unsubscribing resigns, and the next node is elected at once`);
    nodes.get(leaving)?.unsubscribe();
    nodes.delete(leaving);
  }
  await sleep(900);

  log('shutting down: every subscription is unsubscribed');
  for (const node of nodes.values()) node.unsubscribe();
  dashboard.unsubscribe();
  log(`done: ${await deployment.shutdown()}; the process exits by itself`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
