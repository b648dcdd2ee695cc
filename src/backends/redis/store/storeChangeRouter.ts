import { Subscription, type Observable } from 'rxjs';
import { KeyedFanout } from '../../../internal/keyedFanout.js';
import type { StoreSignal } from './watchChanges.js';

/**
 * Routes the store's signals to the watchers whose prefix a changed key starts with: one
 * subscription to the shared signals, and per change one map lookup for each prefix length in use
 * (a `keyValue` watcher's prefix is its key), however many watchers there are. A gap reaches every
 * watcher.
 */
export class StoreChangeRouter {
  private readonly watchers = new KeyedFanout<StoreSignal>({
    start: () => {
      this.subscription = this.signals.subscribe({
        next: this.route,
        error: (error: unknown) => this.watchers.fail(error),
        complete: () => this.watchers.complete(),
      });
    },
    open: (prefix) => this.lengths.set(prefix.length, (this.lengths.get(prefix.length) ?? 0) + 1),
    close: (prefix) => {
      const remaining = (this.lengths.get(prefix.length) ?? 1) - 1;
      if (remaining > 0) this.lengths.set(prefix.length, remaining);
      else this.lengths.delete(prefix.length);
    },
    stop: () => {
      this.subscription.unsubscribe();
      this.subscription = Subscription.EMPTY;
    },
  });
  /** How many watched prefixes have each length: the prefixes of a key worth looking up. */
  private readonly lengths = new Map<number, number>();
  private subscription = Subscription.EMPTY;

  constructor(private readonly signals: Observable<StoreSignal>) {}

  /** The signals of changes to keys under `prefix`, and every gap. */
  follow(prefix: string): Observable<StoreSignal> {
    return this.watchers.observe(prefix);
  }

  private readonly route = (signal: StoreSignal): void => {
    if (signal.kind === 'gap') {
      this.watchers.sendToAll(signal);
      return;
    }
    const { key } = signal.change.event;
    for (const length of [...this.lengths.keys()]) {
      if (length <= key.length) this.watchers.send(key.slice(0, length), signal);
    }
  };
}
