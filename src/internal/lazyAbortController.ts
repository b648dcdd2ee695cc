/**
 * An `AbortController` made only when its signal is first read: most task handlers never look at
 * theirs, and a controller and its signal cost more than the rest of an attempt's set-up. A signal
 * read after `abort` is already aborted, with the same reason.
 */
export class LazyAbortController {
  private controller: AbortController | undefined;
  private aborted = false;
  private reason: unknown;

  /** The signal, made on first read. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Aborts the signal with `reason` (now, or when it is made); only the first call counts. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
