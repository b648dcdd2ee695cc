import {
  asapScheduler,
  finalize,
  merge,
  Observable,
  Subject,
  Subscription,
  take,
  timeout,
  timer,
  type Subscriber,
} from 'rxjs';
import { ValidityGuard } from '../engine/validityGuard.js';
import { schedulerNow } from '../internal/clock.js';
import { limitsOf } from '../internal/limits.js';
import { defaultHolderName } from '../internal/ownerId.js';
import { STORED_ERRORS } from '../internal/storedErrors.js';
import { assertTaskBackend } from '../internal/taskArguments.js';
import type { ClaimRequest, TaskBackend, TaskClaim } from '../taskBackend.js';
import { assertHandlers } from './assertHandlers.js';
import { handBack, runAttempt } from './taskAttempt.js';
import type { TaskHandlers, WorkerEvent } from './TaskEvent.js';
import { resolveWorkerOptions, type WorkerOptions, type WorkerSettings } from './workerOptions.js';

/** One running attempt, as the worker keeps track of it. */
interface Run {
  /** Aborts the attempt because the worker stopped (grace period over). */
  readonly stop: () => void;
}

/**
 * The most successes a worker reports in one step: enough that a script's fixed cost is shared,
 * few enough that the backend starts on a batch while the worker still runs the rest of its turn.
 */
const REPORT_BATCH = 10;

/** A success waiting to be reported, and the attempt that waits for the backend's answer. */
interface Report {
  readonly claim: TaskClaim;
  readonly result: string | undefined;
  readonly answer: Subscriber<boolean>;
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
    // Handlers running: a slot is free again once its handler's outcome is known.
    let executing = 0;
    let stopped = false;
    // Successes are reported together: those of one turn (a reply's runs that end at once), in
    // batches of up to REPORT_BATCH so the backend starts on the first while the worker runs the
    // rest; each batch claims for the slots free by then, where the backend can do both in one
    // step. `asked` counts the claims asked for by requests in flight, so no slot is asked twice.
    let asked = 0;
    let claimWanted = false;
    let flushScheduled = false;
    const claimRequests = new Subscription();
    let grace = Subscription.EMPTY;
    const reports: Report[] = [];
    const completeTasks = backend.completeTasks?.bind(backend);

    /** How many slots a request sent now should claim for (0: none). */
    const claimable = (): number =>
      stopped || !claimWanted ? 0 : Math.max(0, settings.concurrency - executing - asked);

    const claimRequestFor = (limit: number): ClaimRequest => ({
      worker: workerName,
      names,
      leaseDuration: settings.leaseDuration,
      limit,
    });

    /**
     * Starts the claims of a reply (or hands them back after a stop); then claims again if asked to
     * while this request took the free slots (a task queued meanwhile must not wait for the poll).
     */
    const received = (claims: readonly TaskClaim[], requestStart: number): void => {
      for (const claim of claims) {
        if (stopped) handBack(backend, claim, STORED_ERRORS.stoppedBeforeStart);
        else start(claim, requestStart);
      }
      if (claimWanted) scheduleFlush();
    };

    /** Sends what waits once everything of the current turn has happened. */
    const scheduleFlush = (): void => {
      if (flushScheduled) return;
      flushScheduled = true;
      asapScheduler.schedule(() => {
        flushScheduled = false;
        flush();
      });
    };

    const flush = (): void => {
      if (reports.length > 0) return sendReports(reports.splice(0));
      const limit = claimable();
      if (limit === 0) return;
      claimWanted = false;
      asked += limit;
      let answered = false;
      const answer = (): void => {
        if (!answered) asked -= limit;
        answered = true;
      };
      const requestStart = schedulerNow();
      claimRequests.add(
        backend
          .claim(claimRequestFor(limit))
          .pipe(timeout(settings.leaseDuration), finalize(answer))
          .subscribe({
            next: (claims) => {
              answer();
              received(claims, requestStart);
            },
            error: () => undefined, // asked again at the next signal or poll
          }),
      );
    };

    /** Reports successes in one step, claiming for the free slots in the same step where the backend can. */
    const sendReports = (batch: Report[]): void => {
      const limit = claimable();
      if (limit > 0) claimWanted = false;
      asked += limit;
      const requestStart = schedulerNow();
      const completions = batch.map(({ claim, result }) => ({ id: claim.id, token: claim.token, result }));
      completeTasks!(completions, limit > 0 ? claimRequestFor(limit) : undefined)
        .pipe(timeout(settings.leaseDuration))
        .subscribe({
          next: ({ completed, claims }) => {
            asked -= limit;
            batch.forEach(({ answer }, index) => {
              answer.next(completed[index] === true);
              answer.complete();
            });
            if (limit > 0 && !claims) pump(); // the backend could not claim in this step
            received(claims ?? [], requestStart);
          },
          error: (error: unknown) => {
            asked -= limit;
            batch.forEach(({ answer }) => answer.error(error));
            if (limit > 0) pump();
          },
        });
    };

    /** A slot came free, or tasks may be due: claims, with the next request. */
    const pump = (): void => {
      if (stopped) return;
      claimWanted = true;
      scheduleFlush();
    };

    const start = (claim: TaskClaim, requestStart: number): void => {
      // The claim's lease counts from the start of the request that took it, as a lock's does.
      const guard = new ValidityGuard(settings.leaseDuration - settings.driftMargin);
      if (!guard.confirm(guard.begin(requestStart))) {
        handBack(backend, claim, STORED_ERRORS.lateClaim); // granted too late to be of use: the backend may hand it on at any moment
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
     * Reports a success: where the backend can, with the others of the same turn and the claims
     * of the slots they free, in one step (a busy worker then costs one round trip per batch).
     */
    const complete = (claim: TaskClaim, result: string | undefined): Observable<boolean> => {
      if (!completeTasks) return backend.completeTask(claim.id, claim.token, result);
      // Sent even if nobody waits for the answer any more: the task did succeed.
      return new Observable<boolean>((answer) => {
        reports.push({ claim, result, answer });
        if (reports.length >= REPORT_BATCH) flush();
        else scheduleFlush();
      });
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
      claimRequests.unsubscribe(); // claims in flight are not waited for: their claims lapse
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
