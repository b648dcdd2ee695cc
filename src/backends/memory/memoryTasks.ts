import { map, merge, Observable, Subscription, timer } from 'rxjs';
import type {
  ClaimRequest,
  Enqueued,
  TaskBackendEvent,
  TaskClaim,
  TaskErrorInfo,
  TaskRecord,
  TaskRequest,
  TaskSubmission,
} from '../../taskBackend.js';
import { schedulerNow } from '../../internal/clock.js';
import { STORED_ERRORS } from '../../internal/storedErrors.js';
import { Listeners } from './listeners.js';
import { idempotencyKeyOf, recordOf, type EventBody, type StoredTask } from './storedTask.js';

/**
 * The task queue of a memory backend: what a task server does, in process. Claims carry leases
 * that lapse on RxJS timers (virtual time under `TestScheduler.run`), and a lapsed claim puts the
 * task back in the queue (stalled-task recovery). Every operation runs inside `Listeners.batch`,
 * so its events (and the wake-up signals of idle workers) are delivered once it has finished.
 */
export class MemoryTasks {
  private readonly tasks = new Map<string, StoredTask>();
  private readonly byIdempotencyKey = new Map<string, string>();
  private readonly listeners = new Listeners<TaskBackendEvent>();
  private lastId = 0;
  private lastToken = 0;
  private lastOrder = 0;

  enqueue(request: TaskRequest): Enqueued {
    return this.listeners.batch(() => this.admit(request));
  }

  /**
   * Enqueues and follows in one step: the task's listener is attached before its `queued` event is
   * published, and the reply is emitted before that event is delivered (at the end of the batch).
   */
  enqueueAndFollow(request: TaskRequest): Observable<TaskSubmission> {
    return new Observable<TaskSubmission>((subscriber) => {
      const following = new Subscription();
      this.listeners.batch(() => {
        const follow = (id: string): void => {
          following.add(this.events(id).subscribe((event) => subscriber.next(event)));
        };
        subscriber.next({ type: 'enqueued', ...this.admit(request, follow) });
      });
      return following;
    });
  }

  /** Stores a new task, or finds the one with the same idempotency key; `follow` gets its id before anything happens to it. */
  private admit(request: TaskRequest, follow?: (id: string) => void): Enqueued {
    this.expireLapsed();
    const key = idempotencyKeyOf(request);
    const existing = key === undefined ? undefined : this.byIdempotencyKey.get(key);
    if (existing !== undefined && this.tasks.has(existing)) {
      follow?.(existing);
      return { id: existing, created: false };
    }
    const id = `task-${++this.lastId}`;
    follow?.(id);
    const task: StoredTask = {
      id,
      request,
      state: 'queued',
      attempt: 0,
      worker: undefined,
      token: undefined,
      dueAt: schedulerNow(),
      order: ++this.lastOrder,
      result: undefined,
      error: undefined,
      seq: 0,
      timer: Subscription.EMPTY,
    };
    this.tasks.set(id, task);
    if (key !== undefined) this.byIdempotencyKey.set(key, id);
    this.publish(task, { type: 'queued' });
    this.signal(task);
    return { id, created: true };
  }

  claim({ worker, names, leaseDuration, limit }: ClaimRequest): TaskClaim[] {
    return this.listeners.batch(() => {
      this.expireLapsed();
      const now = schedulerNow();
      const due = [...this.tasks.values()]
        .filter((task) => task.state === 'queued' && task.dueAt <= now && names.includes(task.request.name))
        .sort((a, b) => a.order - b.order)
        .slice(0, limit);
      return due.map((task): TaskClaim => {
        task.timer.unsubscribe();
        task.state = 'running';
        task.attempt++;
        task.worker = worker;
        task.token = ++this.lastToken;
        this.lease(task, leaseDuration);
        this.publish(task, { type: 'started', attempt: task.attempt, worker });
        const { name, input, policy } = task.request;
        return { id: task.id, name, input, policy, attempt: task.attempt, token: task.token };
      });
    });
  }

  renew(id: string, token: number, leaseDuration: number): boolean {
    return this.listeners.batch(() => {
      const task = this.running(id, token);
      if (!task) return false;
      this.lease(task, leaseDuration);
      return true;
    });
  }

  progress(id: string, token: number, value: string): boolean {
    return this.listeners.batch(() => {
      const task = this.running(id, token);
      if (!task) return false;
      this.publish(task, { type: 'progress', attempt: task.attempt, value });
      return true;
    });
  }

  complete(id: string, token: number, result: string | undefined): boolean {
    return this.listeners.batch(() => {
      const task = this.running(id, token);
      if (!task) return false;
      task.result = result;
      this.finish(task, 'succeeded');
      this.publish(task, { type: 'succeeded', ...(result !== undefined && { result }) });
      return true;
    });
  }

