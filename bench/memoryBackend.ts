/**
 * Scenario 6: the embedded memory backend, the default, so that users know its cost against a
 * plain in-process mutex (`async-mutex`, the common choice). Lock cycles per second, sequential
 * (rx-sync: subscribe to `lock`, have the lease, unsubscribe, which the memory backend answers
 * synchronously; async-mutex: `await acquire()`, then `release()`), and with 100 contenders that
 * each want the lock once per round (rx-sync: 100 `lock` subscriptions woken in turn by the
 * releases; async-mutex: 100 `runExclusive` calls). Watch events per second (puts to a store that
 * one `changes('')` watcher follows) are reported for information.
 */
import { Mutex } from 'async-mutex';
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

/** Sequential async-mutex cycles per second: `await acquire()`, then `release()`. */
async function mutexCycles(cycles: number): Promise<number> {
  const mutex = new Mutex();
  const started = now();
  for (let cycle = 0; cycle < cycles; cycle++) {
    const release = await mutex.acquire();
    release();
  }
  return cycles / (elapsedMs(started) / 1000);
}

const CONTENDERS = 100;

/** Acquisitions per second of {@link CONTENDERS} rx-sync locks on one key, each wanting it once per round. */
async function contendedLockCycles(rounds: number): Promise<number> {
  const backend = createMemoryBackend();
  const started = now();
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      Array.from(
        { length: CONTENDERS },
        () =>
          new Promise<void>((resolve, reject) => {
            const subscription = lock(backend, 'memory', { acquireTimeout: 60_000 }).subscribe({
              next: () => {
                queueMicrotask(() => subscription.unsubscribe()); // held until the next microtask
                resolve();
              },
              error: reject,
            });
          }),
      ),
    );
  }
  return (rounds * CONTENDERS) / (elapsedMs(started) / 1000);
}

/** The same with async-mutex: {@link CONTENDERS} `runExclusive` calls per round. */
async function contendedMutexCycles(rounds: number): Promise<number> {
  const mutex = new Mutex();
  const started = now();
  for (let round = 0; round < rounds; round++) {
    await Promise.all(Array.from({ length: CONTENDERS }, () => mutex.runExclusive(() => undefined)));
  }
  return (rounds * CONTENDERS) / (elapsedMs(started) / 1000);
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
  const rounds = settings.quick ? 20 : 200;
  const measures = {
    lock: (warmUp: boolean) => Promise.resolve(lockCycles(warmUp ? 2_000 : count)),
    mutex: (warmUp: boolean) => mutexCycles(warmUp ? 2_000 : count),
    'contended lock': (warmUp: boolean) => contendedLockCycles(warmUp ? 2 : rounds),
    'contended mutex': (warmUp: boolean) => contendedMutexCycles(warmUp ? 2 : rounds),
    watch: (warmUp: boolean) => Promise.resolve(watchEvents(warmUp ? 2_000 : count)),
  };
  type Measure = keyof typeof measures;
  const results = await alternate(Object.keys(measures) as Measure[], settings.repetitions, (measure, warmUp) =>
    measures[measure](warmUp),
  );
  const of = (measure: Measure): number => median(results.get(measure)!);
  const base = { scenario, subject: 'rx-sync (memory)', better: 'higher' } as const;
  return [
    row({
      ...base,
      baseline: 'async-mutex',
      metric: 'lock cycles/s (sequential)',
      subject_value: of('lock'),
      baseline_value: of('mutex'),
    }),
    row({
      ...base,
      baseline: 'async-mutex',
      metric: `lock acquisitions/s, ${CONTENDERS} contenders`,
      subject_value: of('contended lock'),
      baseline_value: of('contended mutex'),
    }),
    row({
      ...base,
      baseline: 'none',
      metric: 'watch events/s (one changes() watcher)',
      subject_value: of('watch'),
      baseline_value: null,
    }),
  ];
}
