import { firstValueFrom, take, timeout, toArray } from 'rxjs';
import { backendClock, clock } from 'rx-sync';
import type { RedisBackend } from 'rx-sync/redis';
import { summarize, toReadingData } from '../../support/clockHelpers.js';

/** The largest uncertainty taken as plausible for a clock read over 127.0.0.1 (a round trip of ~200 ms). */
const PLAUSIBLE_UNCERTAINTY = 100;

/**
 * Reads the topology's clock through `clock(backendClock(backend))` and `backend.now()`, and checks
 * that it agrees with the local clock: Redis `TIME` and `Date.now()` read the same clock here (every
 * server runs on 127.0.0.1), so the true offset is 0, and each reading must say so within its
 * uncertainty. Returns a line describing the readings.
 */
export async function checkBackendClock(backend: RedisBackend, label: string): Promise<string> {
  const readings = await firstValueFrom(
    clock(backendClock(backend), { refreshInterval: 20 }).pipe(toReadingData(), take(5), toArray(), timeout(10_000)),
  );
  for (const reading of readings) {
    expect(reading.source).toBe('redis');
    expect(reading.failures).toBe(0);
    expect(Math.abs(reading.sampleOffset)).toBeLessThanOrEqual(reading.uncertainty);
    expect(Math.abs(reading.offset)).toBeLessThanOrEqual(reading.uncertainty);
    expect(reading.uncertainty).toBeGreaterThanOrEqual(1.5); // TIME in whole ms: the resolution is counted
    expect(reading.uncertainty).toBeLessThan(PLAUSIBLE_UNCERTAINTY);
  }
  // backend.now(), bracketed by the local clock (the server's answer is truncated to whole ms).
  const before = Date.now();
  const serverNow = await firstValueFrom(backend.now().pipe(timeout(10_000)));
  const after = Date.now();
  expect(serverNow).toBeGreaterThanOrEqual(before - 1);
  expect(serverNow).toBeLessThanOrEqual(after + 1);
  return `${summarize(label, readings)}; now() ${serverNow - before} ms after the local clock's ${before} (call took ${after - before} ms)`;
}
