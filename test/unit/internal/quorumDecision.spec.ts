import { NEVER, of, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { quorumDecision, type Tally } from '../../../src/internal/quorumDecision.js';

const virtualTime = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** Decides, with the votes joined, once `needed` votes are in; open before. */
const once =
  (needed: number) =>
  ({ votes }: Tally<string>): Observable<string> | undefined =>
    votes.length >= needed ? of(votes.join('')) : undefined;

describe('quorumDecision', () => {
  it('decides as soon as the votes so far settle it, and stops waiting for the voters still pending', () => {
    virtualTime().run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold(' ---a|');
      const second = cold('-----b|');
      const third = cold(' ---------c|');
      expectObservable(quorumDecision([first, second, third], once(2))).toBe('-----(x|)', { x: 'ab' });
      expectSubscriptions(first.subscriptions).toBe(' ^--!');
      expectSubscriptions(second.subscriptions).toBe('^----!');
      expectSubscriptions(third.subscriptions).toBe(' ^----!');
    });
  });

  it('waits for every voter when the outcome stays open until the last vote', () => {
    virtualTime().run(({ cold, expectObservable }) => {
      const voters = [cold('-a|'), cold('----b|'), cold('--c|')];
      const all = ({ votes, pending }: Tally<string>): Observable<string> | undefined =>
        pending === 0 ? of(votes.join('')) : undefined;
      expectObservable(quorumDecision(voters, all)).toBe('----(x|)', { x: 'abc' });
    });
  });

  it('hands decide the votes in the order of the voters, with how many are pending', () => {
    const tallies: Tally<string>[] = [];
    virtualTime().run(({ cold, expectObservable }) => {
      const voters = [cold('----a|'), cold('-b|'), cold('--c|')];
      const decide = (tally: Tally<string>): Observable<string> | undefined => {
        tallies.push(tally);
        return once(3)(tally);
      };
      expectObservable(quorumDecision(voters, decide)).toBe('----(x|)', { x: 'abc' });
    });
    expect(tallies).toEqual([
      { votes: [], pending: 3 }, // once every voter was asked
      { votes: ['b'], pending: 2 },
      { votes: ['b', 'c'], pending: 1 },
      { votes: ['a', 'b', 'c'], pending: 0 },
    ]);
  });

  it('mirrors an outcome that is a further step', () => {
    virtualTime().run(({ cold, expectObservable, expectSubscriptions }) => {
      const step = cold('   --y|');
      const voters = [cold('-a|'), cold('--b|')];
      expectObservable(quorumDecision(voters, (tally) => (tally.pending === 0 ? step : undefined))).toBe('----y|');
      expectSubscriptions(step.subscriptions).toBe('--^--!');
    });
  });

  it('asks every voter before deciding, even when the first votes come synchronously', () => {
    virtualTime().run(({ cold, expectObservable, expectSubscriptions }) => {
      const late = cold('--c|');
      expectObservable(quorumDecision([of('a'), of('b'), late], once(1))).toBe('(x|)', { x: 'ab' });
      expectSubscriptions(late.subscriptions).toBe('(^!)');
    });
  });

  it('counts a voter that completes without a vote as no longer pending', () => {
    virtualTime().run(({ cold, expectObservable }) => {
      const voters = [cold('--|'), cold('---a|')];
      const all = ({ votes, pending }: Tally<string>): Observable<string> | undefined =>
        pending === 0 ? of(votes.join('')) : undefined;
      expectObservable(quorumDecision(voters, all)).toBe('---(x|)', { x: 'a' });
    });
  });

  it('takes only the first value of a voter as its vote', () => {
    virtualTime().run(({ cold, expectObservable, expectSubscriptions }) => {
      const chatty = cold('-ab|');
      expectObservable(quorumDecision([chatty, cold<string>('---c|')], once(2))).toBe('---(x|)', { x: 'ac' });
      expectSubscriptions(chatty.subscriptions).toBe('^!');
    });
  });

  it('decides on no voters at all, with nothing pending', () => {
    virtualTime().run(({ expectObservable }) => {
      expectObservable(quorumDecision<string, string>([], once(0))).toBe('(x|)', { x: '' });
    });
  });

  it('never emits while voters never vote and the outcome stays open', () => {
    virtualTime().run(({ cold, expectObservable, expectSubscriptions }) => {
      const silent = cold('-');
      expectObservable(quorumDecision([silent, NEVER], once(1)), '^---!').toBe('-');
      expectSubscriptions(silent.subscriptions).toBe('^---!');
    });
  });

  it('unsubscribes the voters and the outcome when unsubscribed early', () => {
    virtualTime().run(({ cold, expectObservable, expectSubscriptions }) => {
      const voter = cold('-a|');
      const pending = cold('------b|');
      const step = cold('--y|');
      expectObservable(
        quorumDecision([voter, pending], () => undefined),
        '^--!',
      ).toBe('---');
      expectSubscriptions(pending.subscriptions).toBe('^--!');
      const decided = quorumDecision([voter], ({ votes }) => (votes.length > 0 ? step : undefined));
      expectObservable(decided, '^--!').toBe('---');
      expectSubscriptions(step.subscriptions).toBe('-^-!');
    });
  });

  it('errors when a voter errors, and unsubscribes the others', () => {
    virtualTime().run(({ cold, expectObservable, expectSubscriptions }) => {
      const other = cold('-----a|');
      expectObservable(quorumDecision([cold<string>('--#', {}, 'down'), other], once(2))).toBe('--#', {}, 'down');
      expectSubscriptions(other.subscriptions).toBe('^-!');
    });
  });

  it('errors when decide throws', () => {
    virtualTime().run(({ cold, expectObservable }) => {
      const failing = ({ votes }: Tally<string>): Observable<string> | undefined => {
        if (votes.length > 0) throw new Error('bad reply');
        return undefined;
      };
      expectObservable(quorumDecision([cold<string>('-a|'), cold<string>('---b|')], failing)).toBe(
        '-#',
        {},
        new Error('bad reply'),
      );
    });
  });

  it('errors with a TypeError when decide leaves the outcome open with every vote in', () => {
    let failure: unknown;
    quorumDecision([of('a'), of('b')], () => undefined).subscribe({ error: (error: unknown) => (failure = error) });
    expect(failure).toBeInstanceOf(TypeError);
    expect(failure).toMatchObject({ message: 'quorumDecision: decide() left the outcome open with every vote in.' });
  });
});
