import { defer, delay, finalize, from, Observable, of, switchMap, timer } from 'rxjs';
import type { SyncBackend } from 'rx-sync';

/** Delays of {@link withLatency}, in milliseconds. */
export interface Latency {
  /** From subscribing a request until the backend applies it. @defaultValue 1 */
  readonly request?: number;
  /** From the backend applying a request (or publishing an event) until the reply arrives. @defaultValue 1 */
  readonly reply?: number;
  /** From subscribing a watch until it receives events (a pub/sub subscription round trip). @defaultValue 5 */
  readonly watch?: number;
}

/**
 * Wraps a synchronous backend so that it behaves like a networked one, such as the Redis backend:
 * every request is applied `request` ms after subscription and answered `reply` ms later, in
 * order (as on one connection); a watch receives events only `watch` ms after subscription (the
 * SUBSCRIBE round trip), `reply` ms late. Like the Redis backend, reads (`get`, `list`,
 * `readLease`) and `tryAcquire` wait until every watch subscribed before them is live, so "watch,
 * then read" misses nothing. Arguments are still checked at call time, by the wrapped backend.
 */
export function withLatency(backend: SyncBackend, latency: Latency = {}): SyncBackend {
  const { request = 1, reply = 1, watch = 5 } = latency;
  const settingUp = new Set<Promise<void>>();
  const settled = async (): Promise<void> => {
    while (settingUp.size > 0) await Promise.all([...settingUp]);
  };
  const remote = <T>(call: Observable<T>, ordered = false): Observable<T> =>
    defer(() => (ordered ? from(settled()) : of(undefined))).pipe(
      switchMap(() => timer(request)),
      switchMap(() => call),
      delay(reply),
    );
  const watched = <T>(events: Observable<T>): Observable<T> =>
    defer(() => {
      let live!: () => void;
      const setup = new Promise<void>((resolve) => (live = resolve));
      settingUp.add(setup);
      const done = (): void => {
        settingUp.delete(setup);
        live();
      };
      return timer(watch).pipe(
        switchMap(
          () =>
            new Observable<T>((subscriber) => {
              const subscription = events.subscribe(subscriber);
              done(); // live from here on
              return subscription;
            }),
        ),
        finalize(done),
        delay(reply),
      );
    });
  return Object.freeze({
    name: `${backend.name} (with latency)`,
    tryAcquire: (key, claim) => remote(backend.tryAcquire(key, claim), true),
    renew: (key, owner, leaseDuration) => remote(backend.renew(key, owner, leaseDuration)),
    release: (key, owner) => remote(backend.release(key, owner)),
    updateLease: (key, owner, value) => remote(backend.updateLease(key, owner, value)),
    readLease: (key) => remote(backend.readLease(key), true),
    leaseEvents: (key) => watched(backend.leaseEvents(key)),
    vacancies: (key) => watched(backend.vacancies(key)),
    get: (key) => remote(backend.get(key), true),
    put: (key, value, options) => remote(backend.put(key, value, options)),
    delete: (key, options) => remote(backend.delete(key, options)),
    list: (prefix) => remote(backend.list(prefix), true),
    changes: (prefix) => watched(backend.changes(prefix)),
    now: () => remote(backend.now()),
  } satisfies SyncBackend);
}
