import { Observable, Subscription } from 'rxjs';
import type { StoreSignal } from './watchChanges.js';

type Listener = {
  readonly next: (signal: StoreSignal) => void;
  readonly error: (error: unknown) => void;
  readonly complete: () => void;
};

/**
 * Routes the store's signals to the watchers whose prefix a changed key starts with: one
 * subscription to the shared signals, and per change one map lookup for each prefix length in use
 * (a `keyValue` watcher's prefix is its key), however many watchers there are. A gap reaches every
 * watcher.
 */
export class StoreChangeRouter {
  private readonly byPrefix = new Map<string, Set<Listener>>();
  /** How many watched prefixes have each length: the prefixes of a key worth looking up. */
  private readonly lengths = new Map<number, number>();
  private subscription = Subscription.EMPTY;

  constructor(private readonly signals: Observable<StoreSignal>) {}

  /** The signals of changes to keys under `prefix`, and every gap. */
  follow(prefix: string): Observable<StoreSignal> {
    return new Observable<StoreSignal>((observer) => {
      const listener: Listener = {
        next: (signal) => observer.next(signal),
        error: (error) => observer.error(error),
        complete: () => observer.complete(),
      };
      const first = this.byPrefix.size === 0;
      let listeners = this.byPrefix.get(prefix);
      if (!listeners) {
        this.byPrefix.set(prefix, (listeners = new Set()));
        this.lengths.set(prefix.length, (this.lengths.get(prefix.length) ?? 0) + 1);
      }
      listeners.add(listener);
      if (first) {
        this.subscription = this.signals.subscribe({
          next: this.route,
          error: (error: unknown) => this.end((listener) => listener.error(error)),
          complete: () => this.end((listener) => listener.complete()),
        });
      }
      return () => this.leave(prefix, listener);
    });
  }

  private readonly route = (signal: StoreSignal): void => {
    if (signal.kind === 'gap') {
      for (const listener of this.everyone()) listener.next(signal);
      return;
    }
    const { key } = signal.change.event;
    for (const length of [...this.lengths.keys()]) {
      if (length > key.length) continue;
      for (const listener of [...(this.byPrefix.get(key.slice(0, length)) ?? [])]) listener.next(signal);
    }
  };

  /** The signals ended (an error, or the backend closed): so does every watcher's stream. */
  private end(notify: (listener: Listener) => void): void {
    const listeners = this.everyone();
    this.byPrefix.clear();
    this.lengths.clear();
    this.subscription = Subscription.EMPTY;
    for (const listener of listeners) notify(listener);
  }

  private leave(prefix: string, listener: Listener): void {
    const listeners = this.byPrefix.get(prefix);
    if (!listeners?.delete(listener) || listeners.size > 0) return;
    this.byPrefix.delete(prefix);
    const remaining = (this.lengths.get(prefix.length) ?? 1) - 1;
    if (remaining > 0) this.lengths.set(prefix.length, remaining);
    else this.lengths.delete(prefix.length);
    if (this.byPrefix.size === 0) {
      this.subscription.unsubscribe();
      this.subscription = Subscription.EMPTY;
    }
  }

  private everyone(): Listener[] {
    return [...this.byPrefix.values()].flatMap((listeners) => [...listeners]);
  }
}
