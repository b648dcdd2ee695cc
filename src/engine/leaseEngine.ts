import { concat, defer, Observable, of, switchMap, throwError, timeout, timer, type Subscription } from 'rxjs';
import type { LeaseClaim, LeaseGrant, LeaseHolder, SyncBackend } from '../backend.js';
import { BackendReplyError } from '../errors/BackendReplyError.js';
import { LockTimeoutError } from '../errors/LockTimeoutError.js';
import { SyncError } from '../errors/SyncError.js';
import { backoff, type Backoff } from './backoff.js';
import type { LeaseTiming } from './leaseTiming.js';
import { renewal } from './renewal.js';
import { ownerId } from '../internal/ownerId.js';
import { SerialStep } from '../internal/serialStep.js';
import { ValidityGuard, type PendingValidity } from './validityGuard.js';
import { schedulerNow } from '../internal/clock.js';

/** Lease options with every default applied and every rule checked: how to wait, keep and retry. */
export interface LeaseSettings extends LeaseTiming, Backoff {
  /** How long to wait for the lease at most, in ms; `Infinity` for ever. */
  readonly acquireTimeout: number;
  /** Whether a contender that waits takes a place in the key's line of waiters. */
  readonly fair: boolean;
}

/**
 * How long a waiter's place in line lasts without a refresh (it refreshes three times as often):
 * as long as the lease at most, and at most three of the longest retry delays, so that a waiter
 * that died holds the line up briefly.
 */
export function placeDuration(settings: LeaseSettings): number {
  return Math.ceil(Math.min(settings.leaseDuration, 3 * settings.maxRetryDelay));
}

/** What the engine needs to campaign for one lease. */
export interface LeaseRequest {
  /** The backend key of the lease (already namespaced by kind). */
  readonly key: string;
  /** The name users gave (lock key or group), for errors. */
  readonly name: string;
  /** Public name of the contender. */
  readonly holder: string;
  /** Public payload, if any. */
  readonly value?: string;
  readonly settings: LeaseSettings;
  /** Called on a refusal when the caller does not want to wait: the error to fail with. */
  readonly refuse?: (current: LeaseHolder) => Error;
}

/** One tenure of a lease, as the engine hands it to `lock` and `leadership`. */
export interface Tenure {
  /** The fencing token minted with the grant. */
  readonly token: number;
  /** The secret owner id, for owner-checked follow-up requests (never shown to users). */
  readonly owner: string;
  /** Whether the lease is still safely held (see `ValidityGuard`). */
  isValid(): boolean;
}

/**
 * The lease engine shared by locks and leadership: emits one {@link Tenure} when the lease is
 * granted and completes when it is lost; releases on completion, error and unsubscribe.
 *
 * @remarks
 * Acquiring: each attempt is one atomic `tryAcquire`. A refused contender starts listening for the
 * key's vacancies (so an uncontended acquire costs one request), asks once more, then waits for
 * the first of a vacancy signal (push) or a retry timer (poll). With `fair` (the default), a
 * waiting contender takes a place in the key's line ({@link placeDuration}): it asks again only
 * when a vacancy names its place, when the lease or the first waiter's place may have lapsed, or
 * a third of its place's duration after it last asked, to keep the place. A vacancy that names
 * its place with the lease granted already ({@link LeaseGrant}: the release handed it on) makes it
 * the holder without a request: valid from the start of its last refused attempt, and renewed a
 * third of the way into what is left of that first, short lease. Without a place, it polls
 * with jittered exponential backoff, never later than the moment the current holder's lease
 * lapses. `acquireTimeout` bounds the whole wait (its `LockTimeoutError` has the last backend failure a poll met as its `cause`). An
 * attempt without a reply within the validity period is abandoned and asked again. A backend error
 * on the first attempt ends the stream with that error; once waiting, a transient one (a failover,
 * a restart) costs that poll only, and the contender asks again after a backoff.
 *
 * Holding: renews every `renewInterval` after the last confirmed renewal. A renewal that the
 * backend refuses completes the stream at once; one that fails is retried after `retryDelay`, and
 * one without a reply within `renewInterval` at once, until the validity deadline (request start +
 * lease − drift margin), when the stream completes because the lease can no longer be assumed held.
 */
