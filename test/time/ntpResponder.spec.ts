import { NtpTimeSync } from 'ntp-time-sync';
import { firstValueFrom, map, take, toArray } from 'rxjs';
import { clock, ClockSourceError, createClock, type ClockReading } from 'rx-sync';
import { ntpClock } from 'rx-sync/ntp';
import { describeError, summarize, toReadingData, type ReadingData } from '../support/clockHelpers';
import { startNtpResponder, type NtpResponder } from '../support/ntpResponder';

/**
 * ntpClock against a small NTP server written for the tests (test/support/ntpResponder.ts), on
 * 127.0.0.1, whose clock offset and path delays are set by each test. Real time, real UDP; no
 * assertion on how long anything takes.
 */

const measurements: string[] = [];
const responders: NtpResponder[] = [];

async function responder(behaviour: Parameters<typeof startNtpResponder>[0] = {}): Promise<NtpResponder> {
  const started = await startNtpResponder(behaviour);
  responders.push(started);
  return started;
}

/** The first `count` readings of a fast-refreshing clock on `servers`. */
function readings(servers: string[], count: number, replyTimeout = 500): Promise<ReadingData[]> {
  return firstValueFrom(
    clock(ntpClock({ servers, replyTimeout }), { refreshInterval: 20, driftRate: 0.0001 }).pipe(
      toReadingData(),
      take(count),
      toArray(),
    ),
  );
}

/** Every reading agrees with the true offset within its uncertainty. */
function expectWithin(list: readonly ReadingData[], trueOffset: number): void {
  for (const reading of list) {
    expect(Math.abs(reading.sampleOffset - trueOffset)).toBeLessThanOrEqual(reading.uncertainty);
    expect(Math.abs(reading.offset - trueOffset)).toBeLessThanOrEqual(reading.uncertainty);
  }
}

afterEach(async () => {
  await Promise.all(responders.splice(0).map((r) => r.close()));
});

afterAll(() => {
  console.log(`NTP responder measurements (true offset known):\n${measurements.join('\n')}`);
});

describe('ntpClock against a controlled NTP responder', () => {
  it.each([
    ['+5 s', 5_000],
    ['-3 s', -3_000],
    ['0', 0],
  ])('measures an offset of %s within its uncertainty', async (label, offset) => {
    const server = await responder({ offset });
    const list = await readings([server.server], 5);
    measurements.push(summarize(`offset ${label} (symmetric)`, list));
    expectWithin(list, offset);
    for (const reading of list) {
      expect(reading.source).toBe('ntp');
      expect(reading.uncertainty).toBeLessThan(200); // loopback: a few ms, not a guess
    }
  });

  it('stays within its uncertainty when the paths are asymmetric, and says how far off it may be', async () => {
    const slowRequest = await responder({ offset: 5_000, requestDelay: 40 });
    const slow = await readings([slowRequest.server], 3);
    measurements.push(summarize('offset +5 s, request path +40 ms', slow));
    expectWithin(slow, 5_000);
    for (const reading of slow) {
      expect(reading.roundTrip).toBeGreaterThanOrEqual(39);
      // NTP cannot see asymmetry: the estimate is ≈ 20 ms high, and the reading says so (± ≥ 20 ms).
      expect(reading.sampleOffset - 5_000).toBeGreaterThan(5);
      expect(reading.uncertainty).toBeGreaterThanOrEqual(20);
    }

    const slowReply = await responder({ offset: -3_000, replyDelay: 40 });
    const late = await readings([slowReply.server], 3);
    measurements.push(summarize('offset -3 s, reply path +40 ms', late));
    expectWithin(late, -3_000);
    for (const reading of late) expect(reading.sampleOffset + 3_000).toBeLessThan(-5);
  });

  it('keeps the reply with the smallest round trip across servers', async () => {
    const near = await responder({ offset: 5_000 });
    const far = await responder({ offset: -3_000, requestDelay: 30, replyDelay: 30 });
    const list = await readings([far.server, near.server], 3);
    measurements.push(summarize('two servers (+5 s near, -3 s 60 ms away)', list));
    expectWithin(list, 5_000);
    expect(far.requests).toBeGreaterThan(0);
  });

  it('never goes backwards when the source steps back from +5 s to -3 s: it slews', async () => {
    const server = await responder({ offset: 5_000 });
    const slewRate = 0.5;
    const time = clock(ntpClock({ servers: [server.server], replyTimeout: 500 }), { refreshInterval: 100, slewRate });
    const seen: ClockReading[] = [];
    const answers: number[] = [];
    const stepped = firstValueFrom(
      time.pipe(
        map((reading) => {
          seen.push(reading);
          answers.push(reading.now());
          if (seen.length === 2) server.behaviour.offset = -3_000; // the next samples say -3 s
          return reading;
        }),
        take(6),
        toArray(),
      ),
    );
    // Ask for the time as fast as the event loop allows while samples come in.
    const ask = setInterval(() => answers.push(seen[0]?.now() ?? -Infinity), 1);
    const list = await stepped.finally(() => clearInterval(ask));
    const data = list.map(({ now: _now, ...rest }) => rest);
    measurements.push(summarize('step +5 s → -3 s (slewing)', data));

    const asked = answers.filter(Number.isFinite);
    asked.slice(1).forEach((answer, i) => expect(answer).toBeGreaterThanOrEqual(asked[i]!));
    list.slice(1).forEach((reading, i) => expect(reading.time).toBeGreaterThanOrEqual(list[i]!.time));

    const after = list.slice(2);
    for (const reading of after) {
      expect(Math.abs(reading.sampleOffset + 3_000)).toBeLessThanOrEqual(reading.roundTrip / 2 + 3); // the new measurement
      expect(reading.offset).toBeGreaterThan(-3_000); // still slewing: 8 s take 16 s at slewRate 0.5
      expect(reading.uncertainty).toBeGreaterThanOrEqual(reading.offset - reading.sampleOffset); // the lag is counted
    }
    after.slice(1).forEach((reading, i) => {
      const previous = after[i]!;
      const fallen = previous.offset - reading.offset;
      expect(fallen).toBeGreaterThanOrEqual(0);
      expect(fallen).toBeLessThanOrEqual(slewRate * (reading.localTime - previous.localTime) + 1e-6);
    });
  });

  it('answers now() from the cached offset in the Promise facade', async () => {
    const server = await responder({ offset: 5_000 });
    const t = createClock(ntpClock({ servers: [server.server] }), { refreshInterval: 60_000 });
    const reading = await t.read();
    const requests = server.requests;
    // Bracket the call with the local clock: on a loaded machine the await itself takes time.
    const before = Date.now();
    const now = await t.now();
    const after = Date.now();
    expect(now).toBeGreaterThanOrEqual(before + 5_000 - reading.uncertainty - 1);
    expect(now).toBeLessThanOrEqual(after + 5_000 + reading.uncertainty + 1);
    expect(server.requests).toBe(requests); // no round trip per call
    measurements.push(summarize('createClock().read() at +5 s', [{ ...reading }]));
  });
});

