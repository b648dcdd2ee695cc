/**
 * Leadership on Redis: three nodes campaign, the leader publishes its address, a watcher follows
 * the leader, and a resigning leader hands over at once (the waiting candidates are woken by the
 * resignation message).
 *
 * Run it against a Redis of your own: REDIS_URL=redis://127.0.0.1:6379 npx tsx --tsconfig examples/tsconfig.json examples/redis-leadership.ts
 */
import { Redis } from 'ioredis';
import type { Subscription } from 'rxjs';
import { firstValueFrom, timer } from 'rxjs';
import { leader, leadership } from 'rx-sync';
import { createRedisBackend } from 'rx-sync/redis';

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const started = performance.now();
function log(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(3).padStart(7)}s] ${message}`);
}

async function main(): Promise<void> {
  const client = new Redis(url);
  const backend = createRedisBackend({ client, prefix: 'rx-sync-example' });
  const group = `scheduler-${process.pid}`;

  const watcher = leader(backend, group).subscribe((current) =>
    log(current ? `leader() → ${current.candidate}, term ${current.term}, at ${current.value}` : 'leader() → nobody'),
  );

  const nodes = new Map<string, Subscription>();
  for (const [index, name] of ['node-a', 'node-b', 'node-c'].entries()) {
    nodes.set(
      name,
      leadership(backend, group, {
        candidate: name,
        value: `10.0.0.${index + 1}:8080`,
        leaseDuration: 3_000,
      }).subscribe({
        next: (term) => log(`${name} elected (term ${term.term})`),
        complete: () => log(`${name} is no longer leader`),
      }),
    );
    await firstValueFrom(timer(50));
  }

  await firstValueFrom(timer(500));
  for (const [name, node] of nodes) {
    log(`${name} leaves (unsubscribing resigns if it leads)`);
    node.unsubscribe();
    await firstValueFrom(timer(300));
  }

  watcher.unsubscribe();
  await backend.close();
  await client.quit();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
