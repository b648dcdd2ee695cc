/**
 * Scenario 4: the change stream.
 *
 * Across processes: this process writes, a watcher process (changeWatcher.ts) watches; the figure
 * is write → the watcher has the change, on the monotonic clock that both processes share. rx-sync:
 * `backend.put` → `changes()` in the watcher. The floor: a raw `PUBLISH` → a raw ioredis subscriber.
 * One write at a time. Goal: p50 and p99 ≤ 1.5× the floor.
 *
 * Many watchers: 10,000 `keyValue` watchers (distinct keys) in this process on one backend. Figures:
 * the Redis connections they use, the memory they take, the time to set them up, and a put's latency
 * to its watcher with all of them attached against the same with a single watcher.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { Redis } from 'ioredis';
import type { Subscription } from 'rxjs';
import { keyValue } from 'rx-sync';
import { createRedisBackend, type RedisBackend } from 'rx-sync/redis';
import type { WatcherMessage } from './changeWatcher.js';
import {
  alternate,
  connect,
  connectionsNamed,
  elapsedMs,
  latency,
  medianLatency,
  now,
  randomPrefix,
  row,
  RUN_TSCONFIG,
  type BenchSettings,
  type Latency,
  type RedisTargets,
  type Row,
} from './harness.js';

const WATCHERS = 10_000;

/** The watcher process, and a way to wait for the arrival of one write. */
interface Watcher {
  readonly ready: Promise<void>;
  /** Resolves with the monotonic time (ns) at which the watcher got `body` through `kind`. */
  arrival(kind: 'rx-sync' | 'floor', body: string): Promise<bigint>;
  stop(): Promise<void>;
}

function startWatcher(targets: RedisTargets, prefix: string, channel: string): Watcher {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(__dirname, 'changeWatcher.ts'),
      targets.single.host,
      String(targets.single.port),
      prefix,
      channel,
    ],
    {
      env: { ...process.env, TSX_TSCONFIG_PATH: RUN_TSCONFIG },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const waiting = new Map<string, (at: bigint) => void>();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    child.once('exit', (code) => reject(new Error(`the watcher process exited with ${code}`)));
  });
  child.on('message', (message: WatcherMessage) => {
    if (message.kind === 'ready') return markReady();
    const key = `${message.kind}:${message.body}`;
    waiting.get(key)?.(BigInt(message.at));
    waiting.delete(key);
  });
  return {
    ready,
    arrival: (kind, body) => new Promise((resolve) => waiting.set(`${kind}:${body}`, resolve)),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.disconnect();
        setTimeout(() => child.kill(), 1_000).unref();
      }),
  };
}

/** Write → watcher latency of `samples` writes, one at a time. */
async function crossProcess(
  watcher: Watcher,
  write: (body: string) => void,
  kind: 'rx-sync' | 'floor',
  samples: number,
): Promise<Latency> {
  const times: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    const body = `${kind}-${sample}-${Math.random()}`;
    const arrived = watcher.arrival(kind, body);
    const written = now();
    write(body);
    times.push(elapsedMs(written, await arrived));
  }
  return latency(times);
}

/** `gc()` for memory figures (exposed at run time, as `node --expose-gc` would). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Put → the key's own watcher, in this process, with whatever else watches the backend. */
async function putToWatcher(backend: RedisBackend, key: string, samples: number): Promise<Latency> {
  const waiting = new Map<string, () => void>();
  let markWatching: () => void = () => undefined;
  const watching = new Promise<void>((resolve) => (markWatching = resolve));
  const watch = keyValue(backend, key).subscribe((item) => {
    markWatching();
    if (item) waiting.get(item.value)?.();
  });
  await watching;
  const times: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    const value = `v${sample}-${Math.random()}`;
    const seen = new Promise<void>((resolve) => waiting.set(value, resolve));
    const written = now();
    backend.put(key, value).subscribe();
    await seen;
    times.push(elapsedMs(written));
    waiting.delete(value);
  }
  watch.unsubscribe();
  return latency(times);
}

interface ManyWatchers {
  readonly connections: number;
  readonly heapPerWatcher: number;
  readonly setupMs: number;
  readonly putLatency: Latency;
  readonly singlePutLatency: Latency;
}

