import { catchError, defer, map, of, take, throwIfEmpty, timeout, TimeoutError, type Observable } from 'rxjs';
import { ClockSourceError } from '../errors/ClockSourceError.js';
import type { ClockReading } from '../time/ClockReading.js';
import type { ClockSample, ClockSource } from '../time/ClockSource.js';
import { schedulerNow } from '../internal/clock.js';
import { appliedOffset, retarget, type ClockTimeline } from './clockTimeline.js';
import { DEFAULT_BACKEND_LIMITS } from '../limits.js';
import { assertName } from '../internal/validate.js';

/** Clock options with every default applied and every rule checked. */
export interface ClockSettings {
  readonly refreshInterval: number;
  readonly sampleTimeout: number;
  readonly retryDelay: number;
  readonly maxSampleAge: number;
  readonly driftRate: number;
  readonly slewRate: number;
  readonly tickInterval: number | undefined;
}

/** One sample attempt: the sample, or why it failed. */
export type SampleOutcome =
  { readonly ok: true; readonly sample: ClockSample } | { readonly ok: false; readonly error: ClockSourceError };

/** The last good sample, as the clock keeps it. */
interface KeptSample {
  readonly roundTrip: number;
  readonly error: number;
  /** Local instant the offset estimate refers to: the exchange's midpoint. */
  readonly midpoint: number;
  readonly receivedAt: number;
}

/**
 * The state of one clock (one `clock()` or `createClock()` call): the timeline from local to
 * synchronized time, the last good sample, consecutive failures, and the floor below which no
 * answer may go. The policy (when to sample, when to give up) belongs to the callers; this keeps
 * the arithmetic in one place.
 */
export class ClockEngine {
  private timeline: ClockTimeline | undefined;
  private kept: KeptSample | undefined;
  private failures = 0;
  private lastFailure: ClockSourceError | undefined;
  /** The greatest synchronized time answered so far: no later answer is below it. */
  private floor = -Infinity;

  constructor(
    private readonly source: ClockSource,
    private readonly settings: ClockSettings,
  ) {}

  /** The source's name. */
  get name(): string {
    return this.source.name;
  }

  /** Whether a sample has ever succeeded. */
  get hasSample(): boolean {
    return this.kept !== undefined;
  }

  /** Local milliseconds since the last good sample arrived, or `undefined` without one. */
  sampleAge(): number | undefined {
    return this.kept === undefined ? undefined : schedulerNow() - this.kept.receivedAt;
  }

  /** One exchange with the source, bounded by `sampleTimeout`; never errors (failures are outcomes). */
  attempt(): Observable<SampleOutcome> {
    const { sampleTimeout } = this.settings;
    return defer(() => this.source.sample()).pipe(
      timeout({ first: sampleTimeout }),
      take(1),
      throwIfEmpty(() => new ClockSourceError(this.name, 'completed without a sample; a source must emit one.')),
      map((sample): SampleOutcome => ({ ok: true, sample: this.checkSample(sample) })),
      catchError((error: unknown) => of<SampleOutcome>({ ok: false, error: this.toSourceError(error) })),
    );
  }

  /** Applies a good sample: new target offset (stepping forward or slewing back), failures reset. */
  accept(sample: ClockSample): void {
    const now = schedulerNow();
    const midpoint = (sample.sentAt + sample.receivedAt) / 2;
    const target = sample.remoteTime - midpoint;
    this.timeline = retarget(this.timeline, now, target, this.settings.slewRate);
    this.kept = { roundTrip: sample.roundTrip, error: sample.error, midpoint, receivedAt: sample.receivedAt };
    this.failures = 0;
  }

  /** Counts a failed sample; the last good offset stays, its uncertainty keeps growing. */
  reject(error: ClockSourceError): void {
    this.failures += 1;
    this.lastFailure = error;
  }

  /** The error of a clock whose last good sample is older than `maxSampleAge`. */
  staleError(): ClockSourceError {
    const { maxSampleAge } = this.settings;
    return new ClockSourceError(
      this.name,
      `has had no good sample for ${maxSampleAge} ms (${this.failures} failed since); check the source, or raise "maxSampleAge".`,
      this.lastFailure === undefined ? undefined : { cause: this.lastFailure },
    );
  }

  /** Synchronized time now; never below an earlier answer. Before any sample, the local clock. */
  now(): number {
    return this.timeAt(schedulerNow()).time;
  }

  /** A reading at the current instant; requires a good sample. */
  reading(): ClockReading {
    const kept = this.kept;
    const timeline = this.timeline;
    if (kept === undefined || timeline === undefined) throw new Error('rx-sync: clock reading before any sample');
    const localTime = schedulerNow();
    const { time, lag } = this.timeAt(localTime);
    const age = Math.max(0, localTime - kept.midpoint);
    const uncertainty = kept.roundTrip / 2 + kept.error + this.settings.driftRate * age + lag;
    return Object.freeze({
      time,
      localTime,
      offset: time - localTime,
      sampleOffset: timeline.targetOffset,
      roundTrip: kept.roundTrip,
      uncertainty,
      source: this.name,
      sampledAt: kept.receivedAt,
      failures: this.failures,
      now: () => this.now(),
    });
  }

  /**
   * Synchronized time at local instant `local`, raised to the floor, and how far it is from the
   * best estimate (`local + targetOffset`): the slew still to absorb, plus any hold at the floor.
   */
  private timeAt(local: number): { time: number; lag: number } {
    const timeline = this.timeline;
    const estimate = timeline === undefined ? local : local + timeline.targetOffset;
    const applied = timeline === undefined ? local : local + appliedOffset(timeline, local);
    const time = Math.max(this.floor, applied);
    this.floor = time;
    return { time, lag: Math.abs(time - estimate) };
  }

  private checkSample(sample: ClockSample): ClockSample {
    const fields = ['sentAt', 'receivedAt', 'remoteTime', 'roundTrip', 'error'] as const;
    const bad = fields.filter((field) => typeof sample?.[field] !== 'number' || !Number.isFinite(sample[field]));
    if (bad.length > 0) {
      throw new ClockSourceError(this.name, `gave a sample without finite ${bad.join(', ')}.`);
    }
    if (sample.receivedAt < sample.sentAt || sample.roundTrip < 0 || sample.error < 0) {
      throw new ClockSourceError(
        this.name,
        `gave an impossible sample (received before sent, or a negative round trip or error): ${JSON.stringify(sample)}.`,
      );
    }
    return sample;
  }

  private toSourceError(error: unknown): ClockSourceError {
    if (error instanceof ClockSourceError) return error;
    if (error instanceof TimeoutError) {
      return new ClockSourceError(
        this.name,
        `did not answer within ${this.settings.sampleTimeout} ms; check the source, or raise "sampleTimeout".`,
        { cause: error },
      );
    }
    return new ClockSourceError(this.name, 'failed to give a sample; check the source.', { cause: error });
  }
}

/** Throws `TypeError` unless `value` looks like a {@link ClockSource}. */
export function assertClockSource(value: unknown): asserts value is ClockSource {
  const candidate = value as Partial<ClockSource> | null | undefined;
  if (typeof value !== 'object' || value === null || typeof candidate?.sample !== 'function') {
    throw new TypeError(
      'Expected `source` to be a ClockSource ({ name, sample() }: localClock(), backendClock(backend), ntpClock(...)).',
    );
  }
  assertName(candidate.name, 'source.name', DEFAULT_BACKEND_LIMITS.maxNameLength);
}
