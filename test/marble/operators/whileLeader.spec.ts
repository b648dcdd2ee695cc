import { finalize, map, mergeMap, of, repeat } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { BackendUnavailableError, leadership, whileLeader, type Term } from 'rx-sync';
import { createTestBackend, type TestBackend } from 'rx-sync/testing';
import { atFrame, CLEAN, inspectAt, TIMING } from '../../support/marbleHelpers';

/** A term as a marble leadership stream emits it (no backend behind it). */
const won: Term = Object.freeze({
  group: 'g',
  candidate: 'A',
  term: 1,
  isValid: () => true,
  proclaim: () => of(true),
});

function campaign(backend: TestBackend, candidate: string) {
  return leadership(backend, 'g', { ...TIMING, candidate });
}

describe('whileLeader', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  describe('with a marble leadership stream', () => {
    it('subscribes to the source on election and completes on revocation', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('---t-----|', { t: won }); // elected at 3, revoked (completed) at 9
        const source = hot('                -a--b--c--d-');
        const sourceSubs = '                ---^-----!  ';
        const leadershipSubs = '            ^--------!  ';
        const expected = '                  ----b--c-|  ';
        expectObservable(source.pipe(whileLeader(leadershipStream))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(sourceSubs);
        expectSubscriptions(leadershipStream.subscriptions).toBe(leadershipSubs);
      });
    });

    it('never subscribes to the source while not elected (never-ending, bounded by unsubscription)', () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('--------', { t: won });
        const source = cold('               -a-b-c-');
        const unsub = '                     ^-----!';
        expectObservable(source.pipe(whileLeader(leadershipStream)), unsub).toBe('-');
        expectSubscriptions(source.subscriptions).toBe([]);
        expectSubscriptions(leadershipStream.subscriptions).toBe(unsub);
      });
    });

    it('mirrors a never source while elected (never-ending, bounded by unsubscription)', () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('--t-------', { t: won });
        const source = cold('               -');
        const unsub = '                     ^------!';
        expectObservable(source.pipe(whileLeader(leadershipStream)), unsub).toBe('-');
        expectSubscriptions(source.subscriptions).toBe('--^----!');
        expectSubscriptions(leadershipStream.subscriptions).toBe(unsub);
      });
    });

    it('completes at once, resigning, for an empty source', () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('---t-----|', { t: won });
        const source = cold('               |');
        expectObservable(source.pipe(whileLeader(leadershipStream))).toBe('---|');
        expectSubscriptions(source.subscriptions).toBe('---(^!)');
        expectSubscriptions(leadershipStream.subscriptions).toBe('^--!');
      });
    });

    it('mirrors a single-value source and resigns when it completes', () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('---t-----|', { t: won });
        const source = cold('               (a|)');
        expectObservable(source.pipe(whileLeader(leadershipStream))).toBe('---(a|)');
        expectSubscriptions(source.subscriptions).toBe('---(^!)');
        expectSubscriptions(leadershipStream.subscriptions).toBe('^--!');
      });
    });

    it('mirrors a multiple-value source and resigns when it completes', () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('---t-----|', { t: won });
        const source = cold('                  -a-b|');
        const sourceSubs = '                ---^---!  ';
        const leadershipSubs = '            ^------!  ';
        const expected = '                  ----a-b|  ';
        expectObservable(source.pipe(whileLeader(leadershipStream))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(sourceSubs);
        expectSubscriptions(leadershipStream.subscriptions).toBe(leadershipSubs);
      });
    });

    it("errors with the source's error and resigns", () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('---t-----|', { t: won });
        const source = cold('                  -a-#');
        const sourceSubs = '                ---^--!   ';
        const leadershipSubs = '            ^-----!   ';
        const expected = '                  ----a-#   ';
        expectObservable(source.pipe(whileLeader(leadershipStream))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(sourceSubs);
        expectSubscriptions(leadershipStream.subscriptions).toBe(leadershipSubs);
      });
    });

    it('errors when a callback inside the source throws, and resigns', () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('---t-----|', { t: won });
        const source = cold('                  -a-b');
        const failing = source.pipe(
          map((value) => {
            if (value === 'b') throw new Error('too bad');
            return value;
          }),
        );
        expectObservable(failing.pipe(whileLeader(leadershipStream))).toBe('----a-#', undefined, new Error('too bad'));
        expectSubscriptions(source.subscriptions).toBe('---^--!');
        expectSubscriptions(leadershipStream.subscriptions).toBe('^-----!');
      });
    });

    it('errors without subscribing to the source when leadership errors before election', () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('--#', { t: won });
        const source = cold('               -a-');
        expectObservable(source.pipe(whileLeader(leadershipStream))).toBe('--#');
        expectSubscriptions(source.subscriptions).toBe([]);
        expectSubscriptions(leadershipStream.subscriptions).toBe('^-!');
      });
    });

    it('errors and unsubscribes the source when leadership errors after election', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('---t---#', { t: won });
        const source = hot('                -x--a--b-');
        const sourceSubs = '                ---^---! ';
        const expected = '                  ----a--# ';
        expectObservable(source.pipe(whileLeader(leadershipStream))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(sourceSubs);
        expectSubscriptions(leadershipStream.subscriptions).toBe('^------!');
      });
    });

    it('completes without subscribing to the source when leadership completes before election', () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('-----|', { t: won });
        const source = cold('               -a-');
        expectObservable(source.pipe(whileLeader(leadershipStream))).toBe('-----|');
        expectSubscriptions(source.subscriptions).toBe([]);
        expectSubscriptions(leadershipStream.subscriptions).toBe('^----!');
      });
    });

    it('subscribes to the source once, however often leadership emits', () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('-t--t--t--|', { t: won });
        const source = cold('                 --a--b--c--d');
        const sourceSubs = '                -^--------! ';
        const expected = '                  ---a--b--c| ';
        expectObservable(source.pipe(whileLeader(leadershipStream))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(sourceSubs);
        expectSubscriptions(leadershipStream.subscriptions).toBe('^---------!');
      });
    });

    it('allows early unsubscription, resigning and unsubscribing the source', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('-t--------|', { t: won });
        const source = hot('                --a--b--c--');
        const unsub = '                     ^-----!    ';
        const sourceSubs = '                -^----!    ';
        const expected = '                  --a--b     ';
        expectObservable(source.pipe(whileLeader(leadershipStream)), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(sourceSubs);
        expectSubscriptions(leadershipStream.subscriptions).toBe(unsub);
      });
    });

    it('does not break unsubscription chains when unsubscribed explicitly', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('-t--------|', { t: won });
        const source = hot('                --a--b--c--');
        const unsub = '                     ^-----!    ';
        const sourceSubs = '                -^----!    ';
        const expected = '                  --a--b     ';
        const result = source.pipe(
          mergeMap((value) => of(value)),
          whileLeader(leadershipStream),
          mergeMap((value) => of(value)),
        );
        expectObservable(result, unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(sourceSubs);
        expectSubscriptions(leadershipStream.subscriptions).toBe(unsub);
      });
    });

    it('unsubscribes the source before it unsubscribes leadership', () => {
      const order: string[] = [];
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const leadershipStream = hot<Term>('-t---|', { t: won });
        const source = hot('                --a----');
        const result = source.pipe(
          finalize(() => order.push('source')),
          whileLeader(leadershipStream.pipe(finalize(() => order.push('leadership')))),
        );
        expectObservable(result).toBe('--a--|');
        expectSubscriptions(source.subscriptions).toBe('-^---!');
        expectSubscriptions(leadershipStream.subscriptions).toBe('^----!');
      });
      expect(order).toEqual(['source', 'leadership']);
    });
  });

  describe('with leadership on the memory backend', () => {
    it('subscribes to the source on election and unsubscribes it at the revocation frame', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const source = hot('-a-b-c-d-e-f-g-h-|');
        const sourceSubs = '^-----------!     '; // expired at 10; the renewal at 12 is refused
        const expected = '  -a-b-c-d-e-f|     ';
        atFrame(10, () => backend.expireLeadership('g'));
        expectObservable(source.pipe(whileLeader(campaign(backend, 'A')))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(sourceSubs);
        expectObservable(inspectAt(backend, 20)).toBe('20ms (c|)', { c: CLEAN });
      });
    });

    it("stops the work at the leader's validity deadline when it is cut off, and starts the next leader's when its lease ends", () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const workA = hot('-a 9ms b 9ms c 9ms d|');
        const workB = hot('-w 9ms x 9ms y 9ms z|');
        atFrame(4, () => backend.partition('A'));
        // A elected at 2: stops at 2 + 18 = 20. B elected when A's lease ends, at 2 + 20 = 22.
        expectObservable(workA.pipe(whileLeader(campaign(backend, 'A'))), '--^ 40ms !').toBe('11ms b 8ms |');
        expectObservable(workB.pipe(whileLeader(campaign(backend, 'B'))), '---^ 40ms !').toBe('31ms z|');
        expectSubscriptions(workA.subscriptions).toBe('--^ 17ms !');
        expectSubscriptions(workB.subscriptions).toBe('22ms ^ 9ms !');
        expectObservable(inspectAt(backend, 45)).toBe('45ms (c|)', { c: CLEAN });
      });
    });

    it('resigns when the source completes: a waiting candidate starts its work in the same frame', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const workA = cold('--a--|');
        const workB = cold('     -b-|');
        expectObservable(workA.pipe(whileLeader(campaign(backend, 'A')))).toBe('--a--|');
        expectObservable(workB.pipe(whileLeader(campaign(backend, 'B'))), '-^').toBe('------b-|');
        expectSubscriptions(workA.subscriptions).toBe('^----!');
        expectSubscriptions(workB.subscriptions).toBe('-----^--!');
        expectObservable(inspectAt(backend, 9)).toBe('9ms (c|)', { c: CLEAN });
      });
    });

    it("errors with the source's error and resigns: a waiting candidate starts its work in the same frame", () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const workA = cold('--#');
        const workB = cold('  -b-|');
        expectObservable(workA.pipe(whileLeader(campaign(backend, 'A')))).toBe('--#');
        expectObservable(workB.pipe(whileLeader(campaign(backend, 'B'))), '-^').toBe('---b-|');
        expectSubscriptions(workA.subscriptions).toBe('^-!');
        expectSubscriptions(workB.subscriptions).toBe('--^--!');
        expectObservable(inspectAt(backend, 6)).toBe('6ms (c|)', { c: CLEAN });
      });
    });

    it("errors with the campaign's error without subscribing to the source", () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        backend.failRequests('A');
        const work = cold('-a-|');
        expectObservable(work.pipe(whileLeader(campaign(backend, 'A'))), '--^').toBe(
          '--#',
          undefined,
          new BackendUnavailableError('memory', 'tryAcquire'),
        );
        expectSubscriptions(work.subscriptions).toBe([]);
        expectObservable(inspectAt(backend, 3)).toBe('3ms (c|)', { c: CLEAN });
      });
    });

    it('resigns on early unsubscription: a waiting candidate starts its work in the same frame', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const work = hot('--a--b--c--d--e--|');
        const aUnsub = '  ^------!          ';
        const aExpected = '--a--b           ';
        const bUnsub = '  -^ 12ms !         ';
        const bExpected = '--------c--d     ';
        expectObservable(work.pipe(whileLeader(campaign(backend, 'A'))), aUnsub).toBe(aExpected);
        expectObservable(work.pipe(whileLeader(campaign(backend, 'B'))), bUnsub).toBe(bExpected);
        expectSubscriptions(work.subscriptions).toBe(['^------!', '-------^------!']);
        expectObservable(inspectAt(backend, 14)).toBe('14ms (c|)', { c: CLEAN });
      });
    });

    it('with repeat(), leads again after losing leadership and resubscribes the source', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const work = cold('--a--b--c--d--e-');
        const unsub = '    ^ 18ms !';
        const expected = ' --a--b--c--d--a--b';
        atFrame(10, () => backend.expireLeadership('g')); // lost at the renewal at 12, elected again at 12
        expectObservable(work.pipe(whileLeader(campaign(backend, 'A')), repeat()), unsub).toBe(expected);
        expectSubscriptions(work.subscriptions).toBe(['^-----------!', '------------^------!']);
        expectObservable(inspectAt(backend, 19)).toBe('19ms (c|)', { c: CLEAN });
      });
    });

    it('does not break unsubscription chains', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const work = hot('--a--b--c--|');
        const unsub = '   ^----!      ';
        const result = work.pipe(
          mergeMap((value) => of(value)),
          whileLeader(campaign(backend, 'A')),
          mergeMap((value) => of(value)),
        );
        expectObservable(result, unsub).toBe('--a--');
        expectSubscriptions(work.subscriptions).toBe(unsub);
        expectObservable(inspectAt(backend, 5)).toBe('5ms (c|)', { c: CLEAN });
      });
    });
  });
});
