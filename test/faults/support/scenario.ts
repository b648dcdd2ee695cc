/**
 * What the fault suite's processes share: the names of the primitives under test, the worker
 * configuration passed to test/faults/fixtures/faultWorker.ts, and the lines a worker prints.
 */

/** The primitives the suite judges, in report order. */
export const PRIMITIVES = ['lock', 'leadership', 'store', 'task'] as const;
export type Primitive = (typeof PRIMITIVES)[number];

/** Names used by every worker. */
export const NAMES = Object.freeze({
  /** The contended lock. */
  lock: 'fault-lock',
  /** The leadership group. */
  group: 'fault-group',
  /** Prefix of the watched store keys. */
  store: 'fault-kv/',
  /** The key the runner writes after each fault to time how fast watchers see a write again. */
  probe: 'fault-probe',
  /** The task name. */
  task: 'fault-task',
});

/** How many store keys the writers spread over. */
export const STORE_KEYS = 16;
/** The store keys that each worker also follows with `keyValue` (besides `changes` over all). */
export const KEY_VALUE_KEYS = 3;

/** Configuration of one worker process (its argv[2], as JSON). */
export interface WorkerConfig {
  /** `w1`, `w2`, …: the worker's public name; lock contenders are `w1.c0`, `w1.c1`, …. */
  readonly id: string;
  /** Port of this worker's TCP proxy to the coordination Redis. */
  readonly redisPort: number;
  /** Port of the resource Redis (the fenced register), reached directly. */
  readonly resourcePort: number;
  readonly prefix: string;
  readonly leaseDuration: number;
  readonly primitives: readonly Primitive[];
  /** Lock contenders in this process. */
  readonly contenders: number;
}

/** Where a worker blocks its event loop on a `busy` command. */
export type StallPoint =
  /** At once, wherever the process is. */
  | 'now'
  /** Inside the next lock critical section, after the fenced read and before `isValid()`. */
  | 'lock-before-check'
  /** Inside the next lock critical section, after `isValid()` and before the fenced write. */
  | 'lock-after-check'
  /** Before the next heartbeat of a leader, after `isValid()`. */
  | 'leader-after-check'
  /** Inside the next task handler, between its fenced start and its effect. */
  | 'task';

/** A command sent to a worker on its stdin, one JSON object per line. */
export type WorkerCommand =
  /** Block the event loop for `duration` ms at `point`; a stall not reached within `within` ms is dropped. */
  | { readonly type: 'busy'; readonly duration: number; readonly point: StallPoint; readonly within: number }
  /** Stop contending, campaigning and writing (the task worker keeps running). */
  | { readonly type: 'drain' }
  /** Print the final report. */
  | { readonly type: 'report' }
  /** Stop the task worker, close everything and exit. */
  | { readonly type: 'exit' };

/** One acquisition of the lock, as a contender saw it. */
export interface Acquisition {
  readonly who: string;
  readonly token: number;
  /** Wall clock (ms) when the lease was emitted. */
  readonly at: number;
}

/** One term of leadership, as the candidate saw it. */
export interface TermRecord {
  readonly term: number;
  readonly candidate: string;
  readonly electedAt: number;
  /** When the stream completed (leadership lost); undefined when it was still held or resigned. */
  readonly completedAt?: number;
  /** When the candidate unsubscribed (resigned, at drain). */
  readonly resignedAt?: number;
}

/** A watcher's view of the store: key → version and value. */
export type StoreView = Record<string, { readonly version: number; readonly value: string }>;

/** What a worker prints at the end. */
export interface WorkerReport {
  readonly type: 'report';
  readonly id: string;
  readonly acquisitions: readonly Acquisition[];
  readonly terms: readonly TermRecord[];
  /** Store writes acknowledged by the backend. */
  readonly writes: number;
  /** The `changes()` watcher's view, and each `keyValue()` watcher's, by key. */
  readonly changesView: StoreView;
  readonly keyValueViews: Record<string, { readonly version: number; readonly value: string } | null>;
  /** Emissions whose version was not greater than an earlier one of the same key (per watcher). */
  readonly versionRegressions: number;
  /** Counters of what happened (errors by name, lease losses, fenced operations, worker events). */
  readonly counters: Record<string, number>;
}

/** A line a worker prints on stdout. */
export type WorkerLine =
  | { readonly type: 'ready'; readonly id: string }
  /** A `keyValue` watcher saw probe value `value`. */
  | { readonly type: 'probe'; readonly id: string; readonly value: string; readonly at: number }
  /** A `busy` stall ran (from `at`, wall clock ms, for `duration` ms). */
  | { readonly type: 'stalled'; readonly id: string; readonly point: StallPoint; readonly at: number }
  | WorkerReport;
