import type { Observable } from 'rxjs';
import { KeyedFanout } from '../../internal/keyedFanout.js';

/**
 * Synchronous fan-out of events to the listeners whose topic matches, for in-process backends.
 *
 * @remarks
 * An operation that changes several things runs inside {@link Listeners.batch}: its events are
 * delivered once it has finished, so a listener that reacts at once (a waiter retrying on
 * `expired`) never sees the backend half-way through the operation. Events are delivered in the
 * order they were published, also those published by listeners while events are being delivered.
 * Each event goes to the listeners attached when it was published.
 */
export class Listeners<E> {
  private readonly topics = new KeyedFanout<E>();
  private readonly outbox: (() => void)[] = [];
  private depth = 0;
  private delivering = false;

  /** An Observable of the events published to `topic` from subscription on. */
  observe(topic: string): Observable<E> {
    return this.topics.observe(topic);
  }

  /** Runs `operation`, holding back the events it publishes until it has returned. */
  batch<T>(operation: () => T): T {
    this.depth++;
    try {
      return operation();
    } finally {
      this.depth--;
      this.deliver();
    }
  }

  /** Publishes `event` to every listener of `topic`. */
  publishTo(topic: string, event: E): void {
    this.send(this.topics.audience(topic), event);
  }

  /** Publishes `event` to every listener of each topic that `matches` accepts. */
  publish(event: E, matches: (topic: string) => boolean): void {
    this.send(this.topics.audience(matches), event);
  }

  /** How many listeners are attached, over every topic (for leak checks). */
  get size(): number {
    return this.topics.size;
  }

  private send(audience: ((event: E) => void) | undefined, event: E): void {
    if (!audience) return;
    this.outbox.push(() => audience(event));
    this.deliver();
  }

  private deliver(): void {
    if (this.depth > 0 || this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.outbox.shift(); next; next = this.outbox.shift()) next();
    } finally {
      this.delivering = false;
    }
  }
}
