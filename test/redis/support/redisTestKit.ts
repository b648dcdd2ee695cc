import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis, type RedisOptions } from 'ioredis';
import { firstValueFrom, from, map, race, throwError, timeout, timer, type Observable } from 'rxjs';
import { createRedisBackend, type RedisBackend, type RedisBackendOptions } from '../../../src/backends/redis/index.js';
import { RedisKeys } from '../../../src/backends/redis/redisKeys.js';
import { Recorder, show } from '../../support/recorder.js';
import type { RedisServer } from '../../support/redisServer.js';

export { Recorder, show };
export type { Stamped } from '../../support/recorder.js';

/**
 * Helpers of the Redis integration specs: random namespaces, clients and backends that are always
 * closed, recorders of streams and event-driven waits with deadlines (never a fixed sleep that a
 * slow machine could break).
 */

/** A random key prefix for one test: letters and 8 hex digits, no braces. */
export function randomPrefix(label = 't'): string {
  return `rxs-${label}-${randomBytes(4).toString('hex')}`;
}

/** A short random name. */
export function randomName(label = 'k'): string {
  return `${label}-${randomBytes(3).toString('hex')}`;
}

/** Names of the Redis keys of a lease (see src/backends/redis/redisKeys.ts). */
export function leaseKeys(
  prefix: string,
  kind: 'lock' | 'leader',
  name: string,
): { lease: string; token: string; channel: string } {
  const tag = `${prefix}:{${kind}:${name}}`;
  return { lease: `${tag}:lease`, token: `${tag}:token`, channel: `${tag}:events` };
}

/**
 * Names of the Redis keys of a store item, the store channel (standalone, Sentinel) and the item's
 * store shard channel (Cluster), from the backend's own key layout.
 */
export function storeKeys(
  prefix: string,
  key: string,
): { item: string; version: string; channel: string; shardChannel: string } {
  const keys = new RedisKeys(prefix);
  return {
    item: keys.item(key),
    version: keys.itemVersion(key),
    channel: keys.storeChannel(),
    shardChannel: keys.storeShardChannel(key),
  };
}

/** Milliseconds on the monotonic clock (tests only: the library reads time through RxJS). */
export function now(): number {
  return performance.now();
}

/** Resolves once `check` holds, polling every `every` ms; rejects after `within` ms with `what` and the last failure. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  within: number,
  what: string,
  every = 20,
): Promise<void> {
  const deadline = now() + within;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (now() > deadline) {
      throw new Error(
        `timed out after ${within} ms waiting for ${what}${lastError === undefined ? '' : `: ${show(lastError instanceof Error ? lastError.message : lastError)}`}`,
      );
    }
    await firstValueFrom(timer(every));
  }
}

/** Waits `duration` ms of real time (for a scenario that needs time to pass, never for something to happen). */
export function pause(duration: number): Promise<void> {
  return firstValueFrom(timer(duration).pipe(map(() => undefined)));
}

/** The single value of a request Observable, bounded by `within` ms. */
export function single<T>(request: Observable<T>, within = 10_000, what = 'request'): Promise<T> {
  return firstValueFrom(
    request.pipe(
      timeout({ first: within, with: () => throwError(() => new Error(`${what} did not answer within ${within} ms`)) }),
    ),
  );
}

/** Resolves once the client is connected and ready. */
export async function ready(client: Redis, within = 5_000): Promise<void> {
  if (client.status === 'ready') return;
  await waitUntil(() => client.status === 'ready', within, 'the client to be ready', 10);
}

/** Quits a client, or drops its connection when it is not connected (a stopped server). */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  const quit = client.quit().then(
    () => true,
    () => false,
  );
  // `race` unsubscribes the timer that lost, so no timer outlives the test.
  const done = await firstValueFrom(race(from(quit), timer(2_000).pipe(map(() => false))));
  if (!done) client.disconnect();
}

/**
 * Everything a test opens, closed in `afterEach`: recorders are stopped first (releasing locks,
 * resigning), then backends are closed, then clients quit.
 */
export class Resources {
  private readonly clients: Redis[] = [];
  private readonly backends: RedisBackend[] = [];
  private readonly recorders: Recorder<unknown>[] = [];
  private readonly cleanups: (() => unknown)[] = [];

  /** An ioredis client of `server`, closed at the end of the test. */
  client(server: Pick<RedisServer, 'host' | 'port'>, options: RedisOptions = {}): Redis {
    const client = new Redis({ host: server.host, port: server.port, lazyConnect: false, ...options });
    client.on('error', () => {
      // Connection errors are expected while servers are stopped; requests report them.
    });
    this.clients.push(client);
    return client;
  }

  /** A Redis backend, closed at the end of the test. */
  backend(options: RedisBackendOptions): RedisBackend {
    const backend = createRedisBackend(options);
    this.backends.push(backend);
    return backend;
  }

  /** Subscribes and records `source`; unsubscribed at the end of the test. */
  record<T>(source: Observable<T>, label = 'stream', within = 10_000): Recorder<T> {
    const recorder = new Recorder(source, { label, within });
    this.recorders.push(recorder);
    return recorder;
  }

  /** Runs `cleanup` at the end of the test (before backends and clients are closed). */
  defer(cleanup: () => unknown): void {
    this.cleanups.push(cleanup);
  }

  async release(): Promise<void> {
    for (const recorder of this.recorders.splice(0)) recorder.stop();
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
    // Let the fire-and-forget releases of the stopped recorders reach Redis before the clients go.
    await firstValueFrom(timer(20));
    await Promise.all(this.backends.splice(0).map((backend) => backend.close()));
    await Promise.all(this.clients.splice(0).map((client) => closeClient(client)));
  }
}

/** Calls of the given commands since the server started, from `INFO commandstats`. */
export async function commandCalls(admin: Redis, commands: readonly string[]): Promise<number> {
  const info = await admin.info('commandstats');
  let total = 0;
  for (const command of commands) {
    const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info);
    total += match ? Number(match[1]) : 0;
  }
  return total;
}

/** Resolves once `channel` has `count` subscribers on the server of `admin` (PUBSUB NUMSUB). */
export function listening(admin: Redis, channel: string, count = 1, within = 10_000): Promise<void> {
  return waitUntil(
    async () => Number((await admin.pubsub('NUMSUB', channel))[1]) === count,
    within,
    `${count} subscriber(s) of ${channel}`,
  );
}

/** The clients of `CLIENT LIST` whose name is `name`. */
export async function clientsNamed(admin: Redis, name: string): Promise<Record<string, string>[]> {
  const list = (await admin.client('LIST')) as string;
  return list
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) =>
      Object.fromEntries(
        line
          .trim()
          .split(' ')
          .map((field) => {
            const index = field.indexOf('=');
            return [field.slice(0, index), field.slice(index + 1)];
          }),
      ),
    )
    .filter((fields) => fields['name'] === name);
}

export type { Redis };
