import {
  concat,
  connect,
  defer,
  expand,
  filter,
  interval,
  map,
  merge,
  of,
  shareReplay,
  switchMap,
  timer,
  type Observable,
} from 'rxjs';
import { ClockEngine, assertClockSource, type SampleOutcome } from '../engine/clockEngine.js';
import type { ClockSource } from '../time/ClockSource.js';
import type { ClockReading } from '../time/ClockReading.js';
import { resolveClockOptions, type ClockOptions } from './clockOptions.js';

/**
 * Synchronized time from a clock source, as an Observable of {@link ClockReading}s: the time,
 * its offset from the local clock, the round trip and how wrong it may be.
 *
 * @remarks
 * ```
 * source samples:  s---------s---------x----x----x---...     s: good sample, x: failed sample
 * clock(source):   r---------r---------r----r----r---...#    r: reading, #: ClockSourceError
 *                  |<- refreshInterval ->|<-retryDelay->|     (after maxSampleAge without a good sample)
 * ```
 * Subscribing takes a sample at once, then one every `refreshInterval`, and emits one reading per
 * sample (plus one every `tickInterval` when set). Between readings, `reading.now()` computes
 * synchronized time from the local clock and the latest offset: no request per call. All
 * subscribers of one returned Observable share one sampler, which runs while anybody is
 * subscribed, and a late subscriber gets the latest reading at once.
 *
 * Synchronized time never goes backwards, across readings, `now()` calls and resubscriptions: a
 * sample that moves the offset forward takes effect at once (time jumps ahead); one that moves it
 * back is slewed in (time advances at `1 - slewRate` of the local rate until the new offset is
 * reached), and the uncertainty includes what is left to absorb. The local clock is the RxJS
 * scheduler's (`Date.now()` in production, virtual time under `TestScheduler`); if the operating
 * system steps it back, synchronized time holds still until it catches up.
 *
 * A sample that fails or stays silent for `sampleTimeout` does not end the stream: the clock
 * retries after `retryDelay` and emits a reading with the last good offset, `failures` counted and
 * the uncertainty grown by `driftRate` × the sample's age. The stream errors with
 * `ClockSourceError` when the first sample of a subscription fails, or when no sample has
 * succeeded for `maxSampleAge`. It never completes; unsubscribing stops the sampler.
 *
 * Locks and leadership never use this time for safety decisions: lease deadlines run on the local
 * monotonic clock (see the lease options' `driftMargin`).
 *
 * @example
 * ```ts
 * import { backendClock, clock, localClock } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const time = clock(localClock(), { refreshInterval: 10_000 });
 * const subscription = time.subscribe((reading) =>
 *   console.log(`${new Date(reading.time).toISOString()} ± ${reading.uncertainty} ms (offset ${reading.offset} ms)`),
 * );
 * // clock(backendClock(redisBackend)) reads Redis TIME; ntpClock({ servers }) from 'rx-sync/ntp' reads NTP.
 * clock(backendClock(createMemoryBackend())).subscribe((reading) => console.log(reading.now()));
 * subscription.unsubscribe();
 * ```
 *
 * @param source - Where the time comes from: {@link localClock}, {@link backendClock}, `ntpClock`, or your own {@link ClockSource}.
 * @param options - Sampling, slewing and failure handling; see {@link ClockOptions}.
 * @returns A shared Observable of readings that errors with `ClockSourceError` and never completes.
 * @throws TypeError or RangeError, at call time, for a bad source or option.
 * @see {@link createClock} for a Promise `now()`.
 */
export function clock(source: ClockSource, options?: ClockOptions): Observable<ClockReading> {
  assertClockSource(source);
  const settings = resolveClockOptions(options, { caller: 'clock' });
  const engine = new ClockEngine(source, settings);
  const { refreshInterval, retryDelay, maxSampleAge, tickInterval } = settings;
  return defer(() => {
    let sampled = false; // a good sample in this subscription
    const outcomes = engine
      .attempt()
      .pipe(
        expand((outcome) => timer(outcome.ok ? refreshInterval : retryDelay).pipe(switchMap(() => engine.attempt()))),
      );
    const toReadings = (outcome: SampleOutcome): Observable<ClockReading> => {
      if (outcome.ok) {
        engine.accept(outcome.sample);
        sampled = true;
      } else if (sampled) {
        engine.reject(outcome.error);
      } else {
        throw outcome.error;
      }
      const reading = of(engine.reading());
      return tickInterval === undefined
        ? reading
        : concat(reading, interval(tickInterval).pipe(map(() => engine.reading())));
    };
    return outcomes.pipe(
      connect((shared) =>
        merge(
          // Subscribed first, so it sees each good sample before its reading is emitted.
          shared.pipe(
            filter((outcome) => outcome.ok),
            switchMap(() => timer(maxSampleAge)),
            map((): never => {
              throw engine.staleError();
            }),
          ),
          shared.pipe(switchMap(toReadings)),
        ),
      ),
    );
  }).pipe(shareReplay({ bufferSize: 1, refCount: true }));
}
