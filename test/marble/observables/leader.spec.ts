import { concatMap, NEVER, of, tap, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  BackendUnavailableError,
  leader,
  leadership,
  type Leader,
  type LeaseEvent,
  type SyncBackend,
  type Term,
} from 'rx-sync';
import { createTestBackend, type TestBackend } from 'rx-sync/testing';
import { atFrame, CLEAN, inspectAt, TIMING, toTermData, type TermData } from '../../support/marbleHelpers';

// Frames below follow TIMING: a leader renews every 6 frames; its lease ends on the backend 20
// frames after its last grant or renewal.

const term = (candidate: string, number: number, value?: string): TermData => ({
  group: 'g',
  candidate,
  term: number,
  ...(value !== undefined && { value }),
});

const led = (candidate: string, term: number, value?: string): Leader => ({
  group: 'g',
  candidate,
  term,
  ...(value !== undefined && { value }),
});

function candidate(backend: SyncBackend, name: string, value?: string): Observable<TermData> {
  return leadership(backend, 'g', { ...TIMING, candidate: name, ...(value !== undefined && { value }) }).pipe(
    toTermData(),
  );
}

describe('leader', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('emits undefined first when nobody leads, then every leader, and undefined after each resigns', () => {
    scheduler.run(({ expectObservable }) => {
      const backend = createTestBackend();
      const aSubs = '    ---^----!          ';
      const bSubs = '    ------------^---!  ';
      const expected = ' u--a----u---b---u  ';
      const unsub = '    ^ 20ms !           ';
      expectObservable(candidate(backend, 'A'), aSubs).toBe('---a', { a: term('A', 1) });
      expectObservable(candidate(backend, 'B', 'b:80'), bSubs).toBe('------------b', { b: term('B', 2, 'b:80') });
      expectObservable(leader(backend, 'g'), unsub).toBe(expected, {
        u: undefined,
        a: led('A', 1),
        b: led('B', 2, 'b:80'),
      });
      expectObservable(inspectAt(backend, 21)).toBe('21ms (c|)', { c: CLEAN });
    });
  });

  it('shows a leader that stopped renewing until its lease ends on the backend, then undefined', () => {
    scheduler.run(({ expectObservable }) => {
      const backend = createTestBackend();
      atFrame(4, () => backend.partition('A'));
      // A elected at 2 stops itself at 20 (validity deadline); its lease lapses at 22.
      expectObservable(candidate(backend, 'A'), '--^ 30ms !').toBe('--a 17ms |', { a: term('A', 1) });
      expectObservable(leader(backend, 'g'), '^ 30ms !').toBe('u-a 19ms u', { u: undefined, a: led('A', 1) });
      expectObservable(inspectAt(backend, 33)).toBe('33ms (c|)', { c: CLEAN });
    });
  });

  it('notices an expiry that the backend does not announce, by reading again when the lease is due', () => {
    scheduler.run(({ expectObservable }) => {
      const memory = createTestBackend();
      const backend: SyncBackend = { ...memory, leaseEvents: () => NEVER };
      atFrame(3, () => memory.crash('A')); // its renewal at 6 is lost: the lease lapses at 20
      expectObservable(candidate(backend, 'A'), '^ 30ms !').toBe('a 17ms |', { a: term('A', 1) });
      expectObservable(leader(backend, 'g'), '-----^ 30ms !').toBe('-----a 14ms u', { u: undefined, a: led('A', 1) });
      expectObservable(inspectAt(memory, 37)).toBe('37ms (c|)', { c: CLEAN });
    });
  });

  it('emits a proclaimed value, and nothing for the same value again or for renewals', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      let current: Term | undefined;
      const a = leadership(backend, 'g', { ...TIMING, candidate: 'A', value: 'v1' }).pipe(
        tap((won) => (current = won)),
      );
      const proclaims = hot('----p---p---q-|', { p: 'v2', q: 'v3' });
      const replies = proclaims.pipe(concatMap((value) => (current ? current.proclaim(value) : of(false))));
      const proclaimsSubs = '^-------------!';
      const expected = '     a---b-------c   ';
      expectObservable(a.pipe(toTermData()), '^ 40ms !').toBe('a', { a: term('A', 1, 'v1') });
      expectObservable(replies).toBe('----t---t---t-|', { t: true });
      expectSubscriptions(proclaims.subscriptions).toBe(proclaimsSubs);
      expectObservable(leader(backend, 'g'), '^ 39ms !').toBe(expected, {
        a: led('A', 1, 'v1'),
        b: led('A', 1, 'v2'),
        c: led('A', 1, 'v3'),
      });
      expectObservable(inspectAt(backend, 41)).toBe('41ms (c|)', { c: CLEAN });
    });
  });

  it('shares one watch between subscribers and replays the current leader to a late one', () => {
    scheduler.run(({ expectObservable }) => {
      const backend = createTestBackend();
      const watch = leader(backend, 'g');
      expectObservable(candidate(backend, 'A'), '--^ 30ms !').toBe('--a', { a: term('A', 1) });
      expectObservable(watch, '^ 20ms !').toBe('u-a', { u: undefined, a: led('A', 1) });
      expectObservable(watch, '10ms ^ 15ms !').toBe('10ms a', { a: led('A', 1) });
      expectObservable(inspectAt(backend, 12)).toBe('12ms (i|)', { i: { leasesHeld: 1, watchers: 1 } });
      expectObservable(inspectAt(backend, 34)).toBe('34ms (c|)', { c: CLEAN });
    });
  });

  it('gives each leader() call its own watch', () => {
    scheduler.run(({ expectObservable }) => {
      const backend = createTestBackend();
      expectObservable(leader(backend, 'g'), '^----!').toBe('u', { u: undefined });
      expectObservable(leader(backend, 'g'), '^----!').toBe('u', { u: undefined });
      expectObservable(inspectAt(backend, 2)).toBe('2ms (i|)', { i: { leasesHeld: 0, watchers: 2 } });
      expectObservable(inspectAt(backend, 5)).toBe('5ms (c|)', { c: CLEAN });
    });
  });

  it('errors when the backend does, and stops watching', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const memory: TestBackend = createTestBackend();
      const failure = new BackendUnavailableError('memory', 'leaseEvents');
      const events = cold<LeaseEvent>('---#', undefined, failure);
      const backend: SyncBackend = { ...memory, leaseEvents: () => events };
      expectObservable(leader(backend, 'g')).toBe('u--#', { u: undefined }, failure);
      expectSubscriptions(events.subscriptions).toBe('^--!');
      expectObservable(inspectAt(memory, 4)).toBe('4ms (c|)', { c: CLEAN });
    });
  });

  it('checks the group at call time and watches nothing before subscription', () => {
    const backend = createTestBackend();
    expect(() => leader(backend, '')).toThrow(TypeError);
    expect(() => leader(backend, '')).toThrow(/`group`/);
    expect(() => leader(backend, 'a\u0000')).toThrow(/control characters/);
    expect(() => leader({} as SyncBackend, 'g')).toThrow(/`backend`/);
    leader(backend, 'g');
    expect(backend.inspect()).toEqual(CLEAN);
  });
});
