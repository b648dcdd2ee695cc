import { map, Observable, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Vacancy } from 'rx-sync';
import {
  VacancySignals,
  WATCH_LINGER,
  wakeUpOf,
  type WakeUp,
} from '../../../src/backends/redis/leases/vacancySignals.js';

/** A fake watch of wake-ups that counts its subscriptions and lets the test send wake-ups. */
function fakeWatch() {
  const signals = new Subject<WakeUp>();
  let subscriptions = 0;
  let live = 0;
  const watch = (): Observable<WakeUp> =>
    new Observable<WakeUp>((subscriber) => {
      subscriptions++;
      live++;
      const inner = signals.subscribe(subscriber);
      return () => {
        live--;
        inner.unsubscribe();
      };
    });
  return {
    watch,
    signals,
    get subscriptions() {
      return subscriptions;
    },
    get live() {
      return live;
    },
  };
}

const virtualTime = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('wakeUpOf', () => {
  it('wakes the named place for a release or turn naming one, one waiter for a release without, all for a lapse', () => {
    expect(wakeUpOf({ type: 'released', key: 'k', token: 1, next: 'p1' })).toEqual({ kind: 'named', next: 'p1' });
    expect(wakeUpOf({ type: 'turn', key: 'k', next: 'p2' })).toEqual({ kind: 'named', next: 'p2' });
    expect(wakeUpOf({ type: 'released', key: 'k', token: 2 })).toEqual({ kind: 'one' });
    expect(wakeUpOf({ type: 'expired', key: 'k', token: 3 })).toEqual({ kind: 'everyone' });
    expect(wakeUpOf({ type: 'acquired', key: 'k', holder: 'h', token: 4 })).toBeUndefined();
    expect(wakeUpOf({ type: 'updated', key: 'k', holder: 'h', token: 4, value: 'v' })).toBeUndefined();
  });
});

describe('VacancySignals', () => {
  it('routes wake-ups: a named place to every waiter, one to one waiter in turn, everyone to all', () => {
    const fake = fakeWatch();
    const vacancies = new VacancySignals(fake.watch);
    const heard: [string, Vacancy][] = [];
    const a = vacancies.vacancies('k').subscribe((vacancy) => heard.push(['a', vacancy]));
    const b = vacancies.vacancies('k').subscribe((vacancy) => heard.push(['b', vacancy]));
    fake.signals.next({ kind: 'named', next: 'p1' });
    fake.signals.next({ kind: 'named', next: 'p2' });
    fake.signals.next({ kind: 'one' });
    fake.signals.next({ kind: 'one' });
    fake.signals.next({ kind: 'everyone' });
    expect(heard).toEqual([
      ['a', { next: 'p1' }],
      ['b', { next: 'p1' }],
      ['a', { next: 'p2' }],
      ['b', { next: 'p2' }],
      ['a', {}],
      ['b', {}],
      ['a', {}],
      ['b', {}],
    ]);
    expect(fake.subscriptions).toBe(1);
    a.unsubscribe();
    b.unsubscribe();
  });

  it('keeps the watch WATCH_LINGER ms after the last waiter left, for the next waiters, then ends it', () => {
    virtualTime().run(({ flush }) => {
      const fake = fakeWatch();
      const vacancies = new VacancySignals(fake.watch);
      vacancies.vacancies('k').subscribe().unsubscribe();
      expect(fake.live).toBe(1); // lingering
      const again = vacancies.vacancies('k').subscribe();
      expect(fake.subscriptions).toBe(1); // the same watch
      again.unsubscribe();
      flush();
      expect(fake.live).toBe(0);
      vacancies.vacancies('k').subscribe().unsubscribe();
      expect(fake.subscriptions).toBe(2); // a fresh watch after the linger
      flush();
      expect(fake.live).toBe(0);
    });
  });

  it(`ends the watch exactly ${WATCH_LINGER} ms after the last waiter left`, () => {
    virtualTime().run(({ expectObservable, cold }) => {
      const fake = fakeWatch();
      const vacancies = new VacancySignals(fake.watch);
      vacancies.vacancies('k').subscribe().unsubscribe();
      const probe = (at: number) => cold(`${at}ms (x|)`, { x: () => fake.live });
      expectObservable(probe(WATCH_LINGER - 1).pipe(map((read) => read()))).toBe(`${WATCH_LINGER - 1}ms (x|)`, {
        x: 1,
      });
      expectObservable(probe(WATCH_LINGER).pipe(map((read) => read()))).toBe(`${WATCH_LINGER}ms (x|)`, { x: 0 });
    });
  });

  it('counts the wake-ups heard on the current watch of a key, lingering included, and nothing unwatched', () => {
    virtualTime().run(({ flush }) => {
      const fake = fakeWatch();
      const vacancies = new VacancySignals(fake.watch);
      expect(vacancies.heard('k')).toBeUndefined();
      const waiter = vacancies.vacancies('k').subscribe();
      expect(vacancies.heard('k')).toBe(0);
      fake.signals.next({ kind: 'named', next: 'p1' });
      fake.signals.next({ kind: 'one' });
      expect(vacancies.heard('k')).toBe(2);
      waiter.unsubscribe();
      expect(vacancies.heard('k')).toBe(2); // lingering
      flush();
      expect(vacancies.heard('k')).toBeUndefined();
    });
  });

  it('forgets a watch that ended while lingering: the next waiter watches afresh', () => {
    virtualTime().run(({ flush }) => {
      const fake = fakeWatch();
      const vacancies = new VacancySignals(fake.watch);
      vacancies.vacancies('k').subscribe().unsubscribe();
      fake.signals.complete(); // the backend closed
      const later = vacancies.vacancies('k').subscribe();
      expect(fake.subscriptions).toBe(2);
      later.unsubscribe();
      flush();
    });
  });
});
