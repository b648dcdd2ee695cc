import { filter, map, type Observable } from 'rxjs';
import type { LeaseAttempt, LeaseEvent, SyncBackend } from '../../../backend.js';
import { leaseEventOf, type LeaseSignal } from './leaseEventMessage.js';
import type { RedisSubscriber } from '../pubsub/redisSubscriber.js';
import type { RedisKeys } from '../redisKeys.js';
import type { RedisRequest } from '../redisRequest.js';
import type { LeaseOperations } from './leaseOperations.js';
import { VacancySignals, wakeUpOf, type WakeUp } from './vacancySignals.js';
import { watchLeaseEvents } from './watchLeaseEvents.js';
import { watchTurns } from './watchTurns.js';

/** The lease methods of the Redis backend, over single-instance or quorum operations. */
export type RedisLeaseMethods = Pick<
  SyncBackend,
  'tryAcquire' | 'renew' | 'release' | 'updateLease' | 'readLease' | 'leaseEvents' | 'vacancies'
>;

/**
 * The lease half of the Redis backend: each step one request (grants and reads after pending
 * subscriptions), lease events from the lease's channel (read again after a gap), and waiters woken
 * one per release ({@link VacancySignals}): a waiter with a place in line by the turns sent to this
 * backend's `inbox` only (a release wakes the process of the next waiter, not every process that
 * waits), one without by the releases on the lease's channel.
 */
export function redisLeases(
  leases: LeaseOperations,
  subscriber: RedisSubscriber,
  keys: RedisKeys,
  request: RedisRequest,
  inbox: string,
): RedisLeaseMethods {
  const watchLease = (key: string): Observable<LeaseSignal> =>
    watchLeaseEvents(subscriber, keys.leaseChannel(key), key, () => request('readLease', () => leases.read(key), true));
  const releases = new VacancySignals((key) =>
    watchLease(key).pipe(
      map(wakeUpOf),
      filter((wakeUp): wakeUp is WakeUp => wakeUp !== undefined),
    ),
  );
  const turns = new VacancySignals((key) => watchTurns(subscriber, keys.leaseTurns(key, inbox), key));
  const signalsFor = (inLine: boolean): VacancySignals => (inLine ? turns : releases);

  return {
    tryAcquire(key, claim) {
      return request(
        'tryAcquire',
        () => {
          // Sent after every SUBSCRIBE so far was acknowledged: a watch of the key now hears every
          // signal published after this attempt runs, and a waiter subscribing on the reply shares
          // it; unless a signal came before the reply (it went to the waiters there were then).
          const vacancies = signalsFor(claim.placeDuration !== undefined);
          const heard = subscriber.settling ? undefined : vacancies.heard(key);
          return leases.tryAcquire(key, claim).pipe(
            map((reply): LeaseAttempt => {
              const listening = heard !== undefined && vacancies.heard(key) === heard;
              return reply.granted || !listening ? reply : { ...reply, listening };
            }),
          );
        },
        true,
      );
    },
    renew(key, owner, leaseDuration) {
      return request('renew', () => leases.renew(key, owner, leaseDuration));
    },
    release(key, owner) {
      return request('release', () => leases.release(key, owner));
    },
    updateLease(key, owner, value) {
      return request('updateLease', () => leases.update(key, owner, value));
    },
    readLease(key) {
      return request('readLease', () => leases.read(key), true);
    },
    leaseEvents(key) {
      return watchLease(key).pipe(
        map(leaseEventOf),
        filter((event): event is LeaseEvent => event !== undefined),
      );
    },
    vacancies(key, place) {
      return signalsFor(place !== undefined).vacancies(key);
    },
  };
}
