/**
 * The store on Redis: versioned puts with compare-and-set, a time to live, and watchers that see
 * every change (written and announced in one Lua script, so no change goes unannounced).
 *
 * Run it against a Redis of your own: REDIS_URL=redis://127.0.0.1:6379 npx tsx --tsconfig examples/tsconfig.json examples/redis-store.ts
 */
import { Redis } from 'ioredis';
import { firstValueFrom, timer } from 'rxjs';
import { changes, keyValue, VersionConflictError } from 'rx-sync';
import { createRedisBackend } from 'rx-sync/redis';

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const started = performance.now();
function log(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(3).padStart(7)}s] ${message}`);
}

async function main(): Promise<void> {
  const client = new Redis(url);
  const backend = createRedisBackend({ client, prefix: `rx-sync-example-${process.pid}` });

  const config = keyValue(backend, 'config/mode').subscribe((item) =>
    log(`keyValue: config/mode = ${item ? `${item.value} (version ${item.version})` : '(unset)'}`),
  );
  const feed = changes(backend, 'config/').subscribe((event) => log(`changes: ${event.type} ${event.key}`));
  await firstValueFrom(timer(100));

  const first = await firstValueFrom(backend.put('config/mode', 'safe'));
  await firstValueFrom(backend.put('config/mode', 'fast', { ifVersion: first.version }));
  try {
    await firstValueFrom(backend.put('config/mode', 'stale', { ifVersion: first.version }));
  } catch (error) {
    if (error instanceof VersionConflictError) log(`stale compare-and-set refused: ${error.message}`);
  }
  await firstValueFrom(backend.put('config/banner', 'maintenance at 22:00', { timeToLive: 500 }));
  log(`list config/: ${(await firstValueFrom(backend.list('config/'))).map((item) => item.key).join(', ')}`);
  await firstValueFrom(timer(800)); // the banner expires; watchers get an `expired` event
  await firstValueFrom(backend.delete('config/mode'));
  await firstValueFrom(timer(100));

  config.unsubscribe();
  feed.unsubscribe();
  await backend.close();
  await client.quit();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
