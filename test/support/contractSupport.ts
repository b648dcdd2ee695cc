import { randomBytes } from 'node:crypto';
import {
  concat,
  concatMap,
  defer,
  filter,
  finalize,
  first,
  firstValueFrom,
  map,
  of,
  Subject,
  throwError,
  timeout,
  timer,
  toArray,
  type Observable,
  type Subscription,
} from 'rxjs';
import type { LeaseAttempt, LeaseClaim, SyncBackend } from 'rx-sync';

/**
 * Helpers of the backend contract suite: event-driven waits in real time (never a fixed sleep),
 * recorders of streams, and a spy on lease attempts. Every wait is bounded by an rxjs `timeout`
 * whose error says what was awaited and what was seen instead.
 */

/** A short random id, safe in key names of every backend (no braces, no control characters). */
export function randomId(): string {
  return randomBytes(6).toString('hex');
}

/** Describes a value for a failure message. */
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

/**
 * Subscribes `request` and resolves with its single value, checking the request contract: exactly
 * one value, then completion, within `within` ms. Rejects with the request's error.
 */
export async function once<T>(request: Observable<T>, within: number, what = 'request'): Promise<T> {
  const values = await firstValueFrom(
    request.pipe(
      toArray(),
      timeout({
        first: within,
        with: () => throwError(() => new Error(`${what} did not complete within ${within} ms`)),
      }),
    ),
  );
  if (values.length !== 1)
    throw new Error(`${what} emitted ${values.length} values (${show(values)}); a request emits exactly one`);
  return values[0] as T;
}

/** Polls `read` every `every` ms until `done` accepts its value; resolves with that value. */
export function pollUntil<T>(
  read: () => Observable<T>,
  done: (value: T) => boolean,
  within: number,
  what: string,
  every = 10,
): Promise<T> {
  let last: { value: T } | undefined;
  return firstValueFrom(
    timer(0, every).pipe(
      concatMap(() => read()),
      map((value) => {
        last = { value };
        return value;
      }),
      first((value) => done(value)),
      timeout({
        first: within,
        with: () =>
          throwError(
            () =>
              new Error(
                `timed out after ${within} ms waiting for ${what}; last read: ${last ? show(last.value) : 'none'}`,
              ),
          ),
      }),
    ),
  );
}

/**
 * Everything a stream did, kept for assertions, with event-driven waits. `all` holds every value;
 * `values` those that `keep` accepts, decided when read (so a filter may learn what to leave out
 * after the value arrived, as the probe filters of the contract suite do).
 */
export class Recorder<T> {
  readonly all: T[] = [];
  error: unknown = undefined;
  errored = false;
  completed = false;
  private readonly changed = new Subject<void>();
  private readonly subscription: Subscription;

  constructor(
    source: Observable<T>,
    private readonly within: number,
    private readonly label = 'stream',
    private readonly keep?: (value: T) => boolean,
  ) {
    this.subscription = source.subscribe({
      next: (value) => {
        this.all.push(value);
        this.changed.next();
      },
      error: (error: unknown) => {
        this.error = error;
        this.errored = true;
        this.changed.next();
      },
      complete: () => {
        this.completed = true;
        this.changed.next();
      },
    });
  }

  /** The values that `keep` accepts (every value when there is no `keep`). */
  get values(): T[] {
    const keep = this.keep;
    return keep ? this.all.filter((value) => keep(value)) : [...this.all];
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

/** One lease attempt seen by {@link spyOnAttempts}. */
export interface SeenAttempt {
  readonly key: string;
  readonly claim: LeaseClaim;
  readonly reply: LeaseAttempt;
  /** Whether a `vacancies` watch of this key, made through the spy, was open when the attempt was sent. */
  readonly watching: boolean;
}

/** What {@link spyOnAttempts} returns. */
export interface AttemptSpy {
  /** The backend to give the contenders. */
  readonly backend: SyncBackend;
  /** Every attempt made through `backend`, with its reply. */
  readonly attempts: Observable<SeenAttempt>;
  /**
   * Resolves once an attempt of `holder` was refused; with `watching`, one sent while a watch of
   * the key made through the spy was open: after its reply, that watch is live (see the contract
   * test "a leaseEvents() watch is live once ... tryAcquire ... is answered"), so the contender
   * will hear of a release.
   */
  refusedFor(holder: string, within: number, options?: { readonly watching?: boolean }): Promise<SeenAttempt>;
}

/**
 * Wraps a backend so that the replies to `tryAcquire` can be awaited (to know that a contender
 * has tried and been refused before the test goes on). Every other method goes straight through.
 */
export function spyOnAttempts(backend: SyncBackend): AttemptSpy {
  const seen: SeenAttempt[] = [];
  const attempts = new Subject<SeenAttempt>();
  const watches = new Map<string, number>();
  const spied: SyncBackend = {
    name: backend.name,
    tryAcquire: (key, claim) => {
      const request = backend.tryAcquire(key, claim);
      return defer(() => {
        const watching = (watches.get(key) ?? 0) > 0;
        return request.pipe(
          map((reply) => {
            const attempt = { key, claim, reply, watching };
            seen.push(attempt);
            attempts.next(attempt);
            return reply;
          }),
        );
      });
    },
    renew: (key, owner, leaseDuration) => backend.renew(key, owner, leaseDuration),
    release: (key, owner) => backend.release(key, owner),
    updateLease: (key, owner, value) => backend.updateLease(key, owner, value),
    readLease: (key) => backend.readLease(key),
    leaseEvents: (key) => backend.leaseEvents(key),
    vacancies: (key) => {
      const signals = backend.vacancies(key);
      return defer(() => {
        watches.set(key, (watches.get(key) ?? 0) + 1);
        return signals.pipe(finalize(() => watches.set(key, (watches.get(key) ?? 1) - 1)));
      });
    },
    get: (key) => backend.get(key),
    put: (key, value, options) => backend.put(key, value, options),
    delete: (key, options) => backend.delete(key, options),
    list: (prefix) => backend.list(prefix),
    changes: (prefix) => backend.changes(prefix),
    now: () => backend.now(),
  };
  const refusedFor = (
    holder: string,
    within: number,
    options: { readonly watching?: boolean } = {},
  ): Promise<SeenAttempt> =>
    firstValueFrom(
      concat(
        defer(() => seen),
        attempts,
      ).pipe(
        first(
          (attempt) =>
            attempt.claim.holder === holder && !attempt.reply.granted && (!options.watching || attempt.watching),
        ),
        timeout({
          first: within,
          with: () =>
            throwError(
              () =>
                new Error(
                  `timed out after ${within} ms waiting for a refused attempt of "${holder}"${options.watching ? ' while watching' : ''}; attempts: ${show(seen)}`,
                ),
            ),
        }),
      ),
    );
  return { backend: spied, attempts: attempts.asObservable(), refusedFor };
}
