/**
 * Scenario 6: the embedded memory backend, the default, so that users know its cost. Lock cycles
 * per second (subscribe to `lock`, have the lease, unsubscribe: the memory backend answers
 * synchronously) and watch events per second (puts to a store that one `changes('')` watcher
 * follows). Nothing to compare with: reported for information.
 */
import { changes, lock } from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';
import { alternate, elapsedMs, median, now, row, type BenchSettings, type RedisTargets, type Row } from './harness.js';

function lockCycles(cycles: number): number {
  const backend = createMemoryBackend();
  let held = 0;
  const started = now();
  for (let cycle = 0; cycle < cycles; cycle++) {
    lock(backend, 'memory')
      .subscribe(() => held++)
      .unsubscribe();
  }
  const seconds = elapsedMs(started) / 1000;
  if (held !== cycles) throw new Error(`memory lock: ${held} of ${cycles} cycles held the lock`);
  return cycles / seconds;
}

function watchEvents(puts: number): number {
  const backend = createMemoryBackend();
  let seen = 0;
  const watching = changes(backend, '').subscribe(() => seen++);
  const started = now();
  for (let put = 0; put < puts; put++) backend.put(`key-${put % 100}`, String(put)).subscribe();
  const seconds = elapsedMs(started) / 1000;
  watching.unsubscribe();
  if (seen !== puts) throw new Error(`memory watch: ${seen} of ${puts} events seen`);
  return puts / seconds;
}

export async function memoryBackend(settings: BenchSettings, _targets: RedisTargets): Promise<Row[]> {
  const scenario = '6 memory backend';
  const count = settings.quick ? 20_000 : 200_000;
  const results = await alternate(['lock', 'watch'] as const, settings.repetitions, (kind, warmUp) =>
    Promise.resolve(kind === 'lock' ? lockCycles(warmUp ? 2_000 : count) : watchEvents(warmUp ? 2_000 : count)),
  );
  const base = {
    scenario,
    subject: 'rx-sync (memory)',
    baseline: 'none',
    baseline_value: null,
    better: 'higher',
  } as const;
  return [
    row({ ...base, metric: 'lock cycles/s (sequential)', subject_value: median(results.get('lock')!) }),
    row({ ...base, metric: 'watch events/s (one changes() watcher)', subject_value: median(results.get('watch')!) }),
  ];
}
