import { defer, of } from 'rxjs';
import { schedulerNow } from '../internal/clock.js';
import type { ClockSample, ClockSource } from './ClockSource.js';

const LOCAL_CLOCK: ClockSource = Object.freeze({
  name: 'local',
  sample: () =>
    defer(() => {
      const now = schedulerNow();
      return of<ClockSample>({ sentAt: now, receivedAt: now, remoteTime: now, roundTrip: 0, error: 0 });
    }),
});

/**
 * The local clock as a {@link ClockSource}: offset `0`, round trip `0`, uncertainty `0`.
 *
 * @remarks
 * Each sample reads the RxJS scheduler clock (`Date.now()` in production, virtual time under
 * `TestScheduler`) and answers synchronously. Use it where a single machine decides, in tests, or
 * as the fallback of a networked source. It is go-sync's `local.NewTime()`.
 *
 * @example
 * ```ts
 * import { clock, localClock } from 'rx-sync';
 *
 * const subscription = clock(localClock()).subscribe((reading) => console.log(new Date(reading.time).toISOString()));
 * subscription.unsubscribe();
 * ```
 *
 * @returns The local clock source (the same object on every call).
 * @see {@link clock} to read it.
 */
export function localClock(): ClockSource {
  return LOCAL_CLOCK;
}
