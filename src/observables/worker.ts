import {
  catchError,
  concat,
  concatMap,
  defaultIfEmpty,
  defer,
  endWith,
  filter,
  finalize,
  from,
  isObservable,
  map,
  merge,
  NEVER,
  Observable,
  of,
  race,
  Subject,
  Subscription,
  take,
  takeLast,
  timeout,
  timer,
} from 'rxjs';
import { NonRetryableError } from '../errors/NonRetryableError.js';
import { TaskCancelledError } from '../errors/TaskCancelledError.js';
import { TaskTimeoutError } from '../errors/TaskTimeoutError.js';
import { backoff } from '../engine/backoff.js';
import { DEFAULT_LEASE_OPTIONS } from './leaseOptions.js';
import { renewal } from '../engine/renewal.js';
import { ValidityGuard } from '../engine/validityGuard.js';
import { schedulerNow } from '../internal/clock.js';
import { fromJson } from '../internal/json.js';
import { assertNameWithin, fitText, limitsOf, toJsonWithin } from '../internal/limits.js';
import { type BackendLimits } from '../limits.js';
import { defaultHolderName } from '../internal/ownerId.js';
import { assertTaskBackend } from '../internal/taskArguments.js';
import type { TaskBackend, TaskClaim, TaskErrorInfo, TaskPolicy } from '../taskBackend.js';
import type { TaskContext, TaskHandlers, WorkerEvent } from './TaskEvent.js';
import { resolveWorkerOptions, type WorkerOptions, type WorkerSettings } from './workerOptions.js';

/** How an attempt ended, before the backend is told. */
type Outcome =
  | { readonly kind: 'succeeded'; readonly result: unknown }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'abandoned'; readonly reason: 'cancelled' | 'lease-lost' | 'stopped' };

/** What an attempt tells its worker, and how it reports a success. */
interface AttemptHooks {
  /** The handler's outcome is known: its slot is free. */
  readonly decided: () => void;
  /** Reports a success (token-checked); `false` when the claim was no longer this attempt's. */
  readonly complete: (claim: TaskClaim, result: string | undefined) => Observable<boolean>;
}

/** One running attempt, as the worker keeps track of it. */
interface Run {
  /** Aborts the attempt because the worker stopped (grace period over). */
  readonly stop: () => void;
}

/**
 * A pool of task handlers, as an Observable: subscribing starts claiming and running tasks with
 * the given concurrency; unsubscribing stops taking new ones and lets running ones finish.
 *
 * @remarks
 * ```
 * submit(b, 'a', 1):  q-s----(v|)
 * worker(b, {a}):     --s----d----   s: started  d: succeeded (WorkerEvent)
 * ```
 * The worker claims due tasks whose names it handles (oldest first, up to `concurrency` at a
 * time), woken at once by new and retried tasks and polling every `pollInterval` as well. Each
 * claim is a lease with a fencing token (`context.token`), renewed every `renewInterval`; a
 * worker that crashes or stalls stops renewing, and the backend hands the task to another worker
 * when the lease lapses (at-least-once delivery), never to two at once. The handler gets the
 * parsed input and a {@link TaskContext}; its `signal` is aborted when the attempt's `timeout`
 * runs out (`TaskTimeoutError`, the attempt fails), when the task is cancelled
 * (`TaskCancelledError`), when the claim is lost (renewal refused, or unconfirmed until
 * `leaseDuration - driftMargin` after the last confirmed one), or at the end of the grace
 * period. A failed attempt (throw, rejection, error, timeout, a result that is not a JSON value)
 * is retried after jittered exponential backoff while attempts remain, unless its error is a
 * {@link NonRetryableError} (or any object whose `name` is `'NonRetryableError'`): that fails the
 * task at once (`failed` with `retry: false`), whatever attempts remain. A timed-out attempt is
 * retried like any other.
 *
 * Emits a {@link WorkerEvent} for every attempt that starts and ends. It completes only after a
 * `shutdown` (a graceful stop): it then claims nothing more, lets running handlers go on for
 * `gracePeriod` and report their results, aborts the rest and hands their tasks back to the queue,
 * and completes once every attempt is reported, so a process knows when it may close its backend.
 * Unsubscribing stops the same way, in the background.
 * ```
 * shutdown:        -----x
 * worker(b, h):    -s-s---d----(a|)   d: a running task finished  a: one past gracePeriod, handed back
 * ```
 *
 * @example
 * ```ts
 * import { submit, worker } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * const pool = worker(backend, {
 *   resize: async (input: { w: number }, { signal, progress }) => {
 *     progress('started');
 *     signal.throwIfAborted();
 *     return `resized to ${input.w}`;
 *   },
 * }, { concurrency: 10 }).subscribe((event) => console.log(event.type, event.id));
 * submit(backend, 'resize', { w: 64 }).subscribe({ complete: () => pool.unsubscribe() });
 * ```
 *
 * @param backend - Where the task queue lives.
 * @param handlers - Handlers by task name.
 * @param options - Concurrency, lease timing, polling and grace period; see {@link WorkerOptions}.
 * @returns A cold Observable of {@link WorkerEvent}s that runs tasks while subscribed.
 * @throws TypeError or RangeError, at call time, for bad handlers or options.
 * @see {@link submit}; {@link createTaskRunner} for a Promise API.
 */
