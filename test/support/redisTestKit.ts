import { Redis, type RedisOptions } from 'ioredis';
import { firstValueFrom, from, map, race, timer, type Observable } from 'rxjs';
import { createRedisBackend, type RedisBackend, type RedisBackendOptions } from 'rx-sync/redis';
import { RedisKeys } from '../../src/backends/redis/redisKeys.js';
import { startRedisServer, stopRedisServers, type RedisServer, type RedisServerOptions } from './redisServer.js';
import { Recorder, waitUntil } from './testKit.js';

/**
 * The Redis part of the test kit (testKit.ts has the rest): redis-server processes for the specs
 * of a file, clients and backends that are always closed, the Redis key names of leases and store
 * items, and reads of what the server saw (commands, subscribers, clients).
 */

/** The options of {@link useRedisServer}, or a function that makes them in `beforeAll` (a free port, certificates). */
export type UseRedisServerOptions = RedisServerOptions | (() => RedisServerOptions | Promise<RedisServerOptions>);

/**
 * A redis-server on a free port of 127.0.0.1 for the tests of the enclosing `describe` block (or of
 * the file, at top level): started in `beforeAll`, stopped by PID and its directory removed in
 * `afterAll`. The server it returns stands for the running one; reading its port before
 * `beforeAll` or after `afterAll` throws.
 *
 * Jest runs the `afterAll` hooks of a block in the order they are declared: a hook that must close
 * clients while the server still runs is declared before this call.
 */
export function useRedisServer(options: UseRedisServerOptions = {}): RedisServer {
  const [server] = useRedisServers(1, options);
  return server!;
}

/**
 * `count` servers as {@link useRedisServer} starts one, started side by side, all with the same
 * options; `startTimeout` bounds their start (the `beforeAll` timeout, jest's test timeout by default).
 */
export function useRedisServers(
  count: number,
  options: UseRedisServerOptions = {},
  startTimeout?: number,
): RedisServer[] {
  const running: (RedisServer | undefined)[] = Array.from({ length: count }, () => undefined);
  beforeAll(async () => {
    const resolved = typeof options === 'function' ? await options() : options;
    const started = await Promise.allSettled(running.map(() => startRedisServer(resolved)));
    started.forEach((result, index) => (running[index] = result.status === 'fulfilled' ? result.value : undefined));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }, startTimeout);
  afterAll(async () => {
    const servers = [...running];
    running.fill(undefined);
    await stopRedisServers(...servers);
  });
  return running.map((_, index) => standIn(() => running[index]));
}

/** A RedisServer that forwards to the one `current` returns, failing clearly when none runs. */
function standIn(current: () => RedisServer | undefined): RedisServer {
  const server = (): RedisServer => {
    const running = current();
    if (!running) throw new Error('useRedisServer: the server was used outside the tests of its describe block');
    return running;
  };
  return {
    host: '127.0.0.1',
    get port() {
      return server().port;
    },
    get url() {
      return server().url;
    },
    get directory() {
      return server().directory;
    },
    stop: (signal) => server().stop(signal),
    restart: () => server().restart(),
    running: () => server().running(),
    signal: (signal) => server().signal(signal),
  };
}

/** Names of the Redis keys of a lease (see src/backends/redis/redisKeys.ts). */
export function leaseKeys(
  prefix: string,
  kind: 'lock' | 'leader',
  name: string,
): {
  lease: string;
  token: string;
  line: string;
  lineDeadlines: string;
  lineWaiters: string;
  channel: string;
  turnsPrefix: string;
} {
  const tag = `${prefix}:{${kind}:${name}}`;
  return {
    lease: `${tag}:lease`,
    token: `${tag}:token`,
    line: `${tag}:line`,
    lineDeadlines: `${tag}:line-deadlines`,
    lineWaiters: `${tag}:line-waiters`,
    channel: `${tag}:events`,
    turnsPrefix: `${tag}:turns:`,
  };
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

/**
 * Resolves once `count` backends listen for their turns on the lease whose channels of turns start
 * with `turnsPrefix` (see `leaseKeys`): a waiter with a place in line listens there, not on the
 * lease's channel of events. Glob characters in the prefix are escaped.
 */
export function listeningForTurns(admin: Redis, turnsPrefix: string, count = 1, within = 10_000): Promise<void> {
  const pattern = `${turnsPrefix.replace(/[*?[\]\\]/g, (character) => `\\${character}`)}*`;
  return waitUntil(
    async () => ((await admin.pubsub('CHANNELS', pattern)) as string[]).length === count,
    within,
    `${count} backend(s) listening for turns on ${turnsPrefix}`,
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
