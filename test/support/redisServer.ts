import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A real redis-server process on 127.0.0.1, started for tests and stopped afterwards. */
export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly url: string;
  /** The server's working directory (for persistence files). */
  readonly directory: string;
  /** Stops the server: `SIGTERM`, or `SIGKILL` to emulate a crash. Resolves when the process has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the server again on the same port and directory (after `stop`). */
  restart(): Promise<void>;
  /** Whether the process started last is still running (not stopped, killed nor exited). */
  running(): boolean;
  /** Sends a signal to the process (`SIGSTOP` / `SIGCONT` to pause and resume it). */
  signal(signal: NodeJS.Signals): void;
  /** The cluster bus port (`--cluster-port`), when started with `clusterBus`. */
  readonly busPort?: number;
}

/** How to start a server: extra arguments, and for topologies a fixed port, a config file or Sentinel mode. */
export interface RedisServerOptions {
  /** Extra `redis-server` arguments, such as `['--appendonly', 'yes']`. */
  readonly args?: readonly string[];
  /** The port to listen on (a free one when left out). */
  readonly port?: number;
  /**
   * Text of a config file, written to `redis.conf` in the server's directory and passed as the first
   * argument (Sentinel needs a writable config file; it rewrites it).
   */
  readonly config?: string;
  /** Runs `redis-server --sentinel` (only the port, bind and `args` are passed on the command line). */
  readonly sentinel?: boolean;
  /** Uses this directory (created by the caller, removed by `stopRedisServers`) instead of a fresh one. */
  readonly directory?: string;
  /** Gives the server a cluster bus port of its own (`--cluster-port`, a free one), for a Cluster node. */
  readonly clusterBus?: boolean;
}

/** How many times a server whose free port was taken before it could bind is started again on other ports. */
const PORT_ATTEMPTS = 5;

const INSTALL_HINT =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: `apt-get install -y redis-server`; macOS: `brew install redis`); `.ci/run` installs it in CI.';

/** Fails with an install hint when `redis-server` is missing. */
export function assertRedisServerInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(INSTALL_HINT);
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts a redis-server on a free port of 127.0.0.1, without persistence unless `args` asks for it.
 * A port found free can be taken before the server binds it (by another process, or as the local
 * end of any outgoing connection): then the server is started again on other free ports.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  assertRedisServerInstalled();
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'rx-sync-redis-'));
  const configFile = options.config === undefined ? undefined : join(directory, 'redis.conf');
  if (configFile !== undefined) writeFileSync(configFile, options.config ?? '');
  let port = 0;
  let busPort: number | undefined;
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const args = [...(options.args ?? []), ...(busPort === undefined ? [] : ['--cluster-port', String(busPort)])];
    child = await spawnRedis(port, directory, args, configFile, options.sentinel ?? false);
  };
  for (let attempt = 1; ; attempt++) {
    port = options.port ?? (await freePort());
    busPort = options.clusterBus ? await freePort() : undefined;
    try {
      await launch();
      break;
    } catch (error) {
      const taken = error instanceof Error && error.message.includes('Address already in use');
      if (!taken || options.port !== undefined || attempt === PORT_ATTEMPTS) throw error;
    }
  }
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGCONT');
    running.kill(signal);
    await exited;
  };
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    directory,
    ...(busPort !== undefined && { busPort }),
    stop: async (signal) => {
      await stop(signal);
    },
    restart: async () => {
      await stop();
      await launch();
    },
    signal: (signal) => {
      child?.kill(signal);
    },
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
  };
}

/**
 * A plain connection to one server (a data server or a sentinel), for administration: one retry per
 * request, errors swallowed (servers are stopped on purpose), and a short `disconnectTimeout`, so
 * that closing it while its server is down leaves no timer behind. Close it with `disconnect()`.
 */
export function adminClient(server: { readonly host?: string; readonly port: number }): Redis {
  const client = new Redis({
    host: server.host ?? '127.0.0.1',
    port: server.port,
    maxRetriesPerRequest: 1,
    disconnectTimeout: 100,
  });
  client.on('error', () => {
    // A server being stopped or failing over: requests report it.
  });
  return client;
}

/** Stops servers and removes their directories. */
export async function stopRedisServers(...servers: (RedisServer | undefined)[]): Promise<void> {
  await Promise.all(
    servers.map(async (server) => {
      if (!server) return;
      await server.stop();
      rmSync(server.directory, { recursive: true, force: true });
    }),
  );
}

function spawnRedis(
  port: number,
  directory: string,
  args: readonly string[],
  configFile: string | undefined,
  sentinel: boolean,
): Promise<ChildProcess> {
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no'];
  const dataServer = ['--dir', directory, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'];
  const child = spawn(
    'redis-server',
    [
      ...(configFile === undefined ? [] : [configFile]),
      ...(sentinel ? ['--sentinel'] : []),
      ...common,
      ...(sentinel ? [] : dataServer),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // A Sentinel logs no "Ready" line; it is serving once it monitors its master.
  const readyLine = sentinel ? '+monitor master' : 'Ready to accept connections';
  // With RX_SYNC_REDIS_LOGS=<directory>, every server's log is also appended to <directory>/<port>.log
  // (to read what the servers and sentinels did around a failure).
  const logDirectory = process.env['RX_SYNC_REDIS_LOGS'];
  if (logDirectory) {
    const logFile = join(logDirectory, `${sentinel ? 'sentinel' : 'redis'}-${port}.log`);
    const keep = (chunk: Buffer): void => appendFileSync(logFile, chunk);
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(readyLine)) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => reject(error.message.includes('ENOENT') ? new Error(INSTALL_HINT) : error));
    child.once('exit', (code) =>
      reject(new Error(`redis-server on port ${port} exited with ${code} before it was ready:\n${output}`)),
    );
  });
}
