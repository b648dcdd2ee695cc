/**
 * Tasks on Redis: a submitter and two worker nodes, each with its own connection, as if on three
 * machines. A task's life reaches the submitter by pub/sub (no polling); a failed attempt is
 * retried on whichever node claims it; and when a node dies mid-task (its connection dropped, so it
 * stops renewing its claim), the other node runs the task again once the claim's lease lapses, with
 * a greater fencing token, and the submitter still gets exactly one result.
 *
 * Run it against a Redis of your own: REDIS_URL=redis://127.0.0.1:6379 npx tsx --tsconfig examples/tsconfig.json examples/redis-task.ts
 */
import { Redis } from 'ioredis';
import { lastValueFrom, Subscription, tap } from 'rxjs';
import { submit, worker, type TaskContext } from 'rx-sync';
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `rx-sync-example-${process.pid}`;
const started = performance.now();
function log(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(3).padStart(7)}s] ${message}`);
}
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });

/** One node: its own client and backend, as a separate process would have. */
function node(): { client: Redis; backend: RedisBackend } {
  const client = new Redis(url);
  return { client, backend: createRedisBackend({ client, prefix }) };
}

async function main(): Promise<void> {
  const submitter = node();
  const nodeA = node();
  const nodeB = node();

  const handlers = (nodeName: string) => ({
    invoice: async (input: { customer: string }, { attempt, token, progress, signal }: TaskContext) => {
      log(`${nodeName}: invoice for ${input.customer}, attempt ${attempt}, fencing token ${token}`);
      progress('rendering');
      await sleep(input.customer === 'slow-corp' ? 1_500 : 50, signal);
      if (input.customer === 'flaky-inc' && attempt === 1) throw new Error('the PDF service timed out');
      return { customer: input.customer, total: 42, by: nodeName };
    },
  });
  const options = { concurrency: 4, leaseDuration: 1_000, renewInterval: 300, gracePeriod: 0 };
  const poolA = worker(nodeA.backend, handlers('node-a'), { ...options, name: 'node-a' }).subscribe();

  // 1. A task's life, from another connection: queued, started, progress, succeeded.
  await lastValueFrom(
    submit(submitter.backend, 'invoice', { customer: 'acme' }).pipe(
      tap((event) =>
        log(`submitter: ${event.type}${event.type === 'succeeded' ? ` ${JSON.stringify(event.result)}` : ''}`),
      ),
    ),
  );

  // 2. A failed attempt is retried after its backoff.
  const retried = await lastValueFrom(
    submit(submitter.backend, 'invoice', { customer: 'flaky-inc' }, { retryDelay: 100, retryJitter: 0 }).pipe(
      tap((event) => {
        if (event.type === 'retrying') log(`submitter: retrying in ${event.delay} ms after "${event.error.message}"`);
      }),
    ),
  );
  log(`submitter: flaky-inc ${retried.type}`);

  // 3. node-a dies mid-task: node-b takes the task over once node-a's claim lapses.
  let poolB = Subscription.EMPTY;
  const slow = lastValueFrom(
    submit(submitter.backend, 'invoice', { customer: 'slow-corp' }).pipe(
      tap((event) => {
        if (event.type === 'started') log(`submitter: started on ${event.worker} (attempt ${event.attempt})`);
        if (event.type === 'retrying') log(`submitter: ${event.error.name}: ${event.error.message}`);
        if (event.type === 'started' && event.worker === 'node-a') {
          log('node-a: crashes (connection dropped, no more renewals); node-b starts');
          nodeA.client.disconnect();
          poolB = worker(nodeB.backend, handlers('node-b'), { ...options, name: 'node-b' }).subscribe();
        }
      }),
    ),
  );
  const outcome = await slow;
  if (outcome.type === 'succeeded') log(`submitter: slow-corp done by ${(outcome.result as { by: string }).by}`);

  poolA.unsubscribe();
  poolB.unsubscribe();
  for (const { client, backend } of [submitter, nodeA, nodeB]) {
    await backend.close();
    client.disconnect();
  }
  log('done');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