describe('ntpClock failures', () => {
  it('refuses an unsynchronized server', async () => {
    const server = await responder({ leapIndicator: 3 });
    const error = await firstValueFrom(clock(ntpClock({ servers: [server.server] }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClockSourceError);
    expect((error as Error).message).toContain('not synchronized');
  });

  it("refuses a kiss-o'-death and names its code", async () => {
    const server = await responder({ stratum: 0, kissCode: 'RATE' });
    const error = await firstValueFrom(clock(ntpClock({ servers: [server.server] }))).catch((e: unknown) => e);
    expect(describeError(error)).toEqual({ error: 'ClockSourceError', source: 'ntp' });
    expect((error as Error).message).toContain("kiss-o'-death RATE");
  });

  it('errors with ClockSourceError when the server is silent, after replyTimeout, asking it once', async () => {
    const server = await responder({ silent: true });
    const error = await firstValueFrom(
      clock(ntpClock({ servers: [server.server], replyTimeout: 100, requestsPerServer: 3 }), { sampleTimeout: 2_000 }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClockSourceError);
    expect((error as Error).message).toMatch(/had no usable reply from any server .*Timeout/);
    expect(server.requests).toBe(1);
  });

  it('errors with ClockSourceError when the clock gives up first (sampleTimeout)', async () => {
    const server = await responder({ silent: true });
    const error = await firstValueFrom(
      clock(ntpClock({ servers: [server.server], replyTimeout: 300 }), { sampleTimeout: 100 }),
    ).catch((e: unknown) => e);
    expect(describeError(error)).toEqual({ error: 'ClockSourceError', source: 'ntp', cause: 'TimeoutError' });
  });

  it('does not hang when the server falls silent after some replies: uncertainty grows, then the stream errors', async () => {
    const server = await responder({ repliesLeft: 2 });
    const options = { refreshInterval: 50, retryDelay: 50, sampleTimeout: 400, maxSampleAge: 600, driftRate: 0.01 };
    const seen: ReadingData[] = [];
    const error = await firstValueFrom(
      clock(ntpClock({ servers: [server.server], replyTimeout: 100 }), options).pipe(
        toReadingData(),
        map((reading) => seen.push(reading)),
        toArray(),
      ),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClockSourceError);
    expect((error as Error).message).toContain('has had no good sample for 600 ms');
    expect(seen[0]?.failures).toBe(0);
    const failing = seen.filter((reading) => reading.failures > 0);
    expect(failing.length).toBeGreaterThan(0);
    failing.slice(1).forEach((reading, i) => expect(reading.uncertainty).toBeGreaterThan(failing[i]!.uncertainty));
    expect(failing[0]!.uncertainty).toBeGreaterThan(seen[0]!.uncertainty);
  });

  it("is not affected by ntp-time-sync's singleton or its process-wide cache", async () => {
    const ahead = await responder({ offset: 5_000 });
    const behind = await responder({ offset: -3_000 });
    // Another user of ntp-time-sync in the process fills its singleton and its shared cache with +5 s.
    const singleton = NtpTimeSync.getInstance({ servers: [ahead.server], sampleCount: 1, replyTimeout: 500 });
    const cached = await singleton.getTime();
    expect(Math.abs(cached.offset - 5_000)).toBeLessThan(50);
    expect(NtpTimeSync.getInstance({ servers: [behind.server] })).toBe(singleton); // later options ignored

    const [a, b] = await Promise.all([readings([behind.server], 2), readings([ahead.server], 2)]);
    expectWithin(a, -3_000);
    expectWithin(b, 5_000);
  });
});
