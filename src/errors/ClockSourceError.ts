import { SyncError } from './SyncError.js';

/**
 * Raised by {@link clock} when its source fails or stays silent: the first sample failed or did
 * not come within `sampleTimeout`, or no sample succeeded for `maxSampleAge`.
 *
 * @remarks
 * `cause` holds the last failure: the source's own error (a `BackendUnavailableError`, an NTP
 * reply rejected as unsynchronized, ...) or RxJS's `TimeoutError` for a silent source. The same
 * call may succeed later, so `transient` is `true`: resubscribe, or `retry()`.
 *
 * @example
 * ```ts
 * import { clock, ClockSourceError, localClock } from 'rx-sync';
 *
 * clock(localClock()).subscribe({
 *   error: (error: unknown) => {
 *     if (error instanceof ClockSourceError) console.log(`${error.source}: ${error.message}`);
 *   },
 * }).unsubscribe();
 * ```
 */
export class ClockSourceError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_CLOCK_SOURCE';
  readonly code = ClockSourceError.code;
  override readonly name = 'ClockSourceError';
  readonly transient = true;

  /**
   * @param source - The clock source's name (`ntp`, `redis`, ...).
   * @param detail - What went wrong, naming the option to change.
   */
  constructor(
    readonly source: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`Clock source "${source}" ${detail}${causeText(options)}`, options);
  }
}

function causeText(options: ErrorOptions | undefined): string {
  return options?.cause instanceof Error ? ` Cause: ${options.cause.message}` : '';
}
