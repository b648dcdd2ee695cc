import { Observable } from 'rxjs';

/**
 * Synchronous fan-out of events to the listeners whose topic matches, for in-process backends.
 * A listener added or removed while an event is being delivered takes effect from the next event.
 */
export class Listeners<E> {
  private readonly byTopic = new Map<string, Set<(event: E) => void>>();

  /** An Observable of the events published to `topic` from subscription on. */
  observe(topic: string): Observable<E> {
    return new Observable<E>((subscriber) => {
      const listener = (event: E): void => subscriber.next(event);
      let set = this.byTopic.get(topic);
      if (!set) this.byTopic.set(topic, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && this.byTopic.get(topic) === set) this.byTopic.delete(topic);
      };
    });
  }

  /** Delivers `event` to every listener of `topic`. */
  publishTo(topic: string, event: E): void {
    const set = this.byTopic.get(topic);
    if (set) for (const listener of [...set]) listener(event);
  }

  /** Delivers `event` to every listener of each topic that `matches` accepts. */
  publish(event: E, matches: (topic: string) => boolean): void {
    const targets: ((event: E) => void)[] = [];
    for (const [topic, set] of this.byTopic) if (matches(topic)) targets.push(...set);
    for (const listener of targets) listener(event);
  }

  /** How many listeners are attached, over every topic (for leak checks). */
  get size(): number {
    let size = 0;
    for (const set of this.byTopic.values()) size += set.size;
    return size;
  }
}
