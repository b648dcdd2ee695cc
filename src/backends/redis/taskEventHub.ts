import { Observable, Subscription } from 'rxjs';
import type { TaskBackendEvent } from '../../taskBackend.js';
import type { RedisSubscriber } from './redisSubscriber.js';
import { decodeTaskEvent } from './taskEventMessage.js';

/** What a follower of one task hears: one of its events, or word that events may have been missed. */
export type TaskSignal = { readonly kind: 'event'; readonly event: TaskBackendEvent } | { readonly kind: 'gap' };

interface Follower {
  readonly next: (signal: TaskSignal) => void;
  readonly error: (error: unknown) => void;
}

interface NameChannel {
  readonly followers: Map<string, Set<Follower>>;
  subscription: Subscription;
}

/**
 * Demultiplexes a task name's channel by task id: one subscription per channel and one decode per
 * message, however many tasks a process follows (a submitter of thousands of tasks, a worker's
 * running claims), so a message costs a map lookup, not a parse per follower.
 */
export class TaskEventHub {
  private readonly channels = new Map<string, NameChannel>();

  constructor(private readonly subscriber: RedisSubscriber) {}

  /** The signals of task `id` on `channel`, from the acknowledgement of the channel's subscription on. */
  follow(channel: string, id: string): Observable<TaskSignal> {
    return new Observable<TaskSignal>((observer) => {
      const follower: Follower = { next: (signal) => observer.next(signal), error: (error) => observer.error(error) };
      let entry = this.channels.get(channel);
      const opening = !entry;
      if (!entry) this.channels.set(channel, (entry = { followers: new Map(), subscription: Subscription.EMPTY }));
      let ofTask = entry.followers.get(id);
      if (!ofTask) entry.followers.set(id, (ofTask = new Set()));
      ofTask.add(follower);
      if (opening) entry.subscription = this.listen(channel, entry);
      return () => {
        const current = this.channels.get(channel);
        const followers = current?.followers.get(id);
        if (!current || !followers?.delete(follower)) return;
        if (followers.size === 0) current.followers.delete(id);
        if (current.followers.size > 0) return;
        this.channels.delete(channel);
        current.subscription.unsubscribe();
      };
    });
  }

  private listen(channel: string, entry: NameChannel): Subscription {
    const everyone = (): Follower[] => [...entry.followers.values()].flatMap((followers) => [...followers]);
    return this.subscriber.channel(channel).subscribe({
      next: (signal) => {
        if (signal.kind === 'gap') {
          for (const follower of everyone()) follower.next({ kind: 'gap' });
          return;
        }
        const event = decodeTaskEvent(signal.message);
        const followers = event && entry.followers.get(event.id);
        if (followers) for (const follower of [...followers]) follower.next({ kind: 'event', event });
      },
      error: (error: unknown) => {
        if (this.channels.get(channel) === entry) this.channels.delete(channel);
        for (const follower of everyone()) follower.error(error);
      },
    });
  }
}
