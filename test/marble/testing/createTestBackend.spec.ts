import { concatMap, map, of, tap, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  BackendUnavailableError,
  changes,
  keyValue,
  leader,
  leadership,
  lock,
  LockTimeoutError,
  type LockOptions,
  type Term,
} from 'rx-sync';
import { createTestBackend, type TestBackend } from 'rx-sync/testing';
import {
  atFrame,
  CLEAN,
  inspectAt,
  performWrites,
  TIMING,
  toLeaseData,
  type LeaseData,
  type Write,
} from '../../support/marbleHelpers';

const lease = (holder: string, token: number): LeaseData => ({ key: 'k', holder, token });

function contender(backend: TestBackend, holder: string, options: LockOptions = {}): Observable<LeaseData> {
  return lock(backend, 'k', { ...TIMING, holder, ...options }).pipe(toLeaseData());
}

describe('createTestBackend', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('is a frozen SyncBackend named memory, with state of its own', () => {
    const first = createTestBackend();
    const second = createTestBackend();
    expect(first.name).toBe('memory');
    expect(Object.isFrozen(first)).toBe(true);
    expect(first.inspect()).toEqual(CLEAN);
    scheduler.run(({ expectObservable }) => {
      expectObservable(contender(first, 'a'), '^-!').toBe('a', { a: lease('a', 1) });
      expectObservable(contender(second, 'b'), '^-!').toBe('b', { b: lease('b', 1) });
    });
  });

  describe('expireLock', () => {
    it('ends a held lock at once, and answers whether one was held', () => {
      const answers: boolean[] = [];
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        atFrame(1, () => answers.push(backend.expireLock('k'))); // nobody holds it yet
        atFrame(5, () => answers.push(backend.expireLock('k')));
        atFrame(5, () => answers.push(backend.expireLeadership('k'))); // another kind of lease
        expectObservable(contender(backend, 'a'), '--^ 20ms !').toBe('--a-----|', { a: lease('a', 1) });
        expectObservable(inspectAt(backend, 6)).toBe('6ms (c|)', { c: CLEAN }); // gone, though a stops only at 8
      });
      expect(answers).toEqual([false, true, false]);
    });
  });

  describe('expireLeadership', () => {
    it('ends the leadership at once (leader() shows nobody), and answers whether somebody led', () => {
      const answers: boolean[] = [];
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        const a = leadership(backend, 'g', { ...TIMING, candidate: 'A' }).pipe(map((won) => won.term));
        atFrame(1, () => answers.push(backend.expireLeadership('g')));
        atFrame(5, () => answers.push(backend.expireLeadership('g')));
        expectObservable(a, '--^ 20ms !').toBe('--1-----|', { 1: 1 });
        expectObservable(leader(backend, 'g'), '^ 10ms !').toBe('u-a--u', {
          u: undefined,
          a: { group: 'g', candidate: 'A', term: 1 },
        });
        expectObservable(inspectAt(backend, 23)).toBe('23ms (c|)', { c: CLEAN });
      });
      expect(answers).toEqual([false, true]);
    });
  });

  describe('partition', () => {
    it("loses the holder's requests: never answered, never applied", () => {
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        backend.partition('a');
        expectObservable(contender(backend, 'a'), '^ 10ms !').toBe('-');
        // a's request was never applied: b finds the lock free and gets the first token.
        expectObservable(contender(backend, 'b'), '---^--!').toBe('---b', { b: lease('b', 1) });
        expectObservable(inspectAt(backend, 11)).toBe('11ms (c|)', { c: CLEAN });
      });
    });

    it('leaves acquireTimeout as the only way out of a lost acquire request', () => {
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        backend.partition('a');
        expectObservable(contender(backend, 'a', { acquireTimeout: 9 })).toBe(
          '---------#',
          undefined,
          new LockTimeoutError('k', 9),
        );
        expectObservable(inspectAt(backend, 10)).toBe('10ms (c|)', { c: CLEAN });
      });
    });
  });

  describe('failRequests', () => {
    it("fails the holder's lease requests with BackendUnavailableError", () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        let current: Term | undefined;
        const a = leadership(backend, 'g', { ...TIMING, candidate: 'A' }).pipe(
          tap((won) => (current = won)),
          map((won) => won.term),
        );
        const proclaims = hot('----p-|');
        const replies = proclaims.pipe(concatMap(() => (current ? current.proclaim('v') : of('no term'))));
        atFrame(2, () => backend.failRequests('A'));
        expectObservable(a, '^ 10ms !').toBe('1', { 1: 1 });
        expectObservable(replies).toBe('----#', undefined, new BackendUnavailableError('memory', 'updateLease'));
        expectSubscriptions(proclaims.subscriptions).toBe('^---!');
        expectObservable(contender(backend, 'A'), '-----^').toBe(
          '-----#',
          undefined,
          new BackendUnavailableError('memory', 'tryAcquire'),
        );
        expectObservable(inspectAt(backend, 30)).toBe('30ms (c|)', { c: CLEAN });
      });
    });
  });

  describe('heal', () => {
    it.each(['partition', 'failRequests'] as const)('ends %s: later requests are answered again', (fault) => {
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        backend[fault]('a');
        atFrame(5, () => backend.heal('a'));
        expectObservable(contender(backend, 'a'), '------^--!').toBe('------a', { a: lease('a', 1) });
        expectObservable(inspectAt(backend, 9)).toBe('9ms (c|)', { c: CLEAN });
      });
    });
  });

  describe('crash', () => {
    it('is sticky: neither heal nor another fault brings the holder back', () => {
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        backend.crash('a');
        atFrame(2, () => backend.heal('a'));
        atFrame(3, () => backend.failRequests('a')); // would error at once, but a crashed node is silent
        atFrame(3, () => backend.partition('a'));
        atFrame(3, () => backend.heal('a'));
        expectObservable(contender(backend, 'a', { acquireTimeout: 10 }), '----^').toBe(
          '14ms #',
          undefined,
          new LockTimeoutError('k', 10),
        );
        expectObservable(inspectAt(backend, 15)).toBe('15ms (c|)', { c: CLEAN });
      });
    });

    it('a crashed candidate is never elected', () => {
      scheduler.run(({ expectObservable }) => {
        const backend = createTestBackend();
        backend.crash('A');
        const a = leadership(backend, 'g', { ...TIMING, candidate: 'A' });
        expectObservable(a, '^ 500ms !').toBe('-');
        expectObservable(inspectAt(backend, 502)).toBe('502ms (c|)', { c: CLEAN });
      });
    });
  });

  it('faults act only on the named holder, and never on store requests', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      backend.crash('k');
      backend.partition('a');
      const writes = hot<Write>('-p-g-l-d-|', {
        p: () => backend.put('k', 'v'),
        g: () => backend.get('k'),
        l: () => backend.list(''),
        d: () => backend.delete('k'),
      });
      const written = { key: 'k', value: 'v', version: 1 };
      expectObservable(performWrites(writes)).toBe('-p-g-l-d-|', { p: written, g: written, l: [written], d: true });
      expectSubscriptions(writes.subscriptions).toBe('^--------!');
      expectObservable(contender(backend, 'b'), '^ 10ms !').toBe('b', { b: lease('b', 1) });
      expectObservable(inspectAt(backend, 11)).toBe('11ms (c|)', { c: CLEAN });
    });
  });

  it('inspect() counts held leases and attached watchers, and returns to zero after unsubscription', () => {
    scheduler.run(({ expectObservable }) => {
      const backend = createTestBackend();
      expectObservable(contender(backend, 'a'), '^---------!').toBe('a', { a: lease('a', 1) });
      expectObservable(contender(backend, 'w'), '-^-------!').toBe('-'); // waits: watches the lock's events
      expectObservable(
        leadership(backend, 'g', { ...TIMING, candidate: 'A' }).pipe(map((won) => won.term)),
        '--^-------!',
      ).toBe('--1', { 1: 1 });
      expectObservable(leader(backend, 'g'), '---^-----!').toBe('---l', { l: { group: 'g', candidate: 'A', term: 1 } });
      expectObservable(keyValue(backend, 'k'), '----^----!').toBe('----u', { u: undefined });
      expectObservable(changes(backend, ''), '-----^---!').toBe('-');
      expectObservable(inspectAt(backend, 7)).toBe('7ms (i|)', { i: { leasesHeld: 2, watchers: 4 } });
      expectObservable(inspectAt(backend, 10)).toBe('10ms (c|)', { c: CLEAN });
    });
  });

  it('checks holder names at call time', () => {
    const backend = createTestBackend();
    expect(() => backend.partition('')).toThrow(TypeError);
    expect(() => backend.failRequests(5 as unknown as string)).toThrow(/`holder`/);
    expect(() => backend.crash('a\nb')).toThrow(/control characters/);
  });
});
