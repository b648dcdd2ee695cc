import { catchError, concatMap, defer, EMPTY, Observable, of, Subscription, timer } from 'rxjs';
import { eventOfRecord, taskGone } from '../../../internal/taskRecordEvent.js';
import type { TaskBackendEvent, TaskRecord } from '../../../taskBackend.js';
import type { TaskSignal } from './taskEventHub.js';

/**
 * A task's events from its signals on the name's channel. After a gap (a reconnect, when messages
 * may have been lost), reads the record and, when it is newer than the last event heard, emits the
 * event that brings a listener to its state: `started` for a running task (its current attempt),
 * `retrying` for one queued again, the ending for one that finished, and `failed`
 * (`TaskNotFoundError`) when the record is gone. Progress reports in the gap are lost; the outcome
 * never is. A follower that has heard nothing for a while reads the record as after a gap (after 2
 * s of silence, then 4, 8, 16 and every 30 s), so that no lost message can leave it waiting for ever.
 */
export function watchTaskEvents(
  signals: Observable<TaskSignal>,
  id: string,
  read: () => Observable<TaskRecord | undefined>,
): Observable<TaskBackendEvent> {
  return defer(() => {
    let lastSeq = 0;
    let lastAttempt = 0;
    return signals.pipe(
      gapsWhenSilent,
      concatMap((signal) => {
        if (signal.kind === 'event') {
          lastSeq = Math.max(lastSeq, signal.event.seq);
          if ('attempt' in signal.event) lastAttempt = signal.event.attempt;
          return of(signal.event);
        }
        return read().pipe(
          concatMap((record) => {
            if (!record) return of(taskGone(id, lastAttempt));
            const event = record.seq > lastSeq ? eventOfRecord(record) : undefined;
            if (!event) return EMPTY;
            lastSeq = event.seq;
            return of(event);
          }),
          catchError(() => EMPTY), // the next gap catches up
        );
      }),
    );
  });
}

/** The first wait of a silent follower before it reads the record; it doubles up to {@link SILENCE_CHECK_MAX}. */
const SILENCE_CHECK_FIRST = 2_000;
const SILENCE_CHECK_MAX = 30_000;
const GAP: TaskSignal = { kind: 'gap' };

/**
 * The signals, and a `gap` whenever none came for a while (2 s, then 4, 8, 16, then every 30 s of
 * silence); ends with the signals.
 */
function gapsWhenSilent(signals: Observable<TaskSignal>): Observable<TaskSignal> {
  return new Observable<TaskSignal>((subscriber) => {
    let wait = SILENCE_CHECK_FIRST;
    let check = Subscription.EMPTY;
    const listen = (): void => {
      check.unsubscribe();
      check = timer(wait).subscribe(() => {
        wait = Math.min(wait * 2, SILENCE_CHECK_MAX);
        subscriber.next(GAP);
        listen();
      });
    };
    const following = signals.subscribe({
      next: (signal) => {
        wait = SILENCE_CHECK_FIRST;
        listen();
        subscriber.next(signal);
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    if (!following.closed) listen();
    return () => {
      following.unsubscribe();
      check.unsubscribe();
    };
  });
}
