import { asyncScheduler, catchError, defer, map, of, type Observable, type OperatorFunction } from 'rxjs';
import type { ClockReading, ClockSample, ClockSource } from 'rx-sync';

/**
 * Helpers of the Time specs: plain-data views of readings (they carry `now()`, which `toEqual`
 * cannot compare) and errors, and a scripted clock source whose samples come from Observables.
 */

/** The comparable part of a {@link ClockReading}. */
export type ReadingData = Omit<ClockReading, 'now'>;

/** Maps each reading to plain data (drops `now`). */
export function toReadingData(): OperatorFunction<ClockReading, ReadingData> {
  return map(({ now: _now, ...data }) => data);
}

/** The comparable part of an error: its name, the source it names, and its cause's name. */
export interface ErrorData {
  readonly error: string;
  readonly source?: string;
  readonly cause?: string;
}

/** Turns an error into one last value (plain data), so marbles can show what failed. */
export function errorAsData<T>(): OperatorFunction<T, T | ErrorData> {
  return catchError((error: unknown) => of(describeError(error)));
}

/** Plain data describing an error. */
export function describeError(error: unknown): ErrorData {
  const named = error as { name?: string; source?: string; cause?: { name?: string } };
  return {
    error: named.name ?? String(error),
    ...(named.source !== undefined && { source: named.source }),
    ...(named.cause?.name !== undefined && { cause: named.cause.name }),
  };
}

/** A reading's plain data with defaults for the fields a test does not care about. */
export function reading(fields: Partial<ReadingData> & Pick<ReadingData, 'time' | 'localTime'>): ReadingData {
  return {
    offset: fields.time - fields.localTime,
    sampleOffset: fields.time - fields.localTime,
    roundTrip: 0,
    uncertainty: 0,
    source: 'scripted',
    sampledAt: fields.localTime,
    failures: 0,
    ...fields,
  };
}

/** A clock source whose samples follow a script, and how often it was asked. */
export interface ScriptedSource extends ClockSource {
  readonly calls: number;
}

/**
 * A clock source whose n-th sample follows `plans[n]` (the last plan once they run out): each plan
 * is an Observable of the offset the sample measures (a cold marble such as `--a|` answers after 2
 * frames, `#` fails, `-` stays silent). The sample's round trip is the time from subscription to
 * the answer, and the remote time is read at its midpoint, so the measured offset is exact.
 */
export function scriptedSource(plans: readonly Observable<number>[], name = 'scripted'): ScriptedSource {
  let calls = 0;
  return {
    name,
    get calls() {
      return calls;
    },
    sample: () =>
      defer(() => {
        const plan = plans[Math.min(calls, plans.length - 1)]!;
        calls += 1;
        const sentAt = asyncScheduler.now();
        return plan.pipe(
          map((offset): ClockSample => {
            const receivedAt = asyncScheduler.now();
            return {
              sentAt,
              receivedAt,
              remoteTime: (sentAt + receivedAt) / 2 + offset,
              roundTrip: receivedAt - sentAt,
              error: 0,
            };
          }),
        );
      }),
  };
}

/** min … max of some numbers, rounded to 3 decimals, for measurement reports. */
function span(values: readonly number[]): string {
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return `${round(Math.min(...values))} … ${round(Math.max(...values))}`;
}

/** One line describing measured readings: offsets, uncertainties and round trips (ms). */
export function summarize(label: string, readings: readonly ReadingData[]): string {
  return `${label}: ${readings.length} readings; sampleOffset ${span(readings.map((r) => r.sampleOffset))} ms; uncertainty ${span(readings.map((r) => r.uncertainty))} ms; roundTrip ${span(readings.map((r) => r.roundTrip))} ms`;
}
