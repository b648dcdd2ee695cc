import {
  concat,
  filter,
  firstValueFrom,
  map,
  of,
  Subject,
  throwError,
  timeout,
  type Observable,
  type Subscription,
} from 'rxjs';

/** Describes a value for a failure message (bigints included). */
export function show(value: unknown): string {
  try {
    return (
      JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? `${inner}n` : inner)) ??
      String(value)
    );
  } catch {
    return String(value);
  }
}

/** One notification of a recorded stream, stamped with the monotonic clock. */
export interface Stamped<T> {
  readonly value: T;
  readonly at: number;
}

/** How a {@link Recorder} reads and waits. */
export interface RecorderOptions<T> {
  /** Longest wait of `until`, `nth`, `failure` and `completion`, in ms. @defaultValue 10_000 */
  readonly within?: number;
  /** Names the stream in failure messages. @defaultValue 'stream' */
  readonly label?: string;
  /** Which values `values` holds, decided when read (a filter may learn what to leave out later). */
  readonly keep?: (value: T) => boolean;
}

/**
 * Everything a stream did, kept for assertions, with event-driven waits: `all` holds every value,
 * `stamped` each with the time it came, `values` those that `keep` accepts.
 */
export class Recorder<T> {
  readonly stamped: Stamped<T>[] = [];
  error: unknown = undefined;
  errored = false;
  completed = false;
  endedAt: number | undefined;
  readonly subscription: Subscription;
  private readonly changed = new Subject<void>();
  private readonly within: number;
  private readonly label: string;
  // Held as taking `unknown`, so that a Recorder<T> is still a Recorder<unknown> to helpers.
  private readonly keep: ((value: unknown) => boolean) | undefined;

  constructor(source: Observable<T>, options: RecorderOptions<T> = {}) {
    this.within = options.within ?? 10_000;
    this.label = options.label ?? 'stream';
    this.keep = options.keep as ((value: unknown) => boolean) | undefined;
    this.subscription = source.subscribe({
      next: (value) => {
        this.stamped.push({ value, at: performance.now() });
        this.changed.next();
      },
      error: (error: unknown) => {
        this.error = error;
        this.errored = true;
        this.endedAt = performance.now();
        this.changed.next();
      },
      complete: () => {
        this.completed = true;
        this.endedAt = performance.now();
        this.changed.next();
      },
    });
  }

  /** Every value, in order. */
  get all(): T[] {
    return this.stamped.map((entry) => entry.value);
  }

  /** The values that `keep` accepts (every value when there is no `keep`). */
  get values(): T[] {
    const keep = this.keep;
    return keep ? this.all.filter((value) => keep(value)) : this.all;
  }

  /** Whether the stream has ended (completed or errored). */
  get ended(): boolean {
    return this.completed || this.errored;
  }

  /** The latest value; throws when there is none. */
  get last(): T {
    const values = this.values;
    if (values.length === 0) throw new Error(`${this.label} has emitted nothing yet`);
    return values[values.length - 1] as T;
  }

  /** Resolves once `condition` holds (checked now and after every notification). */
  until(condition: (recorder: this) => boolean, what: string, within = this.within): Promise<void> {
    return firstValueFrom(
      concat(of(undefined), this.changed).pipe(
        filter(() => condition(this)),
        map(() => undefined),
        timeout({
          first: within,
          with: () =>
            throwError(
              () =>
                new Error(
                  `timed out after ${within} ms waiting for ${this.label} to ${what}; values: ${show(this.values)}${
                    this.errored ? `, error: ${String(this.error)}` : ''
                  }${this.completed ? ', completed' : ''}`,
                ),
            ),
        }),
      ),
    );
  }

  /** Resolves with the `index`-th value (0-based) once it has been emitted. */
  async nth(index: number, within = this.within): Promise<T> {
    await this.until((recorder) => recorder.values.length > index, `emit value #${index + 1}`, within);
    return this.values[index] as T;
  }

  /** Resolves with the error once the stream has errored. */
  async failure(within = this.within): Promise<unknown> {
    await this.until((recorder) => recorder.errored || recorder.completed, 'error', within);
    if (!this.errored) throw new Error(`${this.label} completed instead of erroring; values: ${show(this.values)}`);
    return this.error;
  }

  /** Resolves once the stream has completed; rejects when it errors. */
  async completion(within = this.within): Promise<void> {
    await this.until((recorder) => recorder.ended, 'complete', within);
    if (this.errored) throw this.error;
  }

  /** Unsubscribes (releases, resigns, stops watching). */
  stop(): void {
    this.subscription.unsubscribe();
  }

  /** Whether the subscription is closed (ended or stopped). */
  get closed(): boolean {
    return this.subscription.closed;
  }
}
