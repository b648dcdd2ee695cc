import { map, NEVER, of, throwError, timer } from 'rxjs';
import { ClockSourceError, createClock } from 'rx-sync';
import { scriptedSource } from '../../support/clockHelpers';

// Jest's fake timers also fake Date, and so the RxJS scheduler clock that rx-sync reads.
const START = 1_700_000_000_000;

describe('createClock', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: START });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('answers from the cached offset, sampling only when the last sample is older than refreshInterval', async () => {
    const source = scriptedSource([of(100)]);
    const t = createClock(source, { refreshInterval: 1_000 });
    expect(t.source).toBe('scripted');
    expect(source.calls).toBe(0); // nothing before the first call
    expect(await t.now()).toBe(START + 100);
    jest.advanceTimersByTime(500);
    expect(await t.now()).toBe(START + 600);
    expect(source.calls).toBe(1);
    jest.advanceTimersByTime(600);
    expect(await t.now()).toBe(START + 1_200);
    expect(source.calls).toBe(2);
    expect(jest.getTimerCount()).toBe(0); // nothing runs in the background
  });

  it('shares one sample among concurrent calls', async () => {
    const source = scriptedSource([timer(10).pipe(map(() => 100))]);
    const t = createClock(source);
    const answers = Promise.all([t.now(), t.read(), t.now()]);
    await jest.advanceTimersByTimeAsync(10);
    const [a, reading, b] = await answers;
    expect(source.calls).toBe(1);
    expect(reading).toMatchObject({ offset: 100, roundTrip: 10, source: 'scripted', failures: 0 });
    expect(reading.uncertainty).toBeCloseTo(5 + 0.0001 * 5);
    expect(a).toBe(START + 110);
    expect(b).toBe(START + 110);
  });

  it('rejects with ClockSourceError when the source fails and there is no sample, and tries again on the next call', async () => {
    const source = scriptedSource([throwError(() => new Error('down')), of(0)]);
    const t = createClock(source);
    const error = await t.now().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClockSourceError);
    expect((error as ClockSourceError).cause).toEqual(new Error('down'));
    expect(await t.now()).toBe(START);
    expect(source.calls).toBe(2);
  });

  it('rejects after sampleTimeout when the source is silent', async () => {
    const t = createClock(scriptedSource([NEVER]), { sampleTimeout: 50 });
    const answer = t.now().catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(50);
    const error = await answer;
    expect(error).toBeInstanceOf(ClockSourceError);
    expect((error as Error).message).toContain('did not answer within 50 ms');
    expect((error as ClockSourceError).cause).toMatchObject({ name: 'TimeoutError' });
  });

  it('answers from the last good sample while samples fail, with failures and a growing uncertainty', async () => {
    const source = scriptedSource([of(0), throwError(() => new Error('blip')), of(0)]);
    const t = createClock(source, { refreshInterval: 1_000, retryDelay: 200, driftRate: 0.001 });
    await t.now();
    jest.advanceTimersByTime(1_000);
    const failed = await t.read();
    expect(failed).toMatchObject({ time: START + 1_000, failures: 1, sampledAt: START });
    expect(failed.uncertainty).toBeCloseTo(1);
    jest.advanceTimersByTime(100);
    expect(await t.read()).toMatchObject({ failures: 1 }); // within retryDelay: no new request
    expect(source.calls).toBe(2);
    jest.advanceTimersByTime(100);
    expect(await t.read()).toMatchObject({ failures: 0, sampledAt: START + 1_200, uncertainty: 0 });
    expect(source.calls).toBe(3);
  });

  it('rejects once the last good sample is older than maxSampleAge', async () => {
    const source = scriptedSource([of(0), throwError(() => new Error('gone'))]);
    const t = createClock(source, { refreshInterval: 100, sampleTimeout: 50, maxSampleAge: 200 });
    await t.now();
    jest.advanceTimersByTime(150);
    expect(await t.read()).toMatchObject({ failures: 1 });
    jest.advanceTimersByTime(100);
    const error = await t.now().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClockSourceError);
    expect((error as Error).message).toContain(
      'has had no good sample for 200 ms (2 failed since); check the source, or raise "maxSampleAge".',
    );
    expect((error as ClockSourceError).cause).toBeInstanceOf(ClockSourceError);
  });

  it('never goes backwards: a backward correction is slewed in', async () => {
    const source = scriptedSource([of(100), of(0)]);
    const t = createClock(source, { refreshInterval: 100, slewRate: 0.5, driftRate: 0 });
    const t1 = await t.now();
    jest.advanceTimersByTime(100);
    const r2 = await t.read();
    jest.advanceTimersByTime(100);
    const t3 = await t.now();
    expect(t1).toBe(START + 100);
    expect(r2).toMatchObject({ time: START + 200, offset: 100, sampleOffset: 0, uncertainty: 100 });
    expect(t3 - r2.time).toBe(50); // 100 ms of local time at half speed
  });
});
