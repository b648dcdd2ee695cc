import type { Observable } from 'rxjs';

/**
 * One exchange with a clock source: when the request left and its answer arrived on the local
 * clock, and what the source's clock read in between.
 *
 * @remarks
 * The local clock is the RxJS scheduler's (`asyncScheduler.now()`: `Date.now()` in production,
 * virtual time under `TestScheduler`). {@link clock} takes the source's time to be read at the
 * midpoint of the exchange, so the offset estimate is
 * `remoteTime - (sentAt + receivedAt) / 2`, and whatever the asymmetry of the two paths, the true
 * offset lies within `roundTrip / 2 + error` of it.
 *
 * @example
 * ```ts
 * import type { ClockSample } from 'rx-sync';
 *
 * // A source 5 s ahead, answering after 4 ms: the offset estimate is 5000 ± (2 + 0.5) ms.
 * const sample: ClockSample = { sentAt: 1_000, receivedAt: 1_004, remoteTime: 6_002, roundTrip: 4, error: 0.5 };
 * ```
 */
export interface ClockSample {
  /** The local clock when the request left, in milliseconds. */
  readonly sentAt: number;
  /** The local clock when the answer arrived, in milliseconds; not before `sentAt`. */
  readonly receivedAt: number;
  /**
   * The source's clock, in milliseconds since the Unix epoch, as read during the exchange (for
   * NTP, the midpoint of the server's receive and transmit timestamps).
   */
  readonly remoteTime: number;
  /**
   * The time the request and its answer spent travelling, in milliseconds: `receivedAt - sentAt`
   * less the time the source spent answering (NTP's delay). At least `0`.
   */
  readonly roundTrip: number;
  /**
   * A further bound on the error of the remote reading, in milliseconds, at least `0`: the
   * resolution of the timestamps, and for NTP the server's own root distance.
   */
  readonly error: number;
}

/**
 * Where {@link clock} gets the time from: a name and a way to take one sample.
 *
 * @remarks
 * `sample()` is cold: each subscription makes one exchange and emits one {@link ClockSample} (the
 * first value is used), or errors. The clock bounds it with `sampleTimeout` and unsubscribes it
 * then, so a source need not time out by itself, but it must give up its resources (sockets,
 * timers) on unsubscription. rx-sync ships {@link localClock}, {@link backendClock} (Redis `TIME`
 * on the Redis backend) and `ntpClock` (from `rx-sync/ntp`); any object of this shape works.
 *
 * @example
 * ```ts
 * import { asyncScheduler, defer, of } from 'rxjs';
 * import { clock, type ClockSource } from 'rx-sync';
 *
 * // A source that is always 250 ms ahead of the local clock, and answers at once.
 * const ahead: ClockSource = {
 *   name: 'ahead',
 *   sample: () =>
 *     defer(() => {
 *       const now = asyncScheduler.now();
 *       return of({ sentAt: now, receivedAt: now, remoteTime: now + 250, roundTrip: 0, error: 0 });
 *     }),
 * };
 * const subscription = clock(ahead).subscribe((reading) => console.log(reading.offset)); // 250
 * subscription.unsubscribe();
 * ```
 */
export interface ClockSource {
  /** Short name for readings, errors and logs: `local`, `ntp`, `redis`. */
  readonly name: string;
  /** One exchange with the source: a cold Observable of one {@link ClockSample}. */
  sample(): Observable<ClockSample>;
}