  fail(id: string, token: number, error: TaskErrorInfo, retryDelay: number | undefined): boolean {
    return this.listeners.batch(() => {
      const task = this.running(id, token);
      if (!task) return false;
      this.endAttempt(task, error, retryDelay);
      return true;
    });
  }

  cancel(id: string): boolean {
    return this.listeners.batch(() => {
      this.expireLapsed();
      const task = this.tasks.get(id);
      if (!task || (task.state !== 'queued' && task.state !== 'running')) return false;
      this.finish(task, 'cancelled');
      this.publish(task, { type: 'cancelled' });
      return true;
    });
  }

  read(id: string): TaskRecord | undefined {
    return this.listeners.batch(() => {
      this.expireLapsed();
      const task = this.tasks.get(id);
      return task && recordOf(task);
    });
  }

  events(id: string): Observable<TaskBackendEvent> {
    return this.listeners.observe(`task:${id}`);
  }

  signals(names: readonly string[]): Observable<void> {
    return merge(...names.map((name) => this.listeners.observe(`signal:${name}`))).pipe(map(() => undefined));
  }

  /** Ends the running claim of `id` now, as if its lease had lapsed (a fault control for tests). */
  expireClaim(id: string): boolean {
    return this.listeners.batch(() => {
      const task = this.tasks.get(id);
      if (task?.state !== 'running') return false;
      this.lapse(task);
      return true;
    });
  }

  /** Listeners attached to task events and signals, for leak checks. */
  get watchers(): number {
    return this.listeners.size;
  }

  /** Tasks currently running (claimed), for leak checks. */
  get claimed(): number {
    this.listeners.batch(() => this.expireLapsed());
    let count = 0;
    for (const task of this.tasks.values()) if (task.state === 'running') count++;
    return count;
  }

  private running(id: string, token: number): StoredTask | undefined {
    this.expireLapsed();
    const task = this.tasks.get(id);
    return task?.state === 'running' && task.token === token ? task : undefined;
  }

  /**
   * Lapses every claim whose time is up, even before its timer fires in the same instant, and
   * forgets every finished task whose retention ran out.
   */
  private expireLapsed(): void {
    const now = schedulerNow();
    for (const task of [...this.tasks.values()]) {
      if (task.dueAt > now) continue;
      if (task.state === 'running') this.lapse(task);
      else if (task.state !== 'queued') this.forget(task);
    }
  }

  private forget(task: StoredTask): void {
    this.tasks.delete(task.id);
    const key = idempotencyKeyOf(task.request);
    if (key !== undefined && this.byIdempotencyKey.get(key) === task.id) this.byIdempotencyKey.delete(key);
  }

  private lease(task: StoredTask, leaseDuration: number): void {
    task.timer.unsubscribe();
    task.dueAt = schedulerNow() + leaseDuration; // for a running task: when its claim lapses
    task.timer = timer(leaseDuration).subscribe(() => this.listeners.batch(() => this.expireLapsed()));
  }

  private lapse(task: StoredTask): void {
    const error = STORED_ERRORS.stalled(task.attempt);
    this.endAttempt(task, error, task.attempt < task.request.policy.attempts ? 0 : undefined);
  }

  private endAttempt(task: StoredTask, error: TaskErrorInfo, retryDelay: number | undefined): void {
    task.error = error;
    if (retryDelay === undefined) {
      this.finish(task, 'failed');
      this.publish(task, { type: 'failed', attempt: task.attempt, error });
      return;
    }
    task.timer.unsubscribe();
    task.state = 'queued';
    task.token = undefined;
    task.dueAt = schedulerNow() + retryDelay;
    // A retry joins the end of the line; a task handed back (lapsed, worker stopped) keeps its place.
    if (retryDelay > 0) task.order = ++this.lastOrder;
    this.publish(task, { type: 'retrying', attempt: task.attempt, error, delay: retryDelay });
    if (retryDelay > 0) {
      task.timer = timer(retryDelay).subscribe(() => this.listeners.batch(() => this.signal(task)));
    } else {
      task.timer = Subscription.EMPTY;
      this.signal(task);
    }
  }

  private finish(task: StoredTask, state: 'succeeded' | 'failed' | 'cancelled'): void {
    task.timer.unsubscribe();
    task.timer = Subscription.EMPTY;
    task.state = state;
    task.token = undefined;
    // Retention is checked lazily (see `expireLapsed`), so a finished task holds no timer that
    // would keep the process alive.
    task.dueAt = schedulerNow() + task.request.retention;
  }

  private publish(task: StoredTask, body: EventBody): void {
    task.seq++;
    this.listeners.publishTo(`task:${task.id}`, { ...body, id: task.id, seq: task.seq });
  }

  private signal(task: StoredTask): void {
    if (task.state === 'queued') {
      this.listeners.publishTo(`signal:${task.request.name}`, { type: 'queued', id: task.id, seq: task.seq });
    }
  }
}
