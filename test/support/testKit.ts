import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  concat,
  defer,
  finalize,
  first,
  firstValueFrom,
  map,
  Subject,
  throwError,
  timeout,
  timer,
  toArray,
  type Observable,
} from 'rxjs';
import type { LeaseAttempt, LeaseClaim, SyncBackend } from 'rx-sync';
import { show } from './recorder.js';

export { Recorder, show } from './recorder.js';
export type { RecorderOptions, Stamped } from './recorder.js';

/**
 * The test kit of every jest project: random names, the single value of a request, event-driven
 * waits with deadlines (never a fixed sleep that a slow machine could break), recorders of streams,
 * and a spy on lease attempts. It needs no Redis: what needs ioredis or a redis-server is in
 * redisTestKit.ts, which only the specs that use Redis import.
 */

/** A short random id, safe in key names of every backend (no braces, no control characters). */
export function randomId(): string {
  return randomBytes(6).toString('hex');
}

/** A random key prefix for one test: letters and 8 hex digits, no braces. */
export function randomPrefix(label = 't'): string {
  return `rxs-${label}-${randomBytes(4).toString('hex')}`;
}

/** A short random name. */
export function randomName(label = 'k'): string {
  return `${label}-${randomBytes(3).toString('hex')}`;
}

/** Milliseconds on the monotonic clock (tests only: the library reads time through RxJS). */
export function now(): number {
  return performance.now();
}

/**
 * Subscribes `request` and resolves with its single value, checking the request contract: exactly
 * one value, then completion, within `within` ms. Rejects with the request's error.
 */
export async function single<T>(request: Observable<T>, within = 10_000, what = 'request'): Promise<T> {
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

/**
 * Resolves once `check` holds, asking every `every` ms; rejects after `within` ms with `what` and
 * the last failure. A `check` that throws counts as not yet (a server restarting refuses requests).
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  within: number,
  what: string,
  every = 20,
): Promise<void> {
  const deadline = now() + within;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (now() > deadline) {
      throw new Error(
        `timed out after ${within} ms waiting for ${what}${lastError === undefined ? '' : `: ${show(lastError instanceof Error ? lastError.message : lastError)}`}`,
      );
    }
    await firstValueFrom(timer(every));
  }
}

/** Waits `duration` ms of real time (for a scenario that needs time to pass, never for something to happen). */
export function pause(duration: number): Promise<void> {
  return firstValueFrom(timer(duration).pipe(map(() => undefined)));
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
  /** How many attempts made through `backend` have been refused so far. */
  refusals(): number;
}

/**
 * Wraps a backend so that the replies to `tryAcquire` can be awaited or counted (to know that a
 * contender has tried and been refused before the test goes on). Every other method of the
 * contract goes straight through.
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
    vacancies: (key, place) => {
      const signals = backend.vacancies(key, place);
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
  const refusals = (): number => seen.filter((attempt) => !attempt.reply.granted).length;
  return { backend: spied, attempts: attempts.asObservable(), refusedFor, refusals };
}
