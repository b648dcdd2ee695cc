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
  NEVER,
  Observable,
  of,
  race,
  take,
  takeLast,
  timer,
  type Subject,
} from 'rxjs';
import { backoff } from '../engine/backoff.js';
import { renewal } from '../engine/renewal.js';
import type { ValidityGuard } from '../engine/validityGuard.js';
import { TaskCancelledError } from '../errors/TaskCancelledError.js';
import { TaskTimeoutError } from '../errors/TaskTimeoutError.js';
import { fromJson } from '../internal/json.js';
import { LazyAbortController } from '../internal/lazyAbortController.js';
import { limitsOf, toJsonWithin } from '../internal/limits.js';
import { STORED_ERRORS } from '../internal/storedErrors.js';
import type { TaskBackend, TaskClaim, TaskErrorInfo } from '../taskBackend.js';
import { DEFAULT_LEASE_OPTIONS } from './leaseOptions.js';
import { errorInfo, fitError, isNonRetryable, nonRetryableInfo } from './taskErrors.js';
import type { TaskContext, TaskHandlers, WorkerEvent } from './TaskEvent.js';
import type { WorkerSettings } from './workerOptions.js';

/** How an attempt ended, before the backend is told. */
type Outcome =
  | { readonly kind: 'succeeded'; readonly result: unknown }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'abandoned'; readonly reason: 'cancelled' | 'lease-lost' | 'stopped' };

/** What an attempt tells its worker, and how it reports a success. */
export interface AttemptHooks {
  /** The handler's outcome is known: its slot is free. */
  readonly decided: () => void;
  /** Reports a success (token-checked); `false` when the claim was no longer this attempt's. */
  readonly complete: (claim: TaskClaim, result: string | undefined) => Observable<boolean>;
}

/** Runs one attempt and tells the backend how it ended; emits the worker's event for the end. */
export function runAttempt(
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
    const controller = new LazyAbortController();
    let over = false;
    const context: TaskContext = Object.freeze({
      id,
      name,
      attempt,
      token,
      get signal() {
        return controller.signal;
      },
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
          hooks.decided(); // the slot is free: its next claim goes out with this report, or right behind it
          return settle(backend, claim, outcome, controller, hooks.complete).subscribe(observer);
        });
      }),
      finalize(() => guard.end()),
    );
  });
}

/** A claim a worker will not run (it stopped, or the claim came too late): queued again at once, in its place in line. */
export function handBack(backend: TaskBackend, claim: TaskClaim, why: TaskErrorInfo): void {
  backend.failTask(claim.id, claim.token, why, 0).subscribe({ error: () => undefined });
}

/** Aborts what must stop and reports the outcome to the backend (token-checked). */
function settle(
  backend: TaskBackend,
  claim: TaskClaim,
  outcome: Outcome,
  controller: LazyAbortController,
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
    return backend.failTask(id, token, error, retry ? backoff(policy, attempt - 1) : undefined).pipe(
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
  return backend.failTask(id, token, STORED_ERRORS.stoppedInGrace, 0).pipe(
    map(() => abandoned('stopped')),
    catchError(() => of(abandoned('stopped'))),
  );
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
