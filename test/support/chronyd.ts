import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort, ntpAnswers } from './ntpResponder.js';

/** A real chronyd serving NTP on 127.0.0.1 from its local clock, started for tests and stopped afterwards. */
export interface Chronyd {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `host:port`, as `ntpClock({ servers })` takes it. */
  readonly server: string;
  /** Stops chronyd and removes its directory. Resolves when the process has exited. */
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'chronyd was not found (looked on PATH and in /usr/sbin). Install it (Debian/Ubuntu: `apt-get install -y chrony`); `.ci/run` installs it in CI.';

/** The chronyd binary: on PATH, else /usr/sbin/chronyd (PATH of a non-root shell often lacks /usr/sbin). */
export function chronydBinary(): string {
  for (const candidate of ['chronyd', '/usr/sbin/chronyd']) {
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (!probe.error && probe.status === 0) return candidate;
  }
  throw new Error(INSTALL_HINT);
}

/**
 * Starts chronyd on a free UDP port of 127.0.0.1 as an NTP server of its local clock
 * (`local stratum 8`), without touching the system clock (`-x`), its command port closed. As root
 * chronyd drops to its own user, so its directory (pid file) is made writable by everyone.
 */
export async function startChronyd(): Promise<Chronyd> {
  const binary = chronydBinary();
  const port = await freeUdpPort();
  const directory = mkdtempSync(join(tmpdir(), 'rx-sync-chronyd-'));
  chmodSync(directory, 0o777);
  const config = join(directory, 'chrony.conf');
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bindaddress 127.0.0.1',
      'allow 127.0.0.1',
      'local stratum 8',
      'cmdport 0',
      `pidfile ${join(directory, 'chronyd.pid')}`,
      '',
    ].join('\n'),
  );
  const args = ['-f', config, '-d', '-x', ...(process.getuid?.() === 0 ? [] : ['-U'])];
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let failed: Error | undefined;
  child.once('error', (error) => (failed = error));
  child.once('exit', (code, signal) => (failed ??= new Error(`chronyd exited (${code ?? signal}):\n${output}`)));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    if (existsSync(directory)) rmSync(directory, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  while (!(await ntpAnswers(port))) {
    if (failed !== undefined || Date.now() > deadline) {
      await stop();
      throw failed ?? new Error(`chronyd did not answer NTP on 127.0.0.1:${port} within 10 s:\n${output}`);
    }
  }
  return { host: '127.0.0.1', port, server: `127.0.0.1:${port}`, stop };
}
