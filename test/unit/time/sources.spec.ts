import { firstValueFrom, of, throwError } from 'rxjs';
import {
  backendClock,
  BackendUnavailableError,
  clock,
  ClockSourceError,
  createClock,
  localClock,
  SyncError,
  type SyncBackend,
} from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';

describe('localClock', () => {
  it('is one frozen source named "local" whose samples read the local clock exactly', async () => {
    expect(localClock()).toBe(localClock());
    expect(Object.isFrozen(localClock())).toBe(true);
    const sample = await firstValueFrom(localClock().sample());
    expect(sample).toEqual({
      sentAt: sample.sentAt,
      receivedAt: sample.sentAt,
      remoteTime: sample.sentAt,
      roundTrip: 0,
      error: 0,
    });
  });
});

describe('backendClock', () => {
  it('is named after the backend; the memory backend is exact (resolution 0)', async () => {
    const source = backendClock(createMemoryBackend());
    expect(source.name).toBe('memory');
    const sample = await firstValueFrom(source.sample());
    expect(sample.error).toBe(0);
    expect(sample.roundTrip).toBe(sample.receivedAt - sample.sentAt);
    expect(sample.remoteTime).toBeGreaterThanOrEqual(sample.sentAt);
    expect(sample.remoteTime).toBeLessThanOrEqual(sample.receivedAt);
  });

  it('takes the resolution of other backends as 1 ms (error 1.5 ms) unless told', async () => {
    const redisLike: SyncBackend = { ...createMemoryBackend(), name: 'redis', now: () => of(1_700_000_000_000) };
    expect((await firstValueFrom(backendClock(redisLike).sample())).error).toBe(1.5);
    expect((await firstValueFrom(backendClock(redisLike, { resolution: 0.001 }).sample())).error).toBeCloseTo(0.0015);
    expect((await firstValueFrom(backendClock(redisLike, { resolution: 0 }).sample())).remoteTime).toBe(
      1_700_000_000_000,
    );
  });

  it('fails the sample with the backend error', async () => {
    const down: SyncBackend = {
      ...createMemoryBackend(),
      name: 'redis',
      now: () => throwError(() => new BackendUnavailableError('redis', 'now')),
    };
    await expect(firstValueFrom(backendClock(down).sample())).rejects.toBeInstanceOf(BackendUnavailableError);
    const error = await firstValueFrom(clock(backendClock(down))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClockSourceError);
    expect((error as ClockSourceError).cause).toBeInstanceOf(BackendUnavailableError);
    expect((error as ClockSourceError).source).toBe('redis');
  });

  it('validates at call time', () => {
    expect(() => backendClock({} as SyncBackend)).toThrow(TypeError);
    const { now: _now, ...withoutNow } = createMemoryBackend();
    expect(() => backendClock(withoutNow as Omit<SyncBackend, 'now'> as SyncBackend)).toThrow(
      new TypeError('Expected `backend` to be a SyncBackend with a `now()` method.'),
    );
    expect(() => backendClock(createMemoryBackend(), { resolution: -1 })).toThrow(RangeError);
    expect(() => backendClock(createMemoryBackend(), 'fast' as never)).toThrow(TypeError);
  });
});

describe('clock and createClock validation', () => {
  it.each([null, undefined, {}, { name: 'x' }, { name: '', sample: () => of() }, { name: 3, sample: () => of() }])(
    'throws TypeError for the source %p',
    (source) => {
      expect(() => clock(source as never)).toThrow(TypeError);
      expect(() => createClock(source as never)).toThrow(TypeError);
    },
  );

  it('throws RangeError for a bad option, at call time', () => {
    expect(() => clock(localClock(), { refreshInterval: -1 })).toThrow(RangeError);
    expect(() => createClock(localClock(), { slewRate: 0 })).toThrow(RangeError);
  });
});

describe('ClockSourceError', () => {
  it('is a transient SyncError naming the source, with the cause in its message', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new ClockSourceError(
      'ntp',
      'did not answer within 5000 ms; check the source, or raise "sampleTimeout".',
      {
        cause,
      },
    );
    expect(error).toBeInstanceOf(SyncError);
    expect(error.name).toBe('ClockSourceError');
    expect(error.transient).toBe(true);
    expect(error.source).toBe('ntp');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      'Clock source "ntp" did not answer within 5000 ms; check the source, or raise "sampleTimeout". Cause: ECONNREFUSED',
    );
    expect(new ClockSourceError('x', 'went away.').message).toBe('Clock source "x" went away.');
  });
});
