import { defer, Subscription, type Observable } from 'rxjs';
import { KeyedFanout } from '../../../internal/keyedFanout.js';
import type { TaskBackendEvent } from '../../../taskBackend.js';
import type { ChannelSignal, RedisSubscriber } from '../pubsub/redisSubscriber.js';
import { decodeTaskMessage } from './taskEventMessage.js';

/** What a follower of one task hears: one of its events, or word that events may have been missed. */
export type TaskSignal = { readonly kind: 'event'; readonly event: TaskBackendEvent } | { readonly kind: 'gap' };

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
  /** The followers on each channel, by the key they follow; a channel is subscribed while it has one. */
  private readonly channels = new Map<string, KeyedFanout<TaskSignal>>();

  constructor(private readonly subscriber: RedisSubscriber) {}

  /** The signals of task `key` (an id, or a {@link submissionKey}) on `channel`, from the acknowledgement of the channel's subscription on. */
  follow(channel: string, key: string): Observable<TaskSignal> {
    return defer(() => this.followersOf(channel).observe(key));
  }

  /** Moves the followers of `key` on `channel` to task `id` (nothing when they were moved already). */
  bind(channel: string, key: string, id: string): void {
    this.channels.get(channel)?.move(key, id);
  }

  private followersOf(channel: string): KeyedFanout<TaskSignal> {
    const known = this.channels.get(channel);
    if (known) return known;
    let subscription = Subscription.EMPTY;
    const followers: KeyedFanout<TaskSignal> = new KeyedFanout<TaskSignal>({
      start: () => {
        this.channels.set(channel, followers);
        subscription = this.subscriber.channel(channel).subscribe({
          next: (signal) => this.deliver(channel, followers, signal),
          error: (error: unknown) => followers.fail(error),
          complete: () => followers.complete(),
        });
      },
      stop: () => {
        if (this.channels.get(channel) === followers) this.channels.delete(channel);
        subscription.unsubscribe();
      },
    });
    return followers;
  }

  private deliver(channel: string, followers: KeyedFanout<TaskSignal>, signal: ChannelSignal): void {
    if (signal.kind === 'gap') {
      followers.sendToAll({ kind: 'gap' });
      return;
    }
    const decoded = decodeTaskMessage(signal.message);
    if (!decoded) return;
    const { ref, event } = decoded;
    if (ref !== undefined) this.bind(channel, submissionKey(ref), event.id);
    followers.send(event.id, { kind: 'event', event });
  }
}
