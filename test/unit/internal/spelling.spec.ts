import fc from 'fast-check';
import { editDistance, nearestName } from '../../../src/internal/spelling';
import { NUM_RUNS } from '../../support/badInput.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'wait', 4],
    ['wait', '', 4],
    ['wait', 'wait', 0],
    ['wait', 'wiat', 1], // a swap of neighbours is one edit
    ['wait', 'wat', 1],
    ['wait', 'waits', 1],
    ['wait', 'want', 1],
    ['leaseDuration', 'leaseDurration', 1],
    ['requestTimeout', 'requestTimout', 1],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3], // optimal string alignment: a swapped pair is not edited again
    ['Wait', 'wait', 1], // case counts here; nearestName ignores it
  ])('%p → %p: %p', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });

  it('is a distance: zero only for equal strings, symmetric, at least the difference in length, at most the longer length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const distance = editDistance(a, b);
        expect(distance === 0).toBe(a === b);
        expect(editDistance(b, a)).toBe(distance);
        expect(distance).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
        expect(distance).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('counts one edit for any single insertion, deletion, substitution or swap', () => {
    const edited = fc
      .string({ minLength: 2, maxLength: 12 })
      .chain((word) =>
        fc.tuple(
          fc.constant(word),
          fc.nat(word.length - 2),
          fc.constantFrom('insert', 'delete', 'substitute', 'swap'),
          fc.string({ minLength: 1, maxLength: 1 }),
        ),
      );
    fc.assert(
      fc.property(edited, ([word, at, edit, character]) => {
        const variant =
          edit === 'insert'
            ? word.slice(0, at) + character + word.slice(at)
            : edit === 'delete'
              ? word.slice(0, at) + word.slice(at + 1)
              : edit === 'substitute'
                ? word.slice(0, at) + character + word.slice(at + 1)
                : word.slice(0, at) + word[at + 1]! + word[at]! + word.slice(at + 2);
        expect(editDistance(word, variant)).toBe(variant === word ? 0 : 1);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('nearestName', () => {
  const lockOptions = [
    'leaseDuration',
    'renewInterval',
    'driftMargin',
    'acquireTimeout',
    'retryDelay',
    'maxRetryDelay',
    'retryJitter',
    'wait',
    'holder',
  ];

  it.each([
    ['leaseDurration', 'leaseDuration'],
    ['LEASEDURATION', 'leaseDuration'],
    ['acquireTimeOut', 'acquireTimeout'],
    ['retrydelay', 'retryDelay'],
    ['maxRetryDelya', 'maxRetryDelay'],
    ['wiat', 'wait'],
    ['holdr', 'holder'],
    ['renewIntervall', 'renewInterval'],
    ['drftMargn', 'driftMargin'],
  ])('suggests %p for %p', (name, suggestion) => {
    expect(nearestName(name, lockOptions)).toBe(suggestion);
  });

  it.each(['timeout', 'color', 'w', 'leaseTime', 'waitForIt', '', 'x'.repeat(10_000)])(
    'suggests nothing for %p, which is no misspelling of any',
    (name) => {
      expect(nearestName(name, lockOptions)).toBeUndefined();
    },
  );

  it('allows one edit for names of up to five characters, a third of the length for longer ones', () => {
    expect(nearestName('nme', ['name'])).toBe('name');
    expect(nearestName('nm', ['name'])).toBeUndefined();
    expect(nearestName('tmout', ['timeout'])).toBe('timeout'); // 2 edits of 7 characters
    expect(nearestName('tmt', ['timeout'])).toBeUndefined();
  });

  it('takes the nearest candidate, and the first of equally near ones', () => {
    expect(nearestName('retryDelai', ['maxRetryDelay', 'retryDelay'])).toBe('retryDelay');
    expect(nearestName('ab', ['ax', 'ay'])).toBe('ax');
  });
});
