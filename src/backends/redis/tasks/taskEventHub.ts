import { Observable, Subscription } from 'rxjs';
import type { TaskBackendEvent } from '../../../taskBackend.js';
import type { RedisSubscriber } from '../pubsub/redisSubscriber.js';
import { decodeTaskMessage } from './taskEventMessage.js';

/** What a follower of one task hears: one of its events, or word that events may have been missed. */
export type TaskSignal = { readonly kind: 'event'; readonly event: TaskBackendEvent } | { readonly kind: 'gap' };

interface Follower {
  /** The task id it follows, or the {@link submissionKey} of an enqueue whose task is not known yet. */
  key: string;
  readonly next: (signal: TaskSignal) => void;
  readonly error: (error: unknown) => void;
  readonly complete: () => void;
}

interface NameChannel {
  readonly followers: Map<string, Set<Follower>>;
  subscription: Subscription;
}

/** How followers of an enqueue are known until its task is: by the `ref` the enqueue script puts in its `queued` event. */
export function submissionKey(ref: string): string {
  // Task ids are `NAME:n`: this cannot be one, whatever the name.
  return `\u0000submission:${ref}`;
}

/**
 * Demultiplexes a task name's channel by task id: one subscription per channel and one decode per
 * message, however many tasks a process follows (a submitter of thousands of tasks, a worker's
 * running claims), so a message costs a map lookup, not a parse per follower.
 *
 * A submitter follows its task before it exists: under the {@link submissionKey} of a ref that its
 * enqueue carries. The `queued` event with that ref is the task's first event, so once the hub
 * has moved the followers to the task's id, on that event, they hear every later one; the enqueue's
 * reply moves them too ({@link bind}), for a reply that comes first or a task that already existed.
 */
export class TaskEventHub {
  private readonly channels = new Map<string, NameChannel>();

  constructor(private readonly subscriber: RedisSubscriber) {}

  /** The signals of task `key` (an id, or a {@link submissionKey}) on `channel`, from the acknowledgement of the channel's subscription on. */
  follow(channel: string, key: string): Observable<TaskSignal> {
    return new Observable<TaskSignal>((observer) => {
      const follower: Follower = {
        key,
        next: (signal) => observer.next(signal),
        error: (error) => observer.error(error),
        complete: () => observer.complete(),
      };
      let entry = this.channels.get(channel);
      const opening = !entry;
      if (!entry) this.channels.set(channel, (entry = { followers: new Map(), subscription: Subscription.EMPTY }));
      add(entry, follower);
      if (opening) entry.subscription = this.listen(channel, entry);
      return () => {
        const current = this.channels.get(channel);
        if (!current || !remove(current, follower)) return;
        if (current.followers.size > 0) return;
        this.channels.delete(channel);
        current.subscription.unsubscribe();
      };
    });
  }

  /** Moves the followers of `key` on `channel` to task `id` (nothing when they were moved already). */
  bind(channel: string, key: string, id: string): void {
    const entry = this.channels.get(channel);
    const followers = entry?.followers.get(key);
    if (!entry || !followers) return;
    entry.followers.delete(key);
    for (const follower of followers) {
      follower.key = id;
      add(entry, follower);
    }
  }

  private listen(channel: string, entry: NameChannel): Subscription {
    const everyone = (): Follower[] => [...entry.followers.values()].flatMap((followers) => [...followers]);
    return this.subscriber.channel(channel).subscribe({
      next: (signal) => {
        if (signal.kind === 'gap') {
          for (const follower of everyone()) follower.next({ kind: 'gap' });
          return;
        }
        const decoded = decodeTaskMessage(signal.message);
        if (!decoded) return;
        const { ref, event } = decoded;
        if (ref !== undefined) this.bind(channel, submissionKey(ref), event.id);
        const followers = entry.followers.get(event.id);
        if (followers) for (const follower of [...followers]) follower.next({ kind: 'event', event });
      },
      error: (error: unknown) => {
        if (this.channels.get(channel) === entry) this.channels.delete(channel);
        for (const follower of everyone()) follower.error(error);
      },
      complete: () => {
        if (this.channels.get(channel) === entry) this.channels.delete(channel);
        for (const follower of everyone()) follower.complete();
      },
    });
  }
}

function add(entry: NameChannel, follower: Follower): void {
  let followers = entry.followers.get(follower.key);
  if (!followers) entry.followers.set(follower.key, (followers = new Set()));
  followers.add(follower);
}

/** Whether `follower` was there (under its current key) and is now gone. */
function remove(entry: NameChannel, follower: Follower): boolean {
  const followers = entry.followers.get(follower.key);
  if (!followers?.delete(follower)) return false;
  if (followers.size === 0) entry.followers.delete(follower.key);
  return true;
}
