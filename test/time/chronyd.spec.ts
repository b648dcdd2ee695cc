import { firstValueFrom, take, toArray } from 'rxjs';
import { clock, createClock } from 'rx-sync';
import { ntpClock } from 'rx-sync/ntp';
import { startChronyd, type Chronyd } from '../support/chronyd';
import { summarize, toReadingData } from '../support/clockHelpers';

/**
 * ntpClock against a real chronyd serving NTP on 127.0.0.1 from this machine's clock (`local
 * stratum 8`, `-x`: it never touches the clock). chronyd and Date.now() read the same clock, so
 * the true offset is 0: every reading must be within its uncertainty of 0.
 */
describe('ntpClock against chronyd', () => {
  let chronyd: Chronyd | undefined;
  const measurements: string[] = [];

  beforeAll(async () => {
    chronyd = await startChronyd();
  });

  afterAll(async () => {
    await chronyd?.stop();
    console.log(`chronyd measurements (true offset 0):\n${measurements.join('\n')}`);
  });

  it('measures an offset of 0 within the reading uncertainty', async () => {
    const list = await firstValueFrom(
      clock(ntpClock({ servers: [chronyd!.server] }), { refreshInterval: 20 }).pipe(
        toReadingData(),
        take(20),
        toArray(),
      ),
    );
    measurements.push(summarize('chronyd', list));
    for (const reading of list) {
      expect(reading.source).toBe('ntp');
      expect(Math.abs(reading.sampleOffset)).toBeLessThanOrEqual(reading.uncertainty);
      expect(Math.abs(reading.offset)).toBeLessThanOrEqual(reading.uncertainty);
      expect(reading.uncertainty).toBeLessThan(200); // loopback: a few ms
    }
  });

  it('answers now() through the Promise facade', async () => {
    const t = createClock(ntpClock({ servers: [chronyd!.server] }));
    const reading = await t.read();
    // Bracket the call with the local clock: on a loaded machine the await itself takes time.
    const before = Date.now();
    const now = await t.now();
    const after = Date.now();
    expect(now).toBeGreaterThanOrEqual(before - reading.uncertainty - 1);
    expect(now).toBeLessThanOrEqual(after + reading.uncertainty + 1);
    measurements.push(summarize('chronyd via createClock', [{ ...reading }]));
  });
});
