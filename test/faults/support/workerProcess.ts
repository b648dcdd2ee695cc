import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TcpProxy } from '../../support/tcpProxy.js';
import type { WorkerCommand, WorkerConfig, WorkerLine, WorkerReport } from './scenario.js';

const ROOT = join(__dirname, '../../..');
const FIXTURE = 'test/faults/fixtures/faultWorker.ts';

/**
 * One worker process (test/faults/fixtures/faultWorker.ts, run with tsx) and the TCP proxy
 * between it and the coordination Redis. Commands go to its stdin and lines come from its stdout,
 * one JSON object per line.
 */
export class WorkerProcess {
  private readonly listeners = new Set<(line: WorkerLine) => void>();
  private errors = '';
  /** Whether the runner has stopped the process with SIGSTOP (and not yet resumed it). */
  paused = false;
  readonly exited: Promise<number | string>;

  private constructor(
    readonly config: WorkerConfig,
    readonly proxy: TcpProxy,
    private readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: WorkerLine;
      try {
        line = JSON.parse(text) as WorkerLine;
      } catch {
        this.errors += `${text}\n`;
        return;
      }
      for (const listener of this.listeners) listener(line);
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.errors += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  }

  /** Starts the fixture with `config` (whose `redisPort` is `proxy`'s). */
  static start(config: WorkerConfig, proxy: TcpProxy): WorkerProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(config)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new WorkerProcess(config, proxy, child);
  }

  get id(): string {
    return this.config.id;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** What the process wrote to stderr (and any stdout that was not a JSON line). */
  get errorOutput(): string {
    return this.errors;
  }

  /** Calls `listener` with every line from now on; returns a function that removes it. */
  onLine(listener: (line: WorkerLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first line `accept` takes, rejects after `within` ms or when the process exits. */
  next<T extends WorkerLine>(accept: (line: WorkerLine) => line is T, within: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(new Error(`worker ${this.id}: no ${what} within ${within} ms; stderr:\n${this.errors}`));
      }, within);
      const remove = this.onLine((line) => {
        if (!accept(line)) return;
        clearTimeout(timer);
        remove();
        resolve(line);
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        remove();
        reject(new Error(`worker ${this.id} exited (${code}) before ${what}; stderr:\n${this.errors}`));
      });
    });
  }

  send(command: WorkerCommand): void {
    this.child.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  /** SIGSTOP / SIGCONT. */
  pause(): void {
    this.paused = true;
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.paused = false;
    this.child.kill('SIGCONT');
  }

  /** Asks for the final report. */
  report(within: number): Promise<WorkerReport> {
    const line = this.next((candidate): candidate is WorkerReport => candidate.type === 'report', within, 'report');
    this.send({ type: 'report' });
    return line;
  }

  /** Asks the process to exit; kills it if it has not within `within` ms. */
  async stop(within = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.paused) this.resume();
    this.send({ type: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), within);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the process at once. */
  kill(): void {
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
  }
}
