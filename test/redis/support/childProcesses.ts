import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Subject, type Observable } from 'rxjs';
import { waitUntil } from '../../support/testKit.js';

/**
 * Separate Node processes running the fixtures of test/redis/fixtures with tsx, for the specs that
 * need real processes (a `kill -9` is a crash no in-process fault can imitate). Every process
 * started here is tracked until it exits; call {@link killWorkers} in `afterEach`.
 */

const ROOT = join(__dirname, '../../..');

/** The processes started by this test file that have not exited yet. */
const children = new Set<ChildProcess>();

/** A child process running one fixture with tsx; its stdout and stderr are kept for failure messages. */
export interface Worker {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Each complete line of its stdout, as it arrives (without the newline); completes when stdout closes. */
  readonly lines: Observable<string>;
  /** Writes `text` and a newline to its stdin; does nothing once the process has exited. */
  readonly send: (text: string) => void;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

/** Starts `node --import tsx test/redis/fixtures/<fixture> ...args` from the repository root. */
export function startWorker(fixture: string, args: readonly string[]): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', join('test/redis/fixtures', fixture), ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  let partial = '';
  const lines = new Subject<string>();
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    const parts = (partial + text).split('\n');
    partial = parts.pop()!;
    for (const part of parts) lines.next(part);
  });
  child.stdout?.once('close', () => lines.complete());
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Writing to a process that was just killed fails with EPIPE: that process no longer matters.
  child.stdin?.on('error', () => undefined);
  const send = (text: string): void => {
    if (child.exitCode === null && child.signalCode === null && child.stdin?.writable) child.stdin.write(`${text}\n`);
  };
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  return { child, output: () => output, lines: lines.asObservable(), send, exited };
}

/** Kills `child` with SIGKILL (a crash: no handler runs) and resolves once it has exited. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** Kills every process started by this test file that is still running. */
export async function killWorkers(): Promise<void> {
  await Promise.all([...children].map((child) => kill(child)));
}

/** Resolves with the first match of `pattern` in the output of `worker`. */
export async function line(worker: Worker, pattern: RegExp, within: number): Promise<RegExpExecArray> {
  let match: RegExpExecArray | null = null;
  await waitUntil(
    () => (match = pattern.exec(worker.output())) !== null || worker.child.exitCode !== null,
    within,
    `${String(pattern)} in the output of the worker; output:\n${worker.output()}`,
  );
  if (!match) throw new Error(`the worker exited before printing ${String(pattern)}; output:\n${worker.output()}`);
  return match;
}
