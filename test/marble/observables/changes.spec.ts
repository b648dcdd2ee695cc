import { TestScheduler } from 'rxjs/testing';
import {
  BackendUnavailableError,
  changes,
  VersionConflictError,
  type ChangeEvent,
  type Item,
  type SyncBackend,
} from 'rx-sync';
import { createTestBackend } from 'rx-sync/testing';
import { CLEAN, inspectAt, performWrites, type Write } from '../../support/marbleHelpers';

const item = (key: string, value: string, version: number): Item => ({ key, value, version });
const put = (key: string, value: string, version: number): ChangeEvent => ({
  type: 'put',
  key,
  version,
  item: item(key, value, version),
});
const gone = (type: 'deleted' | 'expired', key: string, version: number): ChangeEvent => ({ type, key, version });

describe('changes', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('emits puts, deletes and expiries under the prefix in order, with strictly increasing versions', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      const writes = hot<Write>('-a-b-c-d--------|', {
        a: () => backend.put('cfg/a', '1'),
        b: () => backend.put('cfg/b', '2', { timeToLive: 8 }), // expires at 3 + 8
        c: () => backend.put('cfg/a', '3'),
        d: () => backend.delete('cfg/a'),
      });
      const replies = '          -a-b-c-t--------|';
      const writesSubs = '       ^---------------!';
      const expected = '         -a-b-c-d---e     ';
      expectObservable(performWrites(writes)).toBe(replies, {
        a: item('cfg/a', '1', 1),
        b: item('cfg/b', '2', 2),
        c: item('cfg/a', '3', 3),
        t: true,
      });
      expectSubscriptions(writes.subscriptions).toBe(writesSubs);
      expectObservable(changes(backend, 'cfg/'), '^ 15ms !').toBe(expected, {
        a: put('cfg/a', '1', 1),
        b: put('cfg/b', '2', 2),
        c: put('cfg/a', '3', 3),
        d: gone('deleted', 'cfg/a', 4),
        e: gone('expired', 'cfg/b', 5),
      });
      expectObservable(inspectAt(backend, 16)).toBe('16ms (c|)', { c: CLEAN });
    });
  });

  it('emits only what happens after subscription', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      const writes = hot<Write>('-a---b--|', {
        a: () => backend.put('cfg/a', '1'),
        b: () => backend.put('cfg/a', '2'),
      });
      expectObservable(performWrites(writes)).toBe('-a---b--|', { a: item('cfg/a', '1', 1), b: item('cfg/a', '2', 2) });
      expectSubscriptions(writes.subscriptions).toBe('^-------!');
      expectObservable(changes(backend, 'cfg/'), '---^ 5ms !').toBe('-----b', { b: put('cfg/a', '2', 2) });
      expectObservable(inspectAt(backend, 9)).toBe('9ms (c|)', { c: CLEAN });
    });
  });

  it("follows only keys that start with the prefix; '' follows the whole store", () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      const writes = hot<Write>('-a-b-c-|', {
        a: () => backend.put('cfg/a', '1'),
        b: () => backend.put('other', '2'),
        c: () => backend.put('cfg', '3'),
      });
      const all = { a: put('cfg/a', '1', 1), b: put('other', '2', 2), c: put('cfg', '3', 3) };
      expectObservable(performWrites(writes)).toBe('-a-b-c-|', {
        a: item('cfg/a', '1', 1),
        b: item('other', '2', 2),
        c: item('cfg', '3', 3),
      });
      expectSubscriptions(writes.subscriptions).toBe('^------!');
      expectObservable(changes(backend, 'cfg/'), '^ 8ms !').toBe('-a      ', all);
      expectObservable(changes(backend, 'cfg'), '^ 8ms !').toBe(' -a---c  ', all);
      expectObservable(changes(backend, ''), '^ 8ms !').toBe('    -a-b-c  ', all);
      expectObservable(inspectAt(backend, 9)).toBe('9ms (c|)', { c: CLEAN });
    });
  });

  it('emits nothing for a rejected compare-and-set or for deleting an absent key', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      const writes = hot<Write>('-a-b-c-d-|', {
        a: () => backend.put('cfg/a', '1'),
        b: () => backend.put('cfg/a', 'x', { ifVersion: 9 }),
        c: () => backend.delete('cfg/nothing'),
        d: () => backend.delete('cfg/a', { ifVersion: 7 }),
      });
      expectObservable(performWrites(writes)).toBe('-a-b-f-d-|', {
        a: item('cfg/a', '1', 1),
        b: new VersionConflictError('cfg/a', 9, 1),
        f: false,
        d: new VersionConflictError('cfg/a', 7, 1),
      });
      expectSubscriptions(writes.subscriptions).toBe('^--------!');
      expectObservable(changes(backend, 'cfg/'), '^ 10ms !').toBe('-a', { a: put('cfg/a', '1', 1) });
      expectObservable(inspectAt(backend, 11)).toBe('11ms (c|)', { c: CLEAN });
    });
  });

  it('shares one watch between the subscribers of one changes() stream, without replay', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const backend = createTestBackend();
      const watch = changes(backend, 'cfg/');
      const writes = hot<Write>('--a---b---|', {
        a: () => backend.put('cfg/a', '1'),
        b: () => backend.put('cfg/a', '2'),
      });
      const events = { a: put('cfg/a', '1', 1), b: put('cfg/a', '2', 2) };
      expectObservable(performWrites(writes)).toBe('--a---b---|', {
        a: item('cfg/a', '1', 1),
        b: item('cfg/a', '2', 2),
      });
      expectSubscriptions(writes.subscriptions).toBe('^---------!');
      expectObservable(watch, '^ 10ms !').toBe('--a---b', events);
      expectObservable(watch, '----^ 6ms !').toBe('------b', events);
      expectObservable(inspectAt(backend, 5)).toBe('5ms (i|)', { i: { leasesHeld: 0, watchers: 1 } });
      expectObservable(inspectAt(backend, 11)).toBe('11ms (c|)', { c: CLEAN });
    });
  });

  it('errors when the backend does', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const memory = createTestBackend();
      const failure = new BackendUnavailableError('memory', 'changes');
      const events = cold<ChangeEvent>('--a--#', { a: put('cfg/a', '1', 1) }, failure);
      const backend: SyncBackend = { ...memory, changes: () => events };
      expectObservable(changes(backend, 'cfg/')).toBe('--a--#', { a: put('cfg/a', '1', 1) }, failure);
      expectSubscriptions(events.subscriptions).toBe('^----!');
    });
  });

  it('checks the prefix at call time and watches nothing before subscription', () => {
    const backend = createTestBackend();
    expect(() => changes(backend, 5 as unknown as string)).toThrow(TypeError);
    expect(() => changes(backend, 5 as unknown as string)).toThrow(/`prefix`/);
    expect(() => changes(backend, 'a\u007f')).toThrow(/control characters/);
    expect(() => changes(backend, '')).not.toThrow();
    expect(() => changes({} as SyncBackend, 'cfg/')).toThrow(/`backend`/);
    changes(backend, 'cfg/');
    expect(backend.inspect()).toEqual(CLEAN);
  });
});
