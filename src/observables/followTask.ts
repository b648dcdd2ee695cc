import {
  concat,
  concatMap,
  defer,
  EMPTY,
  filter,
  map,
  merge,
  of,
  takeWhile,
  throwError,
  type Observable,
  type OperatorFunction,
} from 'rxjs';
import { BackendClosedError } from '../errors/BackendClosedError.js';
import { TaskCancelledError } from '../errors/TaskCancelledError.js';
import { TaskFailedError } from '../errors/TaskFailedError.js';
import { fromJson } from '../internal/json.js';
import { eventOfRecord, taskGone } from '../internal/taskRecordEvent.js';
import type { TaskBackend, TaskBackendEvent, TaskSubmission } from '../taskBackend.js';
import type { TaskEvent } from './TaskEvent.js';

/** An event heard on the task's stream, or the one that tells the state its record was read in. */
interface Heard {
  readonly event: TaskBackendEvent;
  readonly fromRecord: boolean;
}

/** What ends a task: its last event. */
const ENDINGS: ReadonlySet<TaskBackendEvent['type']> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Follows task `id` as `submit` tells it, after its `queued`: watch its events (the submission's,
 * heard from before the task could start), read its record when the task existed already, and
 * reconcile the two by sequence ({@link inSequence}). Completes after `succeeded`; errors with
 * `TaskFailedError` or `TaskCancelledError` when the task ends so, and with `BackendClosedError`
 * when the backend stops telling (it was closed) before the task ended.
 */
export function followTask<Result>(
  backend: TaskBackend,
  id: string,
  name: string,
  submission: Observable<TaskSubmission>,
  created: boolean,
): Observable<TaskEvent<Result>> {
  const watched = submission.pipe(
    filter((signal): signal is TaskBackendEvent => signal.type !== 'enqueued'),
    map((event): Heard => ({ event, fromRecord: false })),
  );
  const read = created
    ? EMPTY
    : backend
        .readTask(id)
        .pipe(map((record): Heard => ({ event: record ? eventOfRecord(record) : taskGone(id, 0), fromRecord: true })));
  const closed = throwError(() => new BackendClosedError(backend.name, 'submit'));
  return concat(merge(watched, read).pipe(inSequence(created ? 0 : undefined)), closed).pipe(
    takeWhile((event) => !ENDINGS.has(event.type), true),
    concatMap((event) => told<Result>(event, name)),
  );
}

/**
 * The events worth telling a follower, in order: each newer (by `seq`) than the last one told,
 * `started` once per attempt, `queued` never (`submit` tells it with the enqueue's reply). Until
 * `known` (the last `seq` the follower knows) is set by the record's event, events are held; the
 * record's event then tells the state the task is in (a task queued again after a failed attempt
 * is told as queued, as it is: its retry comes as the next `started`), and the held ones follow.
 */
function inSequence(known: number | undefined): OperatorFunction<Heard, TaskBackendEvent> {
  return (heard) =>
    defer(() => {
      let seq = known;
      let startedAttempt = 0;
      const held: TaskBackendEvent[] = [];
      const tell = (event: TaskBackendEvent): TaskBackendEvent[] => {
        if (seq !== undefined && event.seq <= seq) return [];
        seq = event.seq;
        if (event.type === 'queued') return [];
        if (event.type === 'started') {
          if (event.attempt <= startedAttempt) return [];
          startedAttempt = event.attempt;
        }
        return [event];
      };
      return heard.pipe(
        concatMap(({ event, fromRecord }) => {
          if (fromRecord) {
            seq = event.seq - 1;
            const state = tell(event).filter((told) => told.type !== 'retrying');
            return [...state, ...held.splice(0).flatMap(tell)];
          }
          if (seq === undefined) {
            held.push(event);
            return [];
          }
          return tell(event);
        }),
      );
    });
}

/** A backend event as `submit` tells it: the next event, or the error that ends the stream. */
function told<Result>(event: TaskBackendEvent, name: string): Observable<TaskEvent<Result>> {
  const { id } = event;
  switch (event.type) {
    case 'queued':
      return EMPTY; // told with the enqueue's reply
    case 'started':
      return of({ type: 'started', id, attempt: event.attempt, worker: event.worker });
    case 'progress':
      return of({ type: 'progress', id, attempt: event.attempt, value: fromJson(event.value) });
    case 'retrying':
      return of({ type: 'retrying', id, attempt: event.attempt, error: event.error, delay: event.delay });
    case 'succeeded':
      return of({ type: 'succeeded', id, result: fromJson(event.result) as Result });
    case 'failed':
      return throwError(() => new TaskFailedError(id, name, event.attempt, event.error));
    case 'cancelled':
      return throwError(() => new TaskCancelledError(id, name));
  }
}
