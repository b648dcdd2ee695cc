import { assertOptionsObject, assertPositiveDuration, optionNames, show } from '../../internal/validate.js';

/** Options of {@link ntpClock}. Every duration is in milliseconds. */
export interface NtpClockOptions {
  /**
   * NTP servers, each `host` or `host:port` (port 123 by default): a name or an IPv4 address
   * (ntp-time-sync speaks UDP over IPv4 only). @defaultValue `['0.pool.ntp.org', '1.pool.ntp.org', '2.pool.ntp.org', '3.pool.ntp.org']`
   */
  readonly servers?: readonly string[];
  /**
   * Requests sent to each server per sample, one after the other; the reply with the smallest
   * round trip of all servers makes the sample (NTP's minimum-delay filter). A server that lets a
   * request time out gets no more requests in that sample. From 1 to 16. @defaultValue 3
   */
  readonly requestsPerServer?: number;
  /**
   * A request without a reply after this long fails. Keep `replyTimeout × requestsPerServer` below
   * the clock's `sampleTimeout`. @defaultValue 1_000
   */
  readonly replyTimeout?: number;
}

/** The names of {@link NtpClockOptions}: any other key is refused. */
const NTP_CLOCK_OPTION_NAMES = optionNames<NtpClockOptions>({
  servers: true,
  requestsPerServer: true,
  replyTimeout: true,
});

/** One NTP server to ask. */
export interface NtpServer {
  readonly host: string;
  readonly port: number;
}

/** NTP clock options with every default applied and every rule checked. */
export interface NtpClockSettings {
  readonly servers: readonly NtpServer[];
  readonly requestsPerServer: number;
  readonly replyTimeout: number;
}

/** Defaults of {@link NtpClockOptions}. */
export const DEFAULT_NTP_CLOCK_OPTIONS = Object.freeze({
  servers: Object.freeze(['0.pool.ntp.org', '1.pool.ntp.org', '2.pool.ntp.org', '3.pool.ntp.org']),
  requestsPerServer: 3,
  replyTimeout: 1_000,
});

/**
 * Applies defaults to {@link NtpClockOptions} and checks every value; throws `TypeError` or
 * `RangeError` naming the option (an unknown key as one of `ntpClock`'s).
 */
export function resolveNtpClockOptions(options: NtpClockOptions | undefined): NtpClockSettings {
  assertOptionsObject(options, { names: NTP_CLOCK_OPTION_NAMES, caller: 'ntpClock' });
  const {
    servers = DEFAULT_NTP_CLOCK_OPTIONS.servers,
    requestsPerServer = DEFAULT_NTP_CLOCK_OPTIONS.requestsPerServer,
    replyTimeout = DEFAULT_NTP_CLOCK_OPTIONS.replyTimeout,
  } = options ?? {};
  if (!Array.isArray(servers) || servers.length === 0) {
    throw new TypeError('Expected `servers` to be a non-empty array of "host" or "host:port" strings.');
  }
  if (!Number.isInteger(requestsPerServer) || requestsPerServer < 1 || requestsPerServer > 16) {
    throw new RangeError(
      `Expected \`requestsPerServer\` to be an integer from 1 to 16, got ${String(requestsPerServer)}.`,
    );
  }
  assertPositiveDuration(replyTimeout, 'replyTimeout');
  return Object.freeze({
    servers: Object.freeze(servers.map((server: unknown, index) => parseServer(server, `servers[${index}]`))),
    requestsPerServer,
    replyTimeout,
  });
}

function parseServer(value: unknown, what: string): NtpServer {
  const match = typeof value === 'string' ? /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value) : null;
  const host = match?.[1];
  const port = match?.[2] === undefined ? 123 : Number(match[2]);
  if (host === undefined || port < 1 || port > 65_535) {
    throw new TypeError(
      `Expected \`${what}\` to be "host" or "host:port" (a name or an IPv4 address, port 1 to 65535), got ${show(value)}.`,
    );
  }
  return Object.freeze({ host, port });
}