export function worker(backend: TaskBackend, handlers: TaskHandlers, options?: WorkerOptions): Observable<WorkerEvent> {
  assertTaskBackend(backend);
  return workerWith(backend, handlers, resolveWorkerOptions(options, { caller: 'worker' }, limitsOf(backend)));
}

/**
 * {@link worker} with its options already resolved (by `createTaskRunner`, whose options hold
 * them), for a backend already checked; checks the handlers.
 */
export function workerWith(
  backend: TaskBackend,
  handlers: TaskHandlers,
  settings: WorkerSettings,
): Observable<WorkerEvent> {
  const limits = limitsOf(backend);
  assertHandlers(handlers, limits);
  const names = Object.freeze(Object.keys(handlers));
  return new Observable<WorkerEvent>((subscriber) => {
    const workerName = settings.name ?? defaultHolderName();
    const runs = new Map<string, Run>();
    // Handlers running: a slot is free again once its handler's outcome is known, so the next
    // claim goes out with the report of that outcome (one round trip for both), not after it.
    let executing = 0;
    let stopped = false;
    let claimInFlight = false;
    let claimAgain = false;
    let claimRequest = Subscription.EMPTY;
    let grace = Subscription.EMPTY;

    const pump = (): void => {
      if (stopped) return;
      if (claimInFlight) {
        claimAgain = true;
        return;
      }
      const free = settings.concurrency - executing;
      if (free <= 0) return;
      claimAgain = false;
      claimInFlight = true;
      const requestStart = schedulerNow();
      claimRequest = backend
        .claim(workerName, names, settings.leaseDuration, free)
        .pipe(timeout(settings.leaseDuration))
        .subscribe({
          next: (claims) => {
            // Runs that end at once ask for more only after every claim of this reply has started.
            for (const claim of claims) start(claim, requestStart);
            claimInFlight = false;
            if (claimAgain) pump();
          },
          error: () => {
            claimInFlight = false; // asked again at the next signal or poll
          },
        });
    };

    const start = (claim: TaskClaim, requestStart: number): void => {
      // The claim's lease counts from the start of the request that took it, as a lock's does.
      const guard = new ValidityGuard(settings.leaseDuration - settings.driftMargin);
      if (!guard.confirm(guard.begin(requestStart))) {
        handBack(backend, claim, 'late'); // granted too late to be of use: the backend may hand it on at any moment
        return;
      }
      const stop = new Subject<void>();
      runs.set(claim.id, { stop: () => stop.next() });
      executing++;
      let freed = false;
      const decided = (): void => {
        if (freed) return;
        freed = true;
        executing--;
        pump();
      };
      subscriber.next({ type: 'started', id: claim.id, name: claim.name, attempt: claim.attempt });
      runAttempt(backend, handlers, settings, claim, guard, stop, { decided, complete }).subscribe({
        next: (event) => subscriber.next(event),
        complete: () => {
          decided(); // in case the attempt ended without an outcome
          finished(claim.id);
        },
        error: () => {
          decided();
          finished(claim.id);
        },
      });
    };

    /**
     * Reports a success; when the backend can, the same step claims this worker's next tasks (a
     * busy worker then costs one round trip per task). Claims that come back after the worker
     * stopped are handed back at once.
     */
    const complete = (claim: TaskClaim, result: string | undefined): Observable<boolean> => {
      if (!backend.completeAndClaim || stopped || claimInFlight)
        return backend.completeTask(claim.id, claim.token, result);
      claimInFlight = true;
      const requestStart = schedulerNow();
      const next = {
        worker: workerName,
        names,
        leaseDuration: settings.leaseDuration,
        limit: settings.concurrency - executing + 1, // this attempt's slot is about to be free
      };
      return backend.completeAndClaim(claim.id, claim.token, result, next).pipe(
        map(({ completed, claims }) => {
          for (const taken of claims) {
            if (stopped) handBack(backend, taken, 'stopped');
            else start(taken, requestStart);
          }
          return completed;
        }),
        finalize(() => {
          claimInFlight = false;
          if (claimAgain) pump();
        }),
      );
    };

    const finished = (id: string): void => {
      runs.delete(id);
      if (stopped && runs.size === 0) {
        grace.unsubscribe();
        subscriber.complete(); // a shutdown is over (after an unsubscribe, nobody listens)
      }
      pump();
    };

    const wakeUps = merge(backend.taskSignals(names), timer(0, settings.pollInterval)).subscribe({
      next: pump,
      error: () => undefined, // the poll goes on
    });

    /** Claims nothing more; running tasks get `gracePeriod`, then are aborted and handed back. */
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      wakeUps.unsubscribe();
      claimRequest.unsubscribe();
      if (runs.size === 0) return subscriber.complete();
      const stopAll = (): void => [...runs.values()].forEach((run) => run.stop());
      if (settings.gracePeriod === 0) stopAll();
      else grace = timer(settings.gracePeriod).subscribe(stopAll);
    };
    const shutdown = settings.shutdown?.pipe(take(1)).subscribe(stop);

    return () => {
      shutdown?.unsubscribe();
      stop();
    };
  });
}