export function leaseTenure(backend: SyncBackend, request: LeaseRequest): Observable<Tenure> {
  return defer(() => {
    const owner = ownerId();
    const { settings } = request;
    const guard = new ValidityGuard(settings.leaseDuration - settings.driftMargin);
    let attempted = false;
    let missed: SyncError | undefined; // the last poll a transient backend failure cost a waiting contender
    const acquired = acquire(
      backend,
      request,
      owner,
      guard,
      () => (attempted = true),
      (error) => (missed = error),
    );
    const bounded = Number.isFinite(settings.acquireTimeout)
      ? acquired.pipe(
          timeout({
            first: settings.acquireTimeout,
            with: () =>
              throwError(
                () => new LockTimeoutError(request.name, settings.acquireTimeout, missed && { cause: missed }),
              ),
          }),
        )
      : acquired;
    return new Observable<Tenure>((subscriber) => {
      // The first finalizer, so the release goes out before the rest of the chain is torn down.
      subscriber.add(() => {
        guard.end();
        if (attempted) backend.release(request.key, owner).subscribe({ error: ignore });
      });
      return bounded
        .pipe(
          switchMap(({ token, firstRenewal }) => {
            const tenure: Tenure = { token, owner, isValid: () => guard.isValid() };
            return concat(
              of(tenure),
              renewal(
                () => backend.renew(request.key, owner, settings.leaseDuration),
                settings,
                guard,
                settings.retryDelay,
                firstRenewal,
              ),
            );
          }),
        )
        .subscribe(subscriber);
    });
  });
}

/** A lease the contender got: its token, and when to renew it first, in ms. */
interface Granted {
  readonly token: number;
  readonly firstRenewal: number;
}

