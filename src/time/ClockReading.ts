/**
 * What {@link clock} knows about the time at one instant: synchronized time, how far it is from
 * the local clock, and how wrong it may be.
 *
 * @remarks
 * Every field but `now` describes the instant the reading was made (`localTime`). Between
 * readings, call `now()`: it computes synchronized time from the local clock and the clock's
 * latest state, so it costs no request. `uncertainty` bounds `|time - source's time|`: half the
 * last good sample's round trip, plus the sample's own error, plus `driftRate` × the time since
 * that sample, plus what a slew has yet to absorb.
 *
 * @example
 * ```ts
 * import { clock, localClock, type ClockReading } from 'rx-sync';
 *
 * const describe = (reading: ClockReading): string =>
 *   `${new Date(reading.time).toISOString()} ± ${reading.uncertainty} ms from ${reading.source}`;
 * clock(localClock()).subscribe((reading) => console.log(describe(reading))).unsubscribe();
 * ```
 */
export interface ClockReading {
  /** Synchronized time at this reading, in milliseconds since the Unix epoch. Never less than an earlier reading's. */
  readonly time: number;
  /** The local (scheduler) clock at this reading. */
  readonly localTime: number;
  /** `time - localTime`: the offset applied at this reading (behind `sampleOffset` while slewing). */
  readonly offset: number;
  /** The offset the last good sample measured: where `offset` goes. */
  readonly sampleOffset: number;
  /** Round trip of the last good sample, in milliseconds (less the source's answering time). */
  readonly roundTrip: number;
  /** How far `time` may be from the source's time, in milliseconds (a ± bound). */
  readonly uncertainty: number;
  /** The name of the clock source (`local`, `ntp`, `redis`, ...). */
  readonly source: string;
  /** The local clock when the last good sample arrived. */
  readonly sampledAt: number;
  /** Samples that failed since the last good one (`0` when the last sample succeeded). */
  readonly failures: number;
  /**
   * Synchronized time now, in milliseconds since the Unix epoch, from the local clock and the
   * clock's latest state (newer samples included): never less than any earlier answer of this clock.
   */
  now(): number;
}
