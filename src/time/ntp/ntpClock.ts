import { NtpTimeSync } from 'ntp-time-sync';
import {
  catchError,
  concatMap,
  defer,
  forkJoin,
  map,
  of,
  range,
  takeWhile,
  timeout,
  TimeoutError,
  toArray,
  type Observable,
} from 'rxjs';
import { ClockSourceError } from '../../errors/ClockSourceError.js';
import type { ClockSample, ClockSource } from '../ClockSource.js';
import { resolveNtpClockOptions, type NtpClockOptions, type NtpServer } from './ntpClockOptions.js';

/** A reply as ntp-time-sync parses it (its type is not exported). */
type NtpReply = Awaited<ReturnType<NtpTimeSync['getNetworkTime']>>;

/** What one request gave: a sample, or why not. */
type RequestResult =
  | { readonly ok: true; readonly sample: ClockSample }
  | { readonly ok: false; readonly reason: string; readonly silent: boolean };

/**
 * Every timestamp ntp-time-sync hands over is a `Date`, truncated to the millisecond; the four of
 * an exchange put the offset estimate within 1 ms and half the delay estimate within 1 ms.
 */
const TIMESTAMP_ERROR = 2;
/** RFC 5905's MAXDISP: a server whose root distance reaches 16 s is not synchronized. */
const MAX_ROOT_DISTANCE = 16_000;
/** The start of the NTP era (1900-01-01) in Unix milliseconds: ntp-time-sync gives root delay and dispersion as Dates from it. */
const NTP_EPOCH = Date.UTC(1900, 0, 1);

/**
 * An NTP client as a {@link ClockSource}, on the ntp-time-sync package (an optional peer
 * dependency: install it to use `rx-sync/ntp`).
 *
 * @remarks
 * Each sample sends `requestsPerServer` requests to every server (servers in parallel, requests
 * to one server one after the other) and keeps the reply with the smallest round trip, whose
 * offset estimate, `((T2 - T1) + (T3 - T4)) / 2`, is off by at most half its delay. A reply
 * counts only if it is a server reply (mode 4) from a synchronized server (leap indicator not 3,
 * stratum 1 to 15, root distance below 16 s) with consistent timestamps; a kiss-o'-death (stratum
 * 0, such as `RATE`) is refused with its code. The sample's `error` is 2 ms (the library's
 * millisecond timestamps) plus the server's root distance (root delay / 2 + root dispersion), so
 * the uncertainty holds against true time, not just against the server. The sample fails when no
 * server gives a usable reply.
 *
 * ntp-time-sync is used through one `new NtpTimeSync(...)` per source and its one-request method
 * only: not `getInstance()` (a process-wide singleton that ignores later options), not `getTime()`
 * or `now()` (a cache shared by every instance in the process, an offset formula that answers
 * minus half the round trip whenever the offset is smaller than the one-way delay, and a retry loop
 * that never ends when servers fall silent after some replies).
 * Each request closes its socket by itself after `replyTimeout`; unsubscribing abandons it.
 *
 * @example
 * ```ts
 * import { clock } from 'rx-sync';
 * import { ntpClock } from 'rx-sync/ntp';
 *
 * const subscription = clock(ntpClock({ servers: ['time.cloudflare.com', 'pool.ntp.org:123'] })).subscribe({
 *   next: (reading) => console.log(`offset ${reading.offset} ms ± ${reading.uncertainty} ms`),
 *   error: (error: unknown) => console.error(error),
 * });
 * subscription.unsubscribe();
 * ```
 *
 * @param options - Servers and request timing; see {@link NtpClockOptions}.
 * @returns A clock source named `ntp`.
 * @throws TypeError or RangeError, at call time, for a bad option.
 * @see {@link clock} to read it.
 */
