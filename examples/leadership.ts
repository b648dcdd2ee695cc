/**
 * Leader election on the memory backend: two nodes run a leader-only job through `whileLeader`,
 * `repeat()` puts each back in the campaign when its term ends, a `leader()` watcher follows every
 * change, and a `Term` proclaims a new value.
 *
 * Run it: npx tsx --tsconfig examples/tsconfig.json examples/leadership.ts
 */
import { interval, map, repeat, take, tap, type Subscription } from 'rxjs';
import { leader, leadership, whileLeader } from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';

const started = performance.now();
function log(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(3).padStart(7)}s] ${message}`);
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const backend = createMemoryBackend();
const group = 'billing';

/**
 * One node: campaigns for `group` and, while it leads, processes three batches. When the job
 * completes, `whileLeader` completes and resigns; `repeat()` then campaigns again, behind the
 * nodes already waiting. The same `repeat()` campaigns again after a lost leadership (a refused
 * renewal, or a renewal not confirmed by the validity deadline): a lost term completes the stream.
 */
function startNode(name: string, address: string): Subscription {
  const campaign = leadership(backend, group, { candidate: name, value: address, leaseDuration: 1_000 }).pipe(
    tap((term) => log(`${name} elected (term ${term.term})`)),
  );
  const job = interval(200).pipe(
    take(3),
    map((n) => `${name} processed batch ${n + 1}`),
    tap({ complete: () => log(`${name} finished its job and resigns`) }),
  );
  return job.pipe(whileLeader(campaign), repeat()).subscribe(log);
}

async function main(): Promise<void> {
  // Anyone can follow who leads without campaigning: the current leader, then every change.
  const watcher = leader(backend, group).subscribe((current) =>
    log(
      current
        ? `leader() → ${current.candidate}, term ${current.term}, at ${current.value ?? '?'}`
        : 'leader() → nobody',
    ),
  );

  const nodeA = startNode('node-a', '10.0.0.1:8080');
  const nodeB = startNode('node-b', '10.0.0.2:8080');
  await sleep(2_000);

  log('both nodes shut down: unsubscribing resigns');
  nodeA.unsubscribe();
  nodeB.unsubscribe();

  // The Term itself: its number is the lease's fencing token; proclaim() publishes a new value.
  const nodeC = leadership(backend, group, {
    candidate: 'node-c',
    value: '10.0.0.3:8080',
    leaseDuration: 1_000,
  }).subscribe((term) => {
    log(`node-c leads ${term.group} in term ${term.term}; isValid() = ${term.isValid()}`);
    term.proclaim('10.0.0.3:9090').subscribe((published) => log(`node-c proclaimed a new address: ${published}`));
  });
  await sleep(100);
  nodeC.unsubscribe();
  watcher.unsubscribe();
  log('done: nobody campaigns, nothing left running');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
