import { defer, map } from 'rxjs';
import type { SyncBackend } from '../backend.js';
import { assertBackend } from '../internal/assertBackend.js';
import { schedulerNow } from '../internal/clock.js';
import { assertDuration, assertOptionsObject, optionNames } from '../internal/validate.js';
import type { ClockSample, ClockSource } from './ClockSource.js';

/** Options of {@link backendClock}. */
export interface BackendClockOptions {
  /**
   * Granularity of the backend's clock answers, in milliseconds: the Redis backend reads `TIME`
   * and answers whole milliseconds, the memory backend reads the scheduler clock exactly. Each
   * sample's `error` is `1.5 × resolution` (the remote reading and both local instants are
   * truncated to it). @defaultValue `0` for the memory backend, `1` for every other
   */
  readonly resolution?: number;
}

/** The names of {@link BackendClockOptions}: any other key is refused. */
const BACKEND_CLOCK_OPTION_NAMES = optionNames<BackendClockOptions>({ resolution: true });

/**
 * The clock of a backend as a {@link ClockSource}: Redis `TIME` on the Redis backend (the clock
 * that every node of a deployment already shares), the scheduler clock on the memory backend.
 *
 * @remarks
 * Each sample is one `backend.now()` request. The local clock is read just before the request and
 * just after its answer, and the backend's answer is taken to be read at the midpoint of that
 * round trip, so the offset estimate is off by at most half the round trip (plus the resolution)
 * whatever the asymmetry of the network. The source is named after the backend (`redis`,
 * `memory`). A backend error (`BackendUnavailableError`) fails the sample.
 *
 * @example
 * ```ts
 * import { backendClock, clock } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * // With createRedisBackend({ client }) instead, this reads Redis TIME.
 * const subscription = clock(backendClock(createMemoryBackend())).subscribe((reading) =>
 *   console.log(`${reading.source}: offset ${reading.offset} ms ± ${reading.uncertainty} ms`),
 * );
 * subscription.unsubscribe();
 * ```
 *
 * @param backend - The backend whose `now()` to read.
 * @param options - See {@link BackendClockOptions}.
 * @returns A clock source named after the backend.
 * @throws TypeError or RangeError, at call time, for a bad backend or option.
 * @see {@link clock} to read it.
 */
export function backendClock(backend: SyncBackend, options?: BackendClockOptions): ClockSource {
  assertBackend(backend);
  if (typeof (backend as Partial<SyncBackend>).now !== 'function') {
    throw new TypeError('Expected `backend` to be a SyncBackend with a `now()` method.');
  }
  assertOptionsObject(options, { names: BACKEND_CLOCK_OPTION_NAMES, caller: 'backendClock' });
  const resolution = options?.resolution === undefined ? (backend.name === 'memory' ? 0 : 1) : options.resolution;
  assertDuration(resolution, 'resolution');
  const error = 1.5 * resolution;
  return Object.freeze({
    name: backend.name,
    sample: () =>
      defer(() => {
        const sentAt = schedulerNow();
        return backend.now().pipe(
          map((remoteTime): ClockSample => {
            const receivedAt = schedulerNow();
            return { sentAt, receivedAt, remoteTime, roundTrip: receivedAt - sentAt, error };
          }),
        );
      }),
  });
}
