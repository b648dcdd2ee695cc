import { randomBytes } from 'node:crypto';
import { concat, from, Observable, Subject, Subscription } from 'rxjs';
import type { Enqueued, TaskRecord, TaskSubmission } from '../../../taskBackend.js';
import { ReplyShapeError } from '../redisScript.js';
import { submissionKey, type TaskEventHub, type TaskSignal } from './taskEventHub.js';
import { parseTaskId, type TaskAddress } from './taskRecordCodec.js';
import { watchTaskEvents } from './watchTaskEvents.js';

/** Refs of this process's enqueues: a random part that tells processes apart, and a count. */
const REF_OF_PROCESS = randomBytes(6).toString('base64url');
let submissions = 0;

function nextSubmissionRef(): string {
  return `${REF_OF_PROCESS}.${++submissions}`;
}

/** The steps of the Redis task queue that following a submission takes. */
export interface SubmissionSteps {
  readonly hub: TaskEventHub;
  /** The channel of the task's name. */
  readonly channel: string;
  /** Enqueues the task, its `queued` event carrying `ref`. */
  readonly enqueue: (ref: string) => Observable<Enqueued>;
  /** Reads the task's record. */
  readonly read: (address: TaskAddress) => Observable<TaskRecord | undefined>;
}

/**
 * `TaskBackend.enqueueAndFollow` on Redis: listens to the name's channel under a fresh submission
 * ref before the task exists (the enqueue waits for the SUBSCRIBE's acknowledgement), enqueues with
 * that ref, emits `enqueued` with the reply, then the task's events (those heard before the reply
 * first), caught up from the record after a gap or a long silence by `watchTaskEvents`.
 */
export function followSubmission({ hub, channel, enqueue, read }: SubmissionSteps): Observable<TaskSubmission> {
  return new Observable<TaskSubmission>((subscriber) => {
    // Signals heard before the reply are held until it has been emitted.
    const ref = nextSubmissionRef();
    const early: TaskSignal[] = [];
    const signals = new Subject<TaskSignal>();
    let enqueued: Enqueued | undefined;
    const subscriptions = new Subscription();
    subscriptions.add(
      hub.follow(channel, submissionKey(ref)).subscribe({
        next: (signal) => (enqueued ? signals.next(signal) : early.push(signal)),
        error: (error: unknown) => subscriber.error(error),
        complete: () => signals.complete(), // the backend closed: nothing more will be heard
      }),
    );
    subscriptions.add(
      enqueue(ref).subscribe({
        next: (reply) => {
          const address = parseTaskId(reply.id);
          if (!address) return subscriber.error(new ReplyShapeError('task id', reply.id));
          hub.bind(channel, submissionKey(ref), reply.id);
          enqueued = reply;
          subscriber.next({ type: 'enqueued', ...reply });
          subscriptions.add(
            watchTaskEvents(concat(from(early.splice(0)), signals), reply.id, () => read(address)).subscribe({
              next: (event) => subscriber.next(event),
              error: (error: unknown) => subscriber.error(error),
              complete: () => subscriber.complete(),
            }),
          );
        },
        error: (error: unknown) => subscriber.error(error),
      }),
    );
    return subscriptions;
  });
}
