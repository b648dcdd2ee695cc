/**
 * Locks on Redis: two services, each with its own connection, contend for one lock; the fencing
 * token grows across holders; the waiter is woken by the release message, not by polling.
 *
 * Run it against a Redis of your own: REDIS_URL=redis://127.0.0.1:6379 npx tsx --tsconfig examples/tsconfig.json examples/redis-lock.ts
 */
import { Redis } from 'ioredis';
import { defer, firstValueFrom, timer } from 'rxjs';
import { lock, whileHeld } from 'rx-sync';
import { createRedisBackend } from 'rx-sync/redis';

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const started = performance.now();
function log(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(3).padStart(7)}s] ${message}`);
}

/** One service: its own ioredis connection and backend, as in a separate process. */
function service(name: string): { name: string; client: Redis; backend: ReturnType<typeof createRedisBackend> } {
  const client = new Redis(url, { connectionName: name });
  return { name, client, backend: createRedisBackend({ client, prefix: 'rx-sync-example' }) };
}

async function main(): Promise<void> {
  const services = [service('billing-1'), service('billing-2')];

  // Each service runs the nightly invoice job under the lock; whileHeld hands the job the lease,
  // whose fencing token the job would pass to the database it writes.
  const runs = services.map(({ name, backend }) =>
    firstValueFrom(
      lock(backend, 'nightly-invoices', { holder: name, leaseDuration: 5_000 }).pipe(
        whileHeld((lease) =>
          defer(async () => {
            log(`${name} holds the lock with fencing token ${lease.token}`);
            await firstValueFrom(timer(300)); // the job
            log(`${name} done; completing the job releases the lock`);
            return lease.token;
          }),
        ),
      ),
    ),
  );
  const tokens = await Promise.all(runs);
  log(`tokens in order of acquisition: ${[...tokens].sort().join(' < ')}`);

  for (const { client, backend } of services) {
    await backend.close();
    await client.quit();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
