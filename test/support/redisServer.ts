import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  /** Sends a signal to the process (`SIGSTOP` / `SIGCONT` to pause and resume it). */
  signal(signal: NodeJS.Signals): void;
}

/** Extra `redis-server` arguments, such as `['--appendonly', 'yes']`. */
export interface RedisServerOptions {
  readonly args?: readonly string[];
}

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

/** Starts a redis-server on a free port of 127.0.0.1, without persistence unless `args` asks for it. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  assertRedisServerInstalled();
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'rx-sync-redis-'));
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    child = await spawnRedis(port, directory, options.args ?? []);
  };
  await launch();
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
  };
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

function spawnRedis(port: number, directory: string, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      directory,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
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
