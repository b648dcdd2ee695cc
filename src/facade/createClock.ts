import { firstValueFrom } from 'rxjs';
import { schedulerNow } from '../internal/clock.js';
import { ClockEngine, assertClockSource } from '../engine/clockEngine.js';
import type { ClockReading } from '../time/ClockReading.js';
import { resolveClockOptions, type ClockOptions } from '../observables/clockOptions.js';
import type { ClockSource } from '../time/ClockSource.js';

/** go-sync's `Time` for code that is not reactive. */
export interface Clock {
  /** The source's name (`local`, `ntp`, `redis`, ...). */
  readonly source: string;
  /**
   * Synchronized time in milliseconds since the Unix epoch, from the cached offset; samples the
   * source only when the last sample is older than `refreshInterval`. Rejects with
   * `ClockSourceError` when it has no usable sample.
   */
  now(): Promise<number>;
  /** As {@link Clock.now}, with the whole {@link ClockReading} (offset, round trip, uncertainty). */
  read(): Promise<ClockReading>;
}

/**
 * The Promise facade of {@link clock}, go-sync's `t := ntp.NewTime(); t.Now()`, without a round
 * trip per call.
 *
 * @remarks
 * Nothing runs in the background: a call samples the source (one sample at a time, shared by
 * concurrent calls) only when the last good sample is older than `refreshInterval`; otherwise it
 * answers from the cached offset and the local clock. When a sample fails and the last good one is
 * younger than `maxSampleAge`, the call answers from it (with `failures` counted and a grown
 * uncertainty) and the source is tried again after `retryDelay`; without such a sample the call
 * rejects with `ClockSourceError`. Answers never go backwards, with the slewing rule of
 * {@link clock}. Use {@link clock} in reactive code.
 *
 * @example
 * ```ts
 * import { createClock, localClock } from 'rx-sync';
 *
 * // t := local.NewTime(); t.Now()  — or ntpClock({ servers }) from 'rx-sync/ntp', backendClock(backend)
 * const t = createClock(localClock());
 * console.log(new Date(await t.now()).toISOString());
 * const reading = await t.read();
 * console.log(`offset ${reading.offset} ms ± ${reading.uncertainty} ms`);
 * ```
 *
 * @param source - Where the time comes from; see {@link ClockSource}.
 * @param options - See {@link ClockOptions} (`tickInterval` has no use here).
 * @throws TypeError or RangeError, at call time, for a bad source or option.
 */
export function createClock(source: ClockSource, options?: ClockOptions): Clock {
  assertClockSource(source);
  const settings = resolveClockOptions(options, { caller: 'createClock' });
  const engine = new ClockEngine(source, settings);
  let inFlight: Promise<ClockReading> | undefined;
  let retryAt = -Infinity;

  const usable = (): boolean => (engine.sampleAge() ?? Infinity) < settings.maxSampleAge;

  const refresh = async (): Promise<ClockReading> => {
    const outcome = await firstValueFrom(engine.attempt());
    if (outcome.ok) {
      engine.accept(outcome.sample);
      retryAt = -Infinity;
      return engine.reading();
    }
    if (!engine.hasSample) throw outcome.error;
    engine.reject(outcome.error);
    if (!usable()) throw engine.staleError();
    retryAt = schedulerNow() + settings.retryDelay;
    return engine.reading();
  };

  const read = (): Promise<ClockReading> => {
    const age = engine.sampleAge();
    if (age !== undefined && (age < settings.refreshInterval || (schedulerNow() < retryAt && usable()))) {
      return Promise.resolve(engine.reading());
    }
    inFlight ??= refresh().finally(() => (inFlight = undefined));
    return inFlight;
  };

  return Object.freeze({
    source: source.name,
    now: async () => (await read()).now(),
    read,
  });
}
