import { TestScheduler } from 'rxjs/testing';
import {
  BackendUnavailableError,
  keyValue,
  VersionConflictError,
  type ChangeEvent,
  type Item,
  type SyncBackend,
} from 'rx-sync';
import { createTestBackend } from 'rx-sync/testing';
import { CLEAN, inspectAt, performWrites, type Write } from '../../support/marbleHelpers';

const item = (value: string, version: number, key = 'k'): Item => ({ key, value, version });

describe('keyValue', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('emits the current item at subscription, then every change in order', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      const writes = hot<Write>('-a---b---c---|', {
        a: () => backend.put('k', '1'),
        b: () => backend.put('k', '2'),
        c: () => backend.put('k', '3'),
      });
      const replies = '          -1---2---3---|';
      const writesSubs = '       ^------------!';
      const kvSubs = '           ---^ 15ms !   ';
      const kvExpected = '       ---1-2---3    ';
      const values = { 1: item('1', 1), 2: item('2', 2), 3: item('3', 3) };
      expectObservable(performWrites(writes)).toBe(replies, values);
      expectSubscriptions(writes.subscriptions).toBe(writesSubs);
      expectObservable(keyValue(backend, 'k'), kvSubs).toBe(kvExpected, values);
      expectObservable(inspectAt(backend, 20)).toBe('20ms (c|)', { c: CLEAN });
    });
  });

  it('emits undefined for an absent key and after a delete; a new write gets a greater version', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      const writes = hot<Write>('--a---d---x---b--|', {
        a: () => backend.put('k', '1'),
        d: () => backend.delete('k'),
        x: () => backend.delete('k'), // already absent: no change
        b: () => backend.put('k', '2'),
      });
      const replies = '          --1---t---f---3--|';
      const writesSubs = '       ^----------------!';
      const kvExpected = '       u-1---u-------3   ';
      expectObservable(performWrites(writes)).toBe(replies, { 1: item('1', 1), t: true, f: false, 3: item('2', 3) });
      expectSubscriptions(writes.subscriptions).toBe(writesSubs);
      expectObservable(keyValue(backend, 'k'), '^ 19ms !').toBe(kvExpected, {
        u: undefined,
        1: item('1', 1),
        3: item('2', 3),
      });
      expectObservable(inspectAt(backend, 20)).toBe('20ms (c|)', { c: CLEAN });
    });
  });

  it('emits undefined exactly when a timeToLive runs out', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      const writes = hot<Write>('--a-----------|', { a: () => backend.put('k', '1', { timeToLive: 7 }) });
      const writesSubs = '       ^-------------!';
      const kvExpected = '       u-1------u     '; // written at 2, expired at 2 + 7
      expectObservable(performWrites(writes)).toBe('--1-----------|', { 1: item('1', 1) });
      expectSubscriptions(writes.subscriptions).toBe(writesSubs);
      expectObservable(keyValue(backend, 'k'), '^ 15ms !').toBe(kvExpected, { u: undefined, 1: item('1', 1) });
      expectObservable(inspectAt(backend, 16)).toBe('16ms (c|)', { c: CLEAN });
    });
  });

  it('a later write without timeToLive cancels the expiry', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      const writes = hot<Write>('--a--b--------|', {
        a: () => backend.put('k', '1', { timeToLive: 7 }),
        b: () => backend.put('k', '2'),
      });
      const writesSubs = '       ^-------------!';
      const kvExpected = '       u-1--2         ';
      expectObservable(performWrites(writes)).toBe('--1--2--------|', { 1: item('1', 1), 2: item('2', 2) });
      expectSubscriptions(writes.subscriptions).toBe(writesSubs);
      expectObservable(keyValue(backend, 'k'), '^ 15ms !').toBe(kvExpected, {
        u: undefined,
        1: item('1', 1),
        2: item('2', 2),
      });
      expectObservable(inspectAt(backend, 16)).toBe('16ms (c|)', { c: CLEAN });
    });
  });

  it('rejects compare-and-set writes with a wrong version (VersionConflictError) and emits nothing for them', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      const writes = hot<Write>('-a--b--c--d--e--f--|', {
        a: () => backend.put('k', '1'),
        b: () => backend.put('k', 'x', { ifVersion: 5 }),
        c: () => backend.put('k', '2', { ifVersion: 1 }),
        d: () => backend.put('k', 'y', { ifVersion: 0 }), // create-only, but k exists
        e: () => backend.delete('k', { ifVersion: 1 }),
        f: () => backend.put('n', 'new', { ifVersion: 0 }), // create-only on an absent key
      });
      const replies = '          -1--B--2--C--D--n--|';
      const writesSubs = '       ^------------------!';
      const kvExpected = '       u1-----2            ';
      expectObservable(performWrites(writes)).toBe(replies, {
        1: item('1', 1),
        B: new VersionConflictError('k', 5, 1),
        2: item('2', 2),
        C: new VersionConflictError('k', 0, 2),
        D: new VersionConflictError('k', 1, 2),
        n: item('new', 3, 'n'),
      });
      expectSubscriptions(writes.subscriptions).toBe(writesSubs);
      expectObservable(keyValue(backend, 'k'), '^ 20ms !').toBe(kvExpected, {
        u: undefined,
        1: item('1', 1),
        2: item('2', 2),
      });
      expectObservable(inspectAt(backend, 21)).toBe('21ms (c|)', { c: CLEAN });
    });
  });

  it('follows exactly its key, not other keys that start with it', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      const writes = hot<Write>('-a-b-c-d-|', {
        a: () => backend.put('cfg/a', '1'),
        b: () => backend.put('cfgx', '2'),
        c: () => backend.put('cfg', '3'),
        d: () => backend.delete('cfg/a'),
      });
      const writesSubs = '       ^--------!';
      const kvExpected = '       u----c    ';
      expectObservable(performWrites(writes)).toBe('-a-b-c-t-|', {
        a: item('1', 1, 'cfg/a'),
        b: item('2', 2, 'cfgx'),
        c: item('3', 3, 'cfg'),
        t: true,
      });
      expectSubscriptions(writes.subscriptions).toBe(writesSubs);
      expectObservable(keyValue(backend, 'cfg'), '^ 10ms !').toBe(kvExpected, { u: undefined, c: item('3', 3, 'cfg') });
      expectObservable(inspectAt(backend, 11)).toBe('11ms (c|)', { c: CLEAN });
    });
  });

  it('shares one watch between subscribers and replays the latest item to a late one', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      const watch = keyValue(backend, 'k');
      const writes = hot<Write>('--a-----b---|', {
        a: () => backend.put('k', '1'),
        b: () => backend.put('k', '2'),
      });
      const values = { u: undefined, 1: item('1', 1), 2: item('2', 2) };
      expectObservable(performWrites(writes)).toBe('--1-----2---|', values);
      expectSubscriptions(writes.subscriptions).toBe('^-----------!');
      expectObservable(watch, '^ 14ms !     ').toBe('u-1-----2', values);
      expectObservable(watch, '-----^ 9ms !').toBe('-----1--2', values);
      expectObservable(inspectAt(backend, 6)).toBe('6ms (i|)', { i: { leasesHeld: 0, watchers: 1 } });
      expectObservable(inspectAt(backend, 15)).toBe('15ms (c|)', { c: CLEAN });
    });
  });

  it('errors when the backend does, and stops watching', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const memory = createTestBackend();
      const failure = new BackendUnavailableError('memory', 'changes');
      const events = cold<ChangeEvent>('---#', undefined, failure);
      const backend: SyncBackend = { ...memory, changes: () => events };
      expectObservable(keyValue(backend, 'k')).toBe('u--#', { u: undefined }, failure);
      expectSubscriptions(events.subscriptions).toBe('^--!');
    });
  });

  it('checks the key at call time and watches nothing before subscription', () => {
    const backend = createTestBackend();
    expect(() => keyValue(backend, '')).toThrow(TypeError);
    expect(() => keyValue(backend, '')).toThrow(/`key`/);
    expect(() => keyValue(backend, 3 as unknown as string)).toThrow(/`key`/);
    expect(() => keyValue(backend, 'x'.repeat(1025))).toThrow(RangeError);
    expect(() => keyValue(undefined as unknown as SyncBackend, 'k')).toThrow(/`backend`/);
    keyValue(backend, 'k');
    expect(backend.inspect()).toEqual(CLEAN);
  });
});
