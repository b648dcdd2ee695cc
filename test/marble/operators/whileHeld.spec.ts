import { map, mergeMap, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { leadership, lock, whileHeld, type Lease } from 'rx-sync';
import { createTestBackend } from 'rx-sync/testing';
import { atFrame, CLEAN, inspectAt, TIMING } from '../../support/marbleHelpers';

describe('whileHeld', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  describe('with a marble ownership stream', () => {
    it('runs project(held) once ownership is won and completes when ownership is lost', () => {
      const seen: number[] = [];
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const ownership = hot('---h-----|', { h: 7 });
        const work = cold('       -a--b--c-');
        const workSubs = '     ---^-----!  ';
        const ownershipSubs = '^--------!  ';
        const expected = '     ----x--y-|  ';
        const result = ownership.pipe(
          whileHeld((token: number) => {
            seen.push(token);
            return work.pipe(map((value) => `${value}${token}`));
          }),
        );
        expectObservable(result).toBe(expected, { x: 'a7', y: 'b7' });
        expectSubscriptions(work.subscriptions).toBe(workSubs);
        expectSubscriptions(ownership.subscriptions).toBe(ownershipSubs);
      });
      expect(seen).toEqual([7]);
    });

    it('runs project only for the first emission of ownership', () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const ownership = hot('-1--2--3--|');
        const work = cold('     --a--b--c--');
        const expected = '     ---x--y--z|';
        const result = ownership.pipe(whileHeld((held) => work.pipe(map(() => held))));
        expectObservable(result).toBe(expected, { x: '1', y: '1', z: '1' });
        expectSubscriptions(work.subscriptions).toBe('-^--------!');
        expectSubscriptions(ownership.subscriptions).toBe('^---------!');
      });
    });

    it('accepts any ObservableInput from project', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const ownership = hot('--h---|');
        const result = ownership.pipe(whileHeld(() => ['a', 'b']));
        expectObservable(result).toBe('--(ab|)');
        expectSubscriptions(ownership.subscriptions).toBe('^-!');
      });
    });

    it("errors with the work's error and unsubscribes ownership", () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const ownership = hot('-h------|');
        const work = cold('     --a-#');
        expectObservable(ownership.pipe(whileHeld(() => work))).toBe('---a-#');
        expectSubscriptions(work.subscriptions).toBe('-^---!');
        expectSubscriptions(ownership.subscriptions).toBe('^----!');
      });
    });

    it("errors with ownership's error and unsubscribes the work", () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const ownership = hot('-h---#');
        const work = cold('     -a-b-c-');
        expectObservable(ownership.pipe(whileHeld(() => work))).toBe('--a-b#');
        expectSubscriptions(work.subscriptions).toBe('-^---!');
        expectSubscriptions(ownership.subscriptions).toBe('^----!');
      });
    });

    // Once a bug: `from(project(value))` ran inside ownership's `next` without a try/catch, so RxJS
    // reported the exception as unhandled and the lease stayed held until ownership ended on its own.
    // switchMap and mergeMap catch an exception from their project the same way.
    it('errors with the exception of a project that throws, and unsubscribes ownership at once', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const ownership = hot('-h-----|');
        const result = ownership.pipe(
          whileHeld((): string[] => {
            throw new Error('project failed');
          }),
        );
        expectObservable(result).toBe('-#', undefined, new Error('project failed'));
        expectSubscriptions(ownership.subscriptions).toBe('^!');
      });
    });

    it('allows early unsubscription, and does not break unsubscription chains', () => {
      scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const ownership = hot('-h--------|');
        const work = cold('     -a-b-c-d-');
        const unsub = '       ^-----!    ';
        const result = ownership.pipe(
          mergeMap((value) => of(value)),
          whileHeld(() => work),
          mergeMap((value) => of(value)),
        );
        expectObservable(result, unsub).toBe('--a-b-');
        expectSubscriptions(work.subscriptions).toBe('-^----!');
        expectSubscriptions(ownership.subscriptions).toBe(unsub);
      });
    });
  });

  describe('on the memory backend', () => {
    it("hands the work the lease's fencing token and validity, and releases when the work completes", () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const work = cold('-a-b|');
        const guarded = (holder: string) =>
          lock(backend, 'k', { ...TIMING, holder }).pipe(
            whileHeld((lease: Lease) => work.pipe(map((value) => `${value}${lease.token}:${lease.isValid()}`))),
          );
        expectObservable(guarded('a')).toBe('-x-y|', { x: 'a1:true', y: 'b1:true' });
        expectObservable(guarded('b'), '--^').toBe('-----x-y|', { x: 'a2:true', y: 'b2:true' });
        expectSubscriptions(work.subscriptions).toBe(['^---!', '----^---!']);
        expectObservable(inspectAt(backend, 9)).toBe('9ms (c|)', { c: CLEAN });
      });
    });

    it('hands the work the term, and stops it when leadership is lost', () => {
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const backend = createTestBackend();
        const ticks = hot('-a-b-c-d-e-f-g-h-|');
        const ticksSubs = '^-----------!     ';
        const expected = ' -x-x-x-x-x-x|     ';
        atFrame(10, () => backend.expireLeadership('g'));
        const result = leadership(backend, 'g', { ...TIMING, candidate: 'A' }).pipe(
          whileHeld((term) => ticks.pipe(map(() => `${term.candidate}${term.term}`))),
        );
        expectObservable(result).toBe(expected, { x: 'A1' });
        expectSubscriptions(ticks.subscriptions).toBe(ticksSubs);
        expectObservable(inspectAt(backend, 20)).toBe('20ms (c|)', { c: CLEAN });
      });
    });
  });
});