/** Runs one attempt and tells the backend how it ended; emits the worker's event for the end. */
function runAttempt(
  backend: TaskBackend,
  handlers: TaskHandlers,
  settings: WorkerSettings,
  claim: TaskClaim,
  guard: ValidityGuard,
  stop: Subject<void>,
  hooks: AttemptHooks,
): Observable<WorkerEvent> {
  const { id, name, attempt, token, policy } = claim;
  return defer(() => {
    const controller = new AbortController();
    let over = false;
    const context: TaskContext = Object.freeze({
      id,
      name,
      attempt,
      token,
      signal: controller.signal,
      progress: (value: unknown) => {
        if (over) return;
        const json = toJsonWithin(limitsOf(backend), value === undefined ? null : value, 'progress value');
        backend.reportProgress(id, token, json).subscribe({ error: () => undefined });
      },
    });
    const handler = handlers[name];
    const execution = defer(() => {
      if (!handler) throw new TypeError(`No handler for task "${name}".`);
      const output = handler(fromJson(claim.input), context);
      return isObservable(output) || isPromiseLike(output) ? from(output) : of(output);
    }).pipe(
      takeLast(1),
      defaultIfEmpty(undefined),
      map((result): Outcome => ({ kind: 'succeeded', result })),
      catchError((error: unknown) => of<Outcome>({ kind: 'failed', error })),
    );
    const timedOut = Number.isFinite(policy.timeout)
      ? timer(policy.timeout).pipe(
          map((): Outcome => ({ kind: 'failed', error: new TaskTimeoutError(id, name, policy.timeout) })),
        )
      : NEVER;
    // Pushed endings of this claim: cancelled, or its lease lapsed on the backend (which then
    // queued or failed the task) before a renewal told us. A backend that stops telling (closed)
    // ends nothing: the run goes on to its other ends.
    const endedElsewhere = concat(backend.taskEvents(id), NEVER).pipe(
      filter(
        (event) =>
          event.type === 'cancelled' ||
          ((event.type === 'retrying' || event.type === 'failed') && event.attempt === attempt) ||
          (event.type === 'started' && event.attempt > attempt),
      ),
      map((event): Outcome => ({ kind: 'abandoned', reason: event.type === 'cancelled' ? 'cancelled' : 'lease-lost' })),
    );
    // The claim is renewed as any lease is; the end of its renewal is the loss of the claim.
    const renew = (): Observable<boolean> => backend.renewTask(id, token, settings.leaseDuration);
    const lost = renewal(renew, settings, guard, DEFAULT_LEASE_OPTIONS.retryDelay).pipe(
      endWith<Outcome>({ kind: 'abandoned', reason: 'lease-lost' }),
    );
    const stopped = stop.pipe(map((): Outcome => ({ kind: 'abandoned', reason: 'stopped' })));

    return race(execution, timedOut, endedElsewhere, lost, stopped).pipe(
      take(1),
      concatMap((outcome) => {
        over = true;
        guard.end(); // whatever the outcome, the claim's clock stops here
        return new Observable<WorkerEvent>((observer) => {
          const report = settle(backend, claim, outcome, controller, hooks.complete).subscribe(observer);
          hooks.decided(); // the report is on its way: the next claim goes out right behind it
          return report;
        });
      }),
      finalize(() => guard.end()),
    );
  });
}

/** Why a worker hands a claim back without running it. */
const NOT_RUN = Object.freeze({
  stopped: { name: 'WorkerStoppedError', message: 'The worker stopped before it could start the task.' },
  late: {
    name: 'TaskStalledError',
    message: 'The claim reached its worker too late to be used: its lease could no longer be relied on.',
  },
});