async function manyWatchers(targets: RedisTargets, samples: number): Promise<ManyWatchers> {
  const admin = connect(targets.single);
  const single = createRedisBackend({ client: connect(targets.single), prefix: randomPrefix('one-watcher') });
  const singlePutLatency = await putToWatcher(single, 'watched/0', samples);
  await single.close();

  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = now();
  const name = randomPrefix('watchers');
  const backend = createRedisBackend({ client: connect(targets.single, { name }), prefix: name });
  const subscriptions: Subscription[] = [];
  let initial = 0;
  const allThere = new Promise<void>((resolve) => {
    for (let index = 0; index < WATCHERS; index++) {
      let first = true;
      subscriptions.push(
        keyValue(backend, `watched/${index}`).subscribe(() => {
          if (first && ++initial === WATCHERS) resolve();
          first = false;
        }),
      );
    }
  });
  await allThere;
  const setupMs = elapsedMs(started);
  const connections = await connectionsNamed(admin, name);
  collectGarbage();
  const heapPerWatcher = (process.memoryUsage().heapUsed - heapBefore) / WATCHERS;
  const putLatency = await putToWatcher(backend, `watched/${WATCHERS / 2}`, samples);
  subscriptions.forEach((subscription) => subscription.unsubscribe());
  await backend.close();
  return { connections, heapPerWatcher, setupMs, putLatency, singlePutLatency };
}

export async function changeStream(settings: BenchSettings, targets: RedisTargets): Promise<Row[]> {
  const scenario = '4 change stream, 1 Redis';
  const prefix = randomPrefix('changes');
  const channel = `${prefix}:floor`;
  const watcher = startWatcher(targets, prefix, channel);
  const writer: Redis = connect(targets.single);
  const backend = createRedisBackend({ client: connect(targets.single), prefix });
  await watcher.ready;
  const samples = settings.quick ? 200 : 2_000;
  const writes = {
    'rx-sync': (body: string) => void backend.put('watched/key', body).subscribe(),
    floor: (body: string) => void writer.publish(channel, body),
  };
  const results = await alternate(['rx-sync', 'floor'] as const, settings.repetitions, (kind, warmUp) =>
    crossProcess(watcher, writes[kind], kind, warmUp ? 100 : samples),
  );
  await watcher.stop();
  await backend.close();

  const many = await manyWatchers(targets, settings.quick ? 50 : 200);

  const ours = medianLatency(results.get('rx-sync')!);
  const floor = medianLatency(results.get('floor')!);
  const crossBase = {
    scenario,
    subject: 'rx-sync',
    baseline: 'floor (PUBLISH → subscriber)',
    better: 'lower',
  } as const;
  const manyBase = { scenario, subject: `rx-sync, ${WATCHERS.toLocaleString('en-US')} watchers` } as const;
  return [
    row(
      {
        ...crossBase,
        metric: 'put → watcher in another process p50 (ms)',
        subject_value: ours.p50,
        baseline_value: floor.p50,
      },
      { text: 'ratio ≤ 1.5', test: (r) => (r.ratio ?? Infinity) <= 1.5 },
    ),
    row(
      {
        ...crossBase,
        metric: 'put → watcher in another process p99 (ms)',
        subject_value: ours.p99,
        baseline_value: floor.p99,
      },
      { text: 'ratio ≤ 1.5', test: (r) => (r.ratio ?? Infinity) <= 1.5 },
    ),
    row(
      {
        ...manyBase,
        baseline: 'goal: one command + one subscriber connection',
        metric: 'Redis connections',
        subject_value: many.connections,
        baseline_value: 2,
        better: 'lower',
      },
      { text: 'ratio ≤ 1', test: (r) => (r.ratio ?? Infinity) <= 1 },
    ),
    row({
      ...manyBase,
      baseline: 'none',
      metric: 'heap per watcher (bytes)',
      subject_value: many.heapPerWatcher,
      baseline_value: null,
      better: 'lower',
    }),
    row({
      ...manyBase,
      baseline: 'none',
      metric: `setup of ${WATCHERS.toLocaleString('en-US')} watchers (ms)`,
      subject_value: many.setupMs,
      baseline_value: null,
      better: 'lower',
    }),
    row({
      ...manyBase,
      baseline: 'rx-sync, 1 watcher',
      metric: 'put → its watcher in this process p50 (ms)',
      subject_value: many.putLatency.p50,
      baseline_value: many.singlePutLatency.p50,
      better: 'lower',
    }),
    row({
      ...manyBase,
      baseline: 'rx-sync, 1 watcher',
      metric: 'put → its watcher in this process p99 (ms)',
      subject_value: many.putLatency.p99,
      baseline_value: many.singlePutLatency.p99,
      better: 'lower',
    }),
  ];
}
