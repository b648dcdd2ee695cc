import { DEFAULT_NTP_CLOCK_OPTIONS, ntpClock } from 'rx-sync/ntp';
import { resolveNtpClockOptions } from '../../../src/time/ntp/ntpClockOptions';

describe('resolveNtpClockOptions', () => {
  it('applies the documented defaults: the pool, 3 requests per server, 1 s per reply', () => {
    expect(resolveNtpClockOptions(undefined)).toEqual({
      servers: [0, 1, 2, 3].map((n) => ({ host: `${n}.pool.ntp.org`, port: 123 })),
      requestsPerServer: 3,
      replyTimeout: 1_000,
    });
    expect(Object.isFrozen(DEFAULT_NTP_CLOCK_OPTIONS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_NTP_CLOCK_OPTIONS.servers)).toBe(true);
  });

  it('parses "host" and "host:port"', () => {
    const settings = resolveNtpClockOptions({ servers: ['127.0.0.1:11123', 'time.example.org'] });
    expect(settings.servers).toEqual([
      { host: '127.0.0.1', port: 11_123 },
      { host: 'time.example.org', port: 123 },
    ]);
    expect(Object.isFrozen(settings)).toBe(true);
    expect(Object.isFrozen(settings.servers)).toBe(true);
  });

  it.each([[[]], ['pool.ntp.org']])('throws TypeError for servers %j', (servers) => {
    expect(() => resolveNtpClockOptions({ servers: servers as never })).toThrow(
      new TypeError('Expected `servers` to be a non-empty array of "host" or "host:port" strings.'),
    );
  });

  it.each(['', 'host:', 'host:0', 'host:65536', '::1', '[::1]:123', 'a b', 'host:12:13', 42])(
    'throws TypeError for the server %j',
    (server) => {
      expect(() => resolveNtpClockOptions({ servers: ['ok.example', server as string] })).toThrow(TypeError);
      expect(() => resolveNtpClockOptions({ servers: ['ok.example', server as string] })).toThrow(
        'Expected `servers[1]` to be "host" or "host:port"',
      );
    },
  );

  it.each([0, 17, 1.5, Number.NaN])('throws RangeError for requestsPerServer %p', (requestsPerServer) => {
    expect(() => resolveNtpClockOptions({ requestsPerServer })).toThrow(RangeError);
    expect(() => resolveNtpClockOptions({ requestsPerServer })).toThrow(
      'Expected `requestsPerServer` to be an integer from 1 to 16',
    );
  });

  it('throws RangeError for a bad replyTimeout', () => {
    expect(() => resolveNtpClockOptions({ replyTimeout: 0 })).toThrow(
      'Expected `replyTimeout` to be a positive number of milliseconds',
    );
  });

  it('validates when ntpClock is called, before any request', () => {
    expect(() => ntpClock({ servers: ['bad host'] })).toThrow(TypeError);
    const source = ntpClock({ servers: ['127.0.0.1:9'] });
    expect(source.name).toBe('ntp');
    expect(Object.isFrozen(source)).toBe(true);
  });
});
