import { map, mergeMap, of, take, tap, throwError, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { backendClock, clock, ClockSourceError, localClock, type ClockReading, type ClockSource } from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';
import { errorAsData, reading, scriptedSource, toReadingData } from '../../support/clockHelpers';

describe('clock', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  describe('refresh', () => {
    it('emits a reading at once and one per refreshInterval (local source)', () => {
      scheduler.run(({ expectObservable }) => {
        const readings = clock(localClock(), { refreshInterval: 10 }).pipe(toReadingData());
        expectObservable(readings, '^ 24ms !').toBe('a 9ms b 9ms c', {
          a: reading({ time: 0, localTime: 0, source: 'local' }),
          b: reading({ time: 10, localTime: 10, source: 'local' }),
          c: reading({ time: 20, localTime: 20, source: 'local' }),
        });
      });
    });

    it('samples the memory backend in virtual time: offset 0, uncertainty 0', () => {
      scheduler.run(({ expectObservable }) => {
        const readings = clock(backendClock(createMemoryBackend()), { refreshInterval: 10 }).pipe(toReadingData());
        expectObservable(readings, '^ 14ms !').toBe('a 9ms b', {
          a: reading({ time: 0, localTime: 0, source: 'memory' }),
          b: reading({ time: 10, localTime: 10, source: 'memory' }),
        });
      });
    });

    it('subscribes each sample once and waits refreshInterval after its answer', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const answer = cold('--a|', { a: 0 });
        const readings = clock(scriptedSource([answer]), { refreshInterval: 10, driftRate: 0 }).pipe(toReadingData());
        expectObservable(readings, '^ 19ms !').toBe('--a 11ms b', {
          a: reading({ time: 2, localTime: 2, roundTrip: 2, uncertainty: 1, sampledAt: 2 }),
          b: reading({ time: 14, localTime: 14, roundTrip: 2, uncertainty: 1, sampledAt: 14 }),
        });
        expectSubscriptions(answer.subscriptions).toBe(['^-!', '12ms ^-!']);
      });
    });

    it('also emits a reading every tickInterval, its uncertainty growing with driftRate', () => {
      scheduler.run(({ expectObservable }) => {
        const readings = clock(localClock(), { refreshInterval: 10, tickInterval: 4, driftRate: 0.25 }).pipe(
          toReadingData(),
        );
        const at = (time: number, sampledAt: number) =>
          reading({ time, localTime: time, sampledAt, uncertainty: 0.25 * (time - sampledAt), source: 'local' });
        expectObservable(readings, '^ 20ms !').toBe('a 3ms b 3ms c 1ms d 3ms e 3ms f 1ms g', {
          a: at(0, 0),
          b: at(4, 0),
          c: at(8, 0),
          d: at(10, 10),
          e: at(14, 10),
          f: at(18, 10),
          g: at(20, 20),
        });
      });
    });
  });

  describe('sharing', () => {
    it('shares one sampler among subscribers and replays the latest reading to a late one', () => {
      const source = scriptedSource([of(0)]);
      scheduler.run(({ expectObservable }) => {
        const readings = clock(source, { refreshInterval: 10 }).pipe(toReadingData());
        const values = {
          a: reading({ time: 0, localTime: 0 }),
          b: reading({ time: 10, localTime: 10 }),
          c: reading({ time: 20, localTime: 20 }),
        };
        expectObservable(readings, '^ 24ms !').toBe('a 9ms b 9ms c', values);
        expectObservable(readings, '5ms ^ 9ms !').toBe('5ms a 4ms b', values);
      });
      expect(source.calls).toBe(3); // at 0, 10 and 20: not once per subscriber
    });

    it('stops the sampler when the last subscriber leaves, and starts it again on the next', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const answer = cold('-a|', { a: 0 });
        const readings = clock(scriptedSource([answer]), { refreshInterval: 10, driftRate: 0 }).pipe(toReadingData());
        const sample = (frame: number) =>
          reading({ time: frame, localTime: frame, roundTrip: 1, uncertainty: 0.5, sampledAt: frame });
        expectObservable(readings, '^ 14ms !').toBe('-a 10ms b', { a: sample(1), b: sample(12) });
        expectObservable(readings, '20ms ^ 4ms !').toBe('21ms a', { a: sample(21) });
        expectSubscriptions(answer.subscriptions).toBe(['^!', '11ms ^!', '20ms ^!']);
      });
    });

    it('does not break the unsubscription chain', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const answer = cold('---a|', { a: 0 });
        const readings = of(1).pipe(
          mergeMap(() => clock(scriptedSource([answer]), { refreshInterval: 10 })),
          map((value: ClockReading) => value.time),
        );
        expectObservable(readings, '^ 14ms !').toBe('---a', { a: 3 });
        expectSubscriptions(answer.subscriptions).toBe(['^--!', '13ms ^-!']);
      });
    });
  });

  describe('offset changes', () => {
    it('steps forward at once', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const source = scriptedSource([cold('(a|)', { a: 0 }), cold('(a|)', { a: 100 })]);
        const readings = clock(source, { refreshInterval: 10 }).pipe(toReadingData());
        expectObservable(readings, '^ 14ms !').toBe('a 9ms b', {
          a: reading({ time: 0, localTime: 0 }),
          b: reading({ time: 110, localTime: 10 }),
        });
      });
    });

    it('slews a backward correction in at 1 - slewRate of the local rate, counting the lag as uncertainty', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const source = scriptedSource([cold('(a|)', { a: 100 }), cold('(a|)', { a: 40 })]);
        const options = { refreshInterval: 100, tickInterval: 30, slewRate: 0.5, driftRate: 0 };
        const readings = clock(source, options).pipe(toReadingData());
        const first = (frame: number) => reading({ time: frame + 100, localTime: frame, sampledAt: 0 });
        const slewing = (frame: number, offset: number, sampledAt = 100) =>
          reading({ time: frame + offset, localTime: frame, sampleOffset: 40, uncertainty: offset - 40, sampledAt });
        expectObservable(readings, '^ 230ms !').toBe('a 29ms b 29ms c 29ms d 9ms e 29ms f 29ms g 29ms h 9ms i 29ms j', {
          a: first(0),
          b: first(30),
          c: first(60),
          d: first(90),
          e: slewing(100, 100), // the sample says 40: time goes on from 200, not back to 140
          f: slewing(130, 85),
          g: slewing(160, 70),
          h: slewing(190, 55),
          i: slewing(200, 50, 200), // a new sample (40 again) continues the slew from where it is
          j: slewing(230, 40, 200), // reached at 220: the clock runs at the local rate again
        });
      });
    });

    it('never lets now() go backwards, frame by frame, through a backward correction', () => {
      const times: number[] = [];
      scheduler.run(({ cold }) => {
        const source = scriptedSource([cold('(a|)', { a: 100 }), cold('(a|)', { a: 40 })]);
        let latest: ClockReading | undefined;
        const subscription = clock(source, { refreshInterval: 100, slewRate: 0.5 }).subscribe((r) => (latest = r));
        timer(0, 1)
          .pipe(take(250))
          .subscribe({
            next: () => times.push(latest!.now()),
            complete: () => subscription.unsubscribe(),
          });
      });
      expect(times).toHaveLength(250);
      const steps = times.slice(1).map((time, i) => time - times[i]!);
      expect(Math.min(...steps)).toBeGreaterThanOrEqual(0);
      expect(steps.slice(0, 100)).toEqual(Array.from({ length: 100 }, () => 1));
      expect(steps.slice(100, 220)).toEqual(Array.from({ length: 120 }, () => 0.5)); // slewing at half speed
      expect(steps.slice(220)).toEqual(Array.from({ length: 29 }, () => 1)); // caught up at 220
      expect(times[249]).toBe(249 + 40);
    });

    it('holds time still while slewing at slewRate 1', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const source = scriptedSource([cold('(a|)', { a: 100 }), cold('(a|)', { a: 40 })]);
        const readings = clock(source, { refreshInterval: 100, tickInterval: 30, slewRate: 1, driftRate: 0 }).pipe(
          map((r) => r.time),
        );
        expectObservable(readings, '^ 190ms !').toBe('a 29ms b 29ms c 29ms d 9ms e 29ms f 29ms g 29ms h', {
          a: 100,
          b: 130,
          c: 160,
          d: 190,
          e: 200,
          f: 200,
          g: 200,
          h: 230,
        });
      });
    });

    it('keeps time monotonic across resubscriptions: a new sampler slews from where the last one left off', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const source = scriptedSource([cold('(a|)', { a: 100 }), cold('(a|)', { a: 0 })]);
        const readings = clock(source, { refreshInterval: 100, driftRate: 0 }).pipe(toReadingData());
        expectObservable(readings, '^ 4ms !').toBe('a', { a: reading({ time: 100, localTime: 0 }) });
        expectObservable(readings, '10ms ^ 4ms !').toBe('10ms a', {
          a: reading({ time: 110, localTime: 10, sampleOffset: 0, uncertainty: 100 }),
        });
      });
    });
  });

  describe('failures', () => {
    it('keeps the last offset while samples fail, counting failures and growing the uncertainty', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const ok = cold('(a|)', { a: 0 });
        const source = scriptedSource([ok, cold<number>('#'), cold<number>('#'), ok]);
        const readings = clock(source, { refreshInterval: 10, retryDelay: 3, driftRate: 0.25 }).pipe(toReadingData());
        expectObservable(readings, '^ 26ms !').toBe('a 9ms b 2ms c 2ms d 9ms e', {
          a: reading({ time: 0, localTime: 0 }),
          b: reading({ time: 10, localTime: 10, sampledAt: 0, failures: 1, uncertainty: 2.5 }),
          c: reading({ time: 13, localTime: 13, sampledAt: 0, failures: 2, uncertainty: 3.25 }),
          d: reading({ time: 16, localTime: 16 }),
          e: reading({ time: 26, localTime: 26 }),
        });
      });
    });

    it('errors with ClockSourceError when the first sample fails', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const failing = cold<number>('--#', undefined, new Error('unreachable'));
        const readings = clock(scriptedSource([failing])).pipe(toReadingData(), errorAsData());
        expectObservable(readings).toBe('--(e|)', {
          e: { error: 'ClockSourceError', source: 'scripted', cause: 'Error' },
        });
        expectSubscriptions(failing.subscriptions).toBe('^-!');
      });
    });

    it('errors with ClockSourceError when the first sample is silent for sampleTimeout', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const silent = cold<number>('-');
        const readings = clock(scriptedSource([silent]), { sampleTimeout: 5 }).pipe(toReadingData(), errorAsData());
        expectObservable(readings).toBe('5ms (e|)', {
          e: { error: 'ClockSourceError', source: 'scripted', cause: 'TimeoutError' },
        });
        expectSubscriptions(silent.subscriptions).toBe('^ 4ms !');
      });
    });

    it('errors with ClockSourceError when no sample succeeded for maxSampleAge', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const silent = cold<number>('-');
        const source = scriptedSource([cold('(a|)', { a: 0 }), silent]);
        const options = { refreshInterval: 10, sampleTimeout: 5, retryDelay: 2, maxSampleAge: 28, driftRate: 0.25 };
        const readings = clock(source, options).pipe(toReadingData(), errorAsData());
        expectObservable(readings).toBe('a 14ms b 6ms c 5ms (e|)', {
          a: reading({ time: 0, localTime: 0 }),
          b: reading({ time: 15, localTime: 15, sampledAt: 0, failures: 1, uncertainty: 3.75 }),
          c: reading({ time: 22, localTime: 22, sampledAt: 0, failures: 2, uncertainty: 5.5 }),
          e: { error: 'ClockSourceError', source: 'scripted', cause: 'ClockSourceError' },
        });
        expectSubscriptions(silent.subscriptions).toBe(['10ms ^ 4ms !', '17ms ^ 4ms !', '24ms ^ 3ms !']);
      });
    });

    it('errors when a sample completes without a value', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const readings = clock(scriptedSource([cold<number>('--|')])).pipe(toReadingData(), errorAsData());
        expectObservable(readings).toBe('--(e|)', { e: { error: 'ClockSourceError', source: 'scripted' } });
      });
    });

    it('errors when sample() throws', () => {
      scheduler.run(({ expectObservable }) => {
        const throwing: ClockSource = {
          name: 'throwing',
          sample: () => {
            throw new Error('boom');
          },
        };
        const readings = clock(throwing).pipe(toReadingData(), errorAsData());
        expectObservable(readings).toBe('(e|)', {
          e: { error: 'ClockSourceError', source: 'throwing', cause: 'Error' },
        });
      });
    });

    it('errors when a sample is impossible', () => {
      scheduler.run(({ expectObservable }) => {
        const bad: ClockSource = {
          name: 'bad',
          sample: () => of({ sentAt: 10, receivedAt: 5, remoteTime: 7, roundTrip: 0, error: 0 }),
        };
        const nan: ClockSource = {
          name: 'nan',
          sample: () => of({ sentAt: 0, receivedAt: 0, remoteTime: Number.NaN, roundTrip: 0, error: 0 }),
        };
        expectObservable(clock(bad).pipe(toReadingData(), errorAsData())).toBe('(e|)', {
          e: { error: 'ClockSourceError', source: 'bad' },
        });
        expectObservable(clock(nan).pipe(toReadingData(), errorAsData())).toBe('(e|)', {
          e: { error: 'ClockSourceError', source: 'nan' },
        });
      });
    });

    it('passes a ClockSourceError of the source through unchanged', () => {
      const own = new ClockSourceError('x', 'went away.');
      let seen: unknown;
      scheduler.run(({ expectObservable }) => {
        const source: ClockSource = { name: 'x', sample: () => throwError(() => own) };
        const readings = clock(source).pipe(
          toReadingData(),
          tap({ error: (error: unknown) => (seen = error) }),
          errorAsData(),
        );
        expectObservable(readings).toBe('(e|)', { e: { error: 'ClockSourceError', source: 'x' } });
      });
      expect(seen).toBe(own);
    });
  });

  describe('lifecycle', () => {
    it('never emits and never completes while the first sample is pending (within sampleTimeout)', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const silent = cold<number>('-');
        expectObservable(clock(scriptedSource([silent]), { sampleTimeout: 50 }), '^ 20ms !').toBe('-');
        expectSubscriptions(silent.subscriptions).toBe('^ 20ms !');
      });
    });

    it('unsubscribes a sample in flight on early unsubscription', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const slow = cold('---a|', { a: 0 });
        const source = scriptedSource([cold('(a|)', { a: 0 }), slow]);
        expectObservable(clock(source, { refreshInterval: 10 }).pipe(map((r) => r.time)), '^ 11ms !').toBe('a', {
          a: 0,
        });
        expectSubscriptions(slow.subscriptions).toBe('10ms ^-!');
      });
    });
  });
});