/** A claim this worker will not run: queued again at once, in its place in line. */
function handBack(backend: TaskBackend, claim: TaskClaim, reason: keyof typeof NOT_RUN): void {
  backend.failTask(claim.id, claim.token, NOT_RUN[reason], 0).subscribe({ error: () => undefined });
}

/** Aborts what must stop and reports the outcome to the backend (token-checked). */
function settle(
  backend: TaskBackend,
  claim: TaskClaim,
  outcome: Outcome,
  controller: AbortController,
  complete: AttemptHooks['complete'],
): Observable<WorkerEvent> {
  const { id, name, attempt, token, policy } = claim;
  const abandoned = (reason: 'cancelled' | 'lease-lost' | 'stopped'): WorkerEvent => ({
    type: 'abandoned',
    id,
    name,
    attempt,
    reason,
  });
  if (outcome.kind === 'succeeded') {
    let result: string | undefined;
    try {
      result = outcome.result === undefined ? undefined : toJsonWithin(limitsOf(backend), outcome.result, 'result');
    } catch (error) {
      return settle(backend, claim, { kind: 'failed', error }, controller, complete);
    }
    return complete(claim, result).pipe(
      map((done): WorkerEvent => (done ? { type: 'succeeded', id, name, attempt } : abandoned('lease-lost'))),
      catchError(() => of(abandoned('lease-lost'))),
    );
  }
  if (outcome.kind === 'failed') {
    controller.abort(outcome.error);
    const final = isNonRetryable(outcome.error);
    const error = fitError(final ? nonRetryableInfo(outcome.error) : errorInfo(outcome.error), limitsOf(backend));
    const retry = !final && attempt < policy.attempts;
    return backend.failTask(id, token, error, retry ? retryDelay(policy, attempt) : undefined).pipe(
      map((done): WorkerEvent =>
        done ? { type: 'failed', id, name, attempt, error, retry } : abandoned('lease-lost'),
      ),
      catchError(() => of(abandoned('lease-lost'))),
    );
  }
  if (outcome.reason === 'cancelled') {
    controller.abort(new TaskCancelledError(id, name));
    return of(abandoned('cancelled'));
  }
  if (outcome.reason === 'lease-lost') {
    controller.abort(new Error(`The claim on task "${name}" (${id}) was lost; another worker may run it.`));
    return of(abandoned('lease-lost'));
  }
  controller.abort(new Error(`The worker stopped before task "${name}" (${id}) finished.`));
  const stoppedError = { name: 'WorkerStoppedError', message: 'The worker stopped and its grace period ran out.' };
  return backend.failTask(id, token, stoppedError, 0).pipe(
    map(() => abandoned('stopped')),
    catchError(() => of(abandoned('stopped'))),
  );
}

/** The delay before attempt `attempt + 1`: the task policy's backoff. */
export function retryDelay(policy: TaskPolicy, attempt: number): number {
  return backoff(policy, attempt - 1);
}

function errorInfo(error: unknown): TaskErrorInfo {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: typeof error === 'string' ? error : safeText(error) };
}

/** An error as the backend may store it: its name and message cut to the backend's limits. */
function fitError(error: TaskErrorInfo, limits: BackendLimits): TaskErrorInfo {
  const name = String(error.name);
  const message = String(error.message);
  return {
    name: name.length > limits.maxNameLength ? name.slice(0, limits.maxNameLength) : name,
    message: fitText(message, limits.maxValueSize),
  };
}

/**
 * Whether a handler's error asks not to be retried: a {@link NonRetryableError} (of any copy of
 * rx-sync), or any object named like one (made by hand, or by a version without error brands).
 */
function isNonRetryable(error: unknown): boolean {
  return (
    error instanceof NonRetryableError ||
    (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'NonRetryableError')
  );
}

/** The stored error of a non-retryable failure: its fixed name and its message as written. */
function nonRetryableInfo(error: unknown): TaskErrorInfo {
  const { message } = error as { message?: unknown };
  return { name: 'NonRetryableError', message: typeof message === 'string' ? message : safeText(error) };
}

function safeText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

function assertHandlers(handlers: unknown, limits: BackendLimits): asserts handlers is TaskHandlers {
  if (typeof handlers !== 'object' || handlers === null || Array.isArray(handlers)) {
    throw new TypeError('Expected `handlers` to be an object of task handlers by name.');
  }
  const entries = Object.entries(handlers);
  if (entries.length === 0) throw new TypeError('Expected `handlers` to name at least one task.');
  for (const [name, handler] of entries) {
    assertNameWithin(limits, name, 'handlers key');
    if (typeof handler !== 'function') {
      throw new TypeError(`Expected \`handlers.${name}\` to be a function, got ${typeof handler}.`);
    }
  }
}
