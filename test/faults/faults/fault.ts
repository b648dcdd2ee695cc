import type { Environment } from '../support/environment.js';
import type { Primitive } from '../support/scenario.js';
import type { WorkerProcess } from '../support/workerProcess.js';

/** What a fault gets for one injection. */
export interface FaultContext {
  readonly environment: Environment;
  /** The primitive this injection aims at (the runner takes turns). */
  readonly focus: Primitive;
  /** For a worker fault: the worker to hit (the lock holder or the leader when focused on them). */
  readonly target: WorkerProcess;
  /** 0, 1, 2, …: lets a fault vary its injections (where to stall, which way the clock jumps). */
  readonly round: number;
  /** Records what was done, for the log. */
  readonly note: (text: string) => void;
}

/** One kind of fault: how to inject it, hold it and heal it. */
export interface Fault {
  /** The name in the report. */
  readonly name: string;
  /** One line for the table's legend (FAULTS.md). */
  readonly summary: string;
  /** `server`: hits the coordination Redis, so every worker; `worker`: hits one worker. */
  readonly scope: 'server' | 'worker';
  /** Extra arguments of the coordination redis-server for this fault's run. */
  readonly redisArgs?: readonly string[];
  /**
   * Primitives whose guarantees the README documents as not holding under this fault, with the
   * reason: reported as not judged instead of counting violations.
   */
  readonly notJudged?: Partial<Record<Primitive, string>>;
  /** Injects the fault, holds it, heals it; resolves once healed. */
  inject(context: FaultContext): Promise<void>;
}

/** Waits `duration` ms. */
export function hold(duration: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, duration));
}
