import type { Subscription } from 'rxjs';
import { submit, type TaskBackend } from '../../../src/index.js';
import { NAMES } from './scenario.js';

/** A task whose submission was accepted (its enqueue confirmed: `submit` emitted `queued`). */
export interface AcceptedTask {
  readonly id: string;
  readonly n: number;
  /** How `submit` ended: 'succeeded', or the error's name; undefined while it follows the task. */
  outcome?: string;
}

/**
 * Submits tasks from the runner's own connection (not through a worker's proxy) at a steady rate,
 * and follows each to its end as users do, with `submit`.
 */
export class TaskSubmitter {
  readonly accepted: AcceptedTask[] = [];
  /** Submissions that failed before they were accepted, by error name. */
  readonly refused: Record<string, number> = {};
  private readonly subscriptions: Subscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private submitted = 0;

  constructor(private readonly backend: TaskBackend) {}

  /** Submits `perSecond` tasks a second until {@link stop}. */
  start(perSecond: number): void {
    this.timer = setInterval(() => this.submitOne(), 1000 / perSecond);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Tasks accepted whose `submit` has not ended yet. */
  get pending(): number {
    return this.accepted.filter((task) => task.outcome === undefined).length;
  }

  /** Stops following (the tasks are not cancelled). */
  close(): void {
    this.stop();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }

  private submitOne(): void {
    const n = this.submitted++;
    let task: AcceptedTask | undefined;
    this.subscriptions.push(
      submit(this.backend, NAMES.task, { n }, { attempts: 50, retryDelay: 100, cancelOnUnsubscribe: false }).subscribe({
        next: (event) => {
          if (event.type === 'queued' && !task) {
            task = { id: event.id, n };
            this.accepted.push(task);
          }
          if (event.type === 'succeeded' && task) task.outcome = 'succeeded';
        },
        error: (error: unknown) => {
          const name = error instanceof Error ? error.name : typeof error;
          if (task) task.outcome = name;
          else this.refused[name] = (this.refused[name] ?? 0) + 1;
        },
        complete: () => {
          if (task && task.outcome === undefined) task.outcome = 'completed without succeeded';
        },
      }),
    );
  }
}
