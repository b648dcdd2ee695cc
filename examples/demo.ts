/**
 * rx-sync in five seconds: three nodes on one backend elect a leader, the leader works, crashes,
 * another node takes over once the dead leader's lease lapses, a config change reaches every live
 * node, and a graceful shutdown hands leadership over at once.
 *
 * Run it: npm run demo
 */
import { interval, map, repeat, Subscription, tap } from 'rxjs';
import { keyValue, leader, leadership, whileLeader } from 'rx-sync';
import { createTestBackend } from 'rx-sync/testing';

const started = performance.now();
function log(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(3).padStart(7)}s] ${message}`);
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// The nodes share one in-process backend. createTestBackend() is the memory backend plus fault
// controls (used below to crash a node); an application would use createMemoryBackend() from
// 'rx-sync/memory', or a networked backend to coordinate separate processes.
const backend = createTestBackend();
const group = 'billing';
const configKey = 'config/batch-size';

// Short leases so the story fits in seconds: renewals every 333 ms, and a dead leader's lease
// lapses at most 1 s after its last renewal.
const leaseDuration = 1_000;

/** Starts one node: it campaigns, works while it leads, and watches the config. */
function startNode(name: string): Subscription {
  const node = new Subscription();

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
  log(`three nodes campaign for "${group}" (leaseDuration ${leaseDuration} ms)`);
  backend.put(configKey, '100').subscribe();

  // A dashboard's view: who leads, after every change.
  let current: string | undefined;
  const dashboard = leader(backend, group).subscribe((now) => {
    current = now?.candidate;
    log(now ? `leader() → ${now.candidate} (term ${now.term})` : 'leader() → nobody');
  });

  const nodes = new Map(['node-a', 'node-b', 'node-c'].map((name) => [name, startNode(name)]));
  await sleep(1_300);

  // The leader crashes. How to simulate that honestly in one process:
  // - Unsubscribing alone is a graceful shutdown, not a crash: unsubscribing resigns, so another
  //   node would be elected at once (shown at the end of the demo).
  // - backend.crash(name) alone cuts the node off from the backend for good (its renewals and its
  //   release are lost), but its code would go on running here, as a frozen or partitioned node's
  //   does; rx-sync handles that case too: the node's stream completes at its validity deadline,
  //   before the lease can lapse (see examples/testing.ts).
  // - A dead process is both: the backend never hears from it again, and none of its code runs.
  //   So we crash it, then unsubscribe it: the unsubscription's release request is lost, and the
  //   other nodes must wait for the lease to lapse, exactly as they would for a real crash.
  const crashed = current ?? 'node-a';
  log(`${crashed} crashes (its lease lapses within ${leaseDuration} ms of its last renewal)`);
  backend.crash(crashed);
  nodes.get(crashed)?.unsubscribe();
  nodes.delete(crashed);
  await sleep(1_700);

  log(`an operator sets ${configKey} = 250`);
  backend.put(configKey, '250').subscribe();
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
  const { leasesHeld, watchers } = backend.inspect();
  log(`done: ${leasesHeld} leases held, ${watchers} watchers attached; the process exits by itself`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
