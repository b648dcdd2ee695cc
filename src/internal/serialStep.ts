import { Subscription } from 'rxjs';

/**
 * The one step in flight of a retry or renewal loop (a request or a timer), so that teardown can
 * cancel it. Starting a step cancels the previous one. Safe when a step's callback starts the next
 * step synchronously, as the memory backend's replies do.
 */
export class SerialStep {
  private current = Subscription.EMPTY;
  private stopped = false;

  /** Cancels the current step and starts the one that `begin` subscribes. */
  start(begin: () => Subscription): void {
    if (this.stopped) return;
    this.current.unsubscribe();
    const holder = new Subscription();
    this.current = holder;
    holder.add(begin());
  }

  /** Cancels the current step; later `start` calls do nothing. */
  stop(): void {
    this.stopped = true;
    this.current.unsubscribe();
  }
}