export function ntpClock(options?: NtpClockOptions): ClockSource {
  const settings = resolveNtpClockOptions(options);
  const { servers, requestsPerServer, replyTimeout } = settings;
  let client: NtpTimeSync | undefined;

  const request = (server: NtpServer): Observable<RequestResult> =>
    defer(() => {
      client ??= new NtpTimeSync({ servers: servers.map(({ host, port }) => `${host}:${port}`), replyTimeout });
      return client.getNetworkTime(server.host, server.port);
    }).pipe(
      // ntp-time-sync times out by itself; this bound holds even if it did not.
      timeout({ first: replyTimeout + 100 }),
      map((reply): RequestResult => toSample(reply, replyTimeout)),
      catchError((error: unknown) =>
        of<RequestResult>({
          ok: false,
          reason: error instanceof Error ? error.message : String(error),
          silent: error instanceof TimeoutError || (error instanceof Error && /timeout/i.test(error.message)),
        }),
      ),
    );

  const askServer = (server: NtpServer): Observable<RequestResult[]> =>
    range(0, requestsPerServer).pipe(
      concatMap(() => request(server)),
      takeWhile((result) => result.ok || !result.silent, true), // a silent server gets no more requests
      toArray(),
    );

  return Object.freeze({
    name: 'ntp',
    sample: () =>
      forkJoin(servers.map(askServer)).pipe(
        map((perServer) => {
          let best: ClockSample | undefined;
          const reasons: string[] = [];
          perServer.forEach((results, index) => {
            for (const result of results) {
              if (result.ok) {
                if (best === undefined || result.sample.roundTrip < best.roundTrip) best = result.sample;
              } else {
                const { host, port } = servers[index] ?? { host: '?', port: 0 };
                reasons.push(`${host}:${port}: ${result.reason}`);
              }
            }
          });
          if (best === undefined) {
            throw new ClockSourceError(
              'ntp',
              `had no usable reply from any server (${[...new Set(reasons)].join('; ')}); check "servers", or raise "replyTimeout".`,
            );
          }
          return best;
        }),
      ),
  });
}

/** Checks one reply and turns it into a sample; throws with the reason it is refused. */
function toSample(reply: NtpReply, replyTimeout: number): RequestResult {
  const { mode, version, leapIndicator, stratum, referenceId } = reply;
  const t1 = reply.originTimestamp?.getTime();
  const t2 = reply.receiveTimestamp?.getTime();
  const t3 = reply.transmitTimestamp?.getTime();
  const t4 = reply.destinationTimestamp.getTime();
  const refuse = (reason: string): RequestResult => ({ ok: false, reason, silent: false });
  if (mode !== 4) return refuse(`not a server reply (mode ${String(mode)})`);
  if (version === undefined || version < 1 || version > 4) return refuse(`unsupported NTP version ${String(version)}`);
  if (stratum === 0) return refuse(`kiss-o'-death ${kissCode(referenceId)}`);
  if (leapIndicator === 3 || stratum === undefined || stratum >= 16) {
    return refuse('the server is not synchronized (leap indicator 3 or stratum 16)');
  }
  if (t1 === undefined || t2 === undefined || t3 === undefined || ![t1, t2, t3, t4].every(Number.isFinite)) {
    return refuse('a timestamp is missing');
  }
  if (t4 < t1 || t4 - t1 > replyTimeout + 1_000 || t3 < t2) {
    return refuse('the timestamps are inconsistent (a stale, reordered or forged reply)');
  }
  const rootDelay = (reply.rootDelay?.getTime() ?? NTP_EPOCH) - NTP_EPOCH;
  const rootDispersion = (reply.rootDispersion?.getTime() ?? NTP_EPOCH) - NTP_EPOCH;
  const rootDistance = rootDelay / 2 + rootDispersion;
  if (!(rootDistance >= 0 && rootDistance < MAX_ROOT_DISTANCE)) {
    return refuse(`the server's root distance (${rootDistance} ms) is too large`);
  }
  return {
    ok: true,
    sample: {
      sentAt: t1,
      receivedAt: t4,
      remoteTime: (t2 + t3) / 2,
      roundTrip: Math.max(0, t4 - t1 - (t3 - t2)),
      error: TIMESTAMP_ERROR + rootDistance,
    },
  };
}

/** The four ASCII letters of a kiss code (`RATE`, `DENY`, ...), which ntp-time-sync gives as a decimal string. */
function kissCode(referenceId: string | undefined): string {
  const value = Number(referenceId);
  if (!Number.isInteger(value)) return String(referenceId);
  const code = [24, 16, 8, 0].map((shift) => String.fromCharCode((value >>> shift) & 0xff)).join('');
  return /^[A-Z]{1,4}\0*$/.test(code) ? code.replace(/\0+$/, '') : String(referenceId);
}