function acquire(
  backend: SyncBackend,
  request: LeaseRequest,
  owner: string,
  guard: ValidityGuard,
  onAttempt: () => void,
  onMissedPoll: (error: SyncError) => void,
): Observable<Granted> {
  const { key, settings } = request;
  // A contender that waits in line keeps its place by asking again at least this often.
  const inLine = settings.fair && !request.refuse;
  const place = inLine ? placeDuration(settings) : 0;
  const claim: LeaseClaim = {
    owner,
    holder: request.holder,
    leaseDuration: settings.leaseDuration,
    ...(request.value !== undefined && { value: request.value }),
    ...(inLine && { placeDuration: place }),
  };
  return new Observable<Granted>((subscriber) => {
    const step = new SerialStep();
    let myPlace: string | undefined;
    let inFlight: PendingValidity | undefined; // the clock of the attempt awaiting its reply
    let refusedAt: number | undefined; // when the last attempt that was refused in line was sent
    let minted = 0; // the greatest token minted for the lease that a refusal told of
    let signalled = false; // a vacancy for this contender came while it asked
    let retries = 0;
    let onVacancy: (() => void) | undefined;
    let events: Subscription | undefined;

    const attempt = (): void => {
      onVacancy = undefined;
      signalled = false;
      // A reply later than the validity a grant could give is of no use (see ValidityGuard): when
      // none came by then, the request or its reply was lost, or is too late.
      const pending = guard.begin(undefined, giveBack);
      inFlight = pending;
      onAttempt();
      step.start(() =>
        backend.tryAcquire(key, claim).subscribe({
          next: (reply) => {
            inFlight = undefined;
            if (reply.granted) {
              if (guard.confirm(pending)) {
                subscriber.next({ token: reply.token, firstRenewal: settings.renewInterval });
                subscriber.complete();
              } else {
                giveBack(); // granted too late to be of use
              }
              return;
            }
            guard.discard(pending);
            myPlace = reply.place;
            refusedAt = reply.place === undefined ? undefined : pending.startedAt;
            minted = Math.max(minted, reply.minted ?? 0);
            if (request.refuse) {
              subscriber.error(
                reply.current
                  ? request.refuse(reply.current)
                  : new BackendReplyError(backend.name, 'tryAcquire', 'a refusal without the current holder'),
              );
            } else if (!events && !reply.listening) {
              watchVacancies();
              attempt(); // now that releases wake us, ask once more: one may have come before we listened
            } else if (signalled) {
              attempt(); // the lease was given up while we asked: try again at once
            } else {
              if (!events) watchVacancies(); // the backend was listening already: nothing was missed
              waitAfterRefusal(reply.retryIn);
            }
          },
          error: (error: unknown) => {
            inFlight = undefined;
            guard.discard(pending);
            if (events && error instanceof SyncError && error.transient) {
              // Waiting already: a backend that cannot be reached for now (a failover, a restart)
              // costs this poll, not the wait; `acquireTimeout` still bounds it.
              onMissedPoll(error);
              wait(backoff(settings, retries++));
            } else {
              subscriber.error(error); // unreachable when asked first, or a reply that is no use
            }
          },
        }),
      );
    };

    // A grant that came, or may still come, too late to be used: release it (on Redis the release
    // follows the request on the same connection), so that it does not keep the lease from
    // everybody else while this contender cannot use it, and ask again after a backoff.
    const giveBack = (): void => {
      backend.release(key, owner).subscribe({ error: ignore });
      wait(backoff(settings, retries++));
    };

    // In line: woken by the release before our turn, asking again only to keep the place and to
    // catch a lapse. Without a place: polling with backoff, never later than the lease may lapse.
    const waitAfterRefusal = (retryIn: number): void =>
      wait(inLine ? Math.max(1, Math.min(retryIn, place / 3)) : Math.min(backoff(settings, retries++), retryIn));

    const wait = (delay: number): void => {
      step.start(() => timer(Math.max(0, delay)).subscribe(attempt));
      onVacancy = attempt;
    };

    // The lease a release granted this contender, in its place in line, after its attempt sent at
    // `sentAt` was refused there: valid from then, as if that attempt had been granted it (see
    // LeaseGrant). Renewed a third of the way into what is left of that (its lease is its place's
    // duration, shorter than the holder's); given back if nothing is left, as any grant that came
    // too late (asking at once would renew a grant behind a link too slow to use it).
    const take = ({ token, leaseDuration }: LeaseGrant, sentAt: number): void => {
      if (inFlight) guard.discard(inFlight); // an attempt on its way: it can only confirm this grant
      inFlight = undefined;
      const granted = guard.begin(sentAt, undefined, leaseDuration - settings.driftMargin);
      if (!guard.confirm(granted)) {
        giveBack();
        return;
      }
      const left = granted.deadline - schedulerNow();
      subscriber.next({ token, firstRenewal: Math.min(settings.renewInterval, left / 3) });
      subscriber.complete();
    };

    // Listened to only once the lease turns out to be taken, so an uncontended acquire costs one request.
    const watchVacancies = (): void => {
      events = backend.vacancies(key, myPlace).subscribe({
        next: (vacancy) => {
          if (vacancy.next !== undefined && vacancy.next !== myPlace) return; // another waiter's turn
          // A grant no newer than a refusal is a late message of a grant that has ended since.
          if (vacancy.granted && myPlace !== undefined && refusedAt !== undefined && vacancy.granted.token > minted) {
            take(vacancy.granted, refusedAt);
            return;
          }
          signalled = true;
          onVacancy?.();
        },
        error: (error: unknown) => subscriber.error(error),
      });
    };

    attempt();
    return () => {
      onVacancy = undefined;
      step.stop();
      events?.unsubscribe();
    };
  });
}

function ignore(): void {
  // A failed release is harmless: the lease lapses on the backend when its duration runs out.
}
