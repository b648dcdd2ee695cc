/**
 * The store on the memory backend: versioned puts, compare-and-set (`ifVersion`), create-only
 * writes, `timeToLive`, list by prefix, and two watchers: `keyValue` (one key's current value) and
 * `changes` (every event under a prefix).
 *
 * Run it: npx tsx --tsconfig examples/tsconfig.json examples/store.ts
 */
import { defer, firstValueFrom, retry, Subscription, switchMap, tap } from 'rxjs';
import { changes, keyValue, VersionConflictError, type SyncBackend } from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';

const started = performance.now();
function log(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(3).padStart(7)}s] ${message}`);
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Read-modify-write with compare-and-set: read the item, write the new value only if nobody
 * wrote in between (`ifVersion`), and on a `VersionConflictError` read again and retry.
 * `beforeWrite` lets the example slip in a competing write between the read and the write.
 */
function increment(backend: SyncBackend, key: string, beforeWrite: () => void = () => undefined) {
  return defer(() => backend.get(key)).pipe(
    tap(beforeWrite),
    switchMap((item) => backend.put(key, String(Number(item?.value ?? '0') + 1), { ifVersion: item?.version ?? 0 })),
    retry({
      count: 3,
      delay: (error: unknown) => {
        if (!(error instanceof VersionConflictError)) throw error;
        log(`  conflict: expected version ${error.expectedVersion}, found ${error.actualVersion}; reading again`);
        return [0];
      },
    }),
  );
}

async function main(): Promise<void> {
  const backend = createMemoryBackend();
  const watching = new Subscription();

  // keyValue: the current item (undefined when absent), then every change, in version order.
  watching.add(
    keyValue(backend, 'config/mode').subscribe((item) =>
      log(`keyValue config/mode → ${item ? `"${item.value}" (version ${item.version})` : '(absent)'}`),
    ),
  );
  // changes: every put, delete and expiry under a prefix, from subscription on.
  watching.add(
    changes(backend, 'config/').subscribe((event) =>
      log(`changes   ${event.type} ${event.key} (version ${event.version})`),
    ),
  );

  // Backend methods are cold Observables: nothing happens until subscribed (here by firstValueFrom).
  const first = await firstValueFrom(backend.put('config/mode', 'fast'));
  log(`put config/mode = "fast" → version ${first.version}`);

  // Compare-and-set: write only if the item is still at the version we read.
  const second = await firstValueFrom(backend.put('config/mode', 'safe', { ifVersion: first.version }));
  log(`put config/mode = "safe" if version ${first.version} → version ${second.version}`);
  try {
    await firstValueFrom(backend.put('config/mode', 'turbo', { ifVersion: first.version }));
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
    log(`put config/mode = "turbo" if version ${first.version} → ${error.name} (transient: ${error.transient})`);
  }

  // ifVersion 0 means create-only: it fails when the key exists.
  try {
    await firstValueFrom(backend.put('config/mode', 'fresh', { ifVersion: 0 }));
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
    log(`create-only put of config/mode → ${error.message}`);
  }

  // Read-modify-write that survives a competing writer.
  let competed = false;
  const counted = await firstValueFrom(
    increment(backend, 'config/restarts', () => {
      if (competed) return;
      competed = true;
      log('  another node writes config/restarts between our read and our write');
      backend.put('config/restarts', '10').subscribe();
    }),
  );
  log(`increment config/restarts → "${counted.value}" (version ${counted.version})`);

  // timeToLive: the item is deleted after 300 ms, with an `expired` change.
  await firstValueFrom(backend.put('config/maintenance', 'on', { timeToLive: 300 }));
  log('put config/maintenance = "on" with timeToLive 300 ms');
  const listed = await firstValueFrom(backend.list('config/'));
  log(`list config/ → ${listed.map((item) => `${item.key}=${item.value}@${item.version}`).join(', ')}`);
  await sleep(400);
  const maintenance = await firstValueFrom(backend.get('config/maintenance'));
  log(`after 400 ms: get config/maintenance → ${maintenance ? `"${maintenance.value}"` : 'undefined'}`);

  const existed = await firstValueFrom(backend.delete('config/mode', { ifVersion: second.version }));
  log(`delete config/mode if version ${second.version} → ${existed}`);

  watching.unsubscribe();
  log('done: watchers unsubscribed, nothing left running');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
