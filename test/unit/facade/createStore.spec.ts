import { lastValueFrom, timer } from 'rxjs';
import { createStore, VersionConflictError, type SyncBackend } from 'rx-sync';
import { createTestBackend, type TestBackend } from 'rx-sync/testing';
import { CLEAN } from '../../support/marbleHelpers';

describe('createStore', () => {
  let backend: TestBackend;

  beforeEach(() => {
    backend = createTestBackend();
  });

  afterEach(() => {
    expect(backend.inspect()).toEqual(CLEAN);
  });

  it('puts, gets, lists and deletes items', async () => {
    const store = createStore(backend);
    expect(await store.get('foo')).toBeUndefined();
    expect(await store.put('foo', 'bar')).toEqual({ key: 'foo', value: 'bar', version: 1 });
    expect(await store.get('foo')).toEqual({ key: 'foo', value: 'bar', version: 1 });
    expect(await store.put('foo', 'baz')).toEqual({ key: 'foo', value: 'baz', version: 2 });
    expect(await store.delete('foo')).toBe(true);
    expect(await store.delete('foo')).toBe(false);
    expect(await store.get('foo')).toBeUndefined();
    expect((await store.put('foo', 'again')).version).toBe(4); // the delete took version 3
  });

  it('lists the items under a prefix, sorted by key', async () => {
    const store = createStore(backend);
    await store.put('cfg/b', '2');
    await store.put('other', 'x');
    await store.put('cfg/a', '1');
    await store.put('cfg/c', '3');
    await store.delete('cfg/c');
    expect((await store.list('cfg/')).map((item) => item.key)).toEqual(['cfg/a', 'cfg/b']);
    expect((await store.list('')).map((item) => item.key)).toEqual(['cfg/a', 'cfg/b', 'other']);
    expect(await store.list('none/')).toEqual([]);
  });

  it('compare-and-set: writes with the current version, rejects others with VersionConflictError', async () => {
    const store = createStore(backend);
    const written = await store.put('foo', 'bar');
    await expect(store.put('foo', 'x', { ifVersion: written.version + 1 })).rejects.toEqual(
      new VersionConflictError('foo', 2, 1),
    );
    await expect(store.put('foo', 'x', { ifVersion: 0 })).rejects.toMatchObject({
      name: 'VersionConflictError',
      expectedVersion: 0,
      actualVersion: 1,
      transient: false,
    });
    expect(await store.put('foo', 'baz', { ifVersion: written.version })).toMatchObject({ value: 'baz', version: 2 });
    expect(await store.put('new', 'v', { ifVersion: 0 })).toMatchObject({ key: 'new', version: 3 });
    await expect(store.delete('foo', { ifVersion: 1 })).rejects.toEqual(new VersionConflictError('foo', 1, 2));
    expect(await store.delete('foo', { ifVersion: 2 })).toBe(true);
    expect((await store.get('foo')) ?? 'gone').toBe('gone');
  });

  it('forgets an item after its timeToLive', async () => {
    const store = createStore(backend);
    await store.put('session', 'token', { timeToLive: 10 });
    await lastValueFrom(timer(60));
    expect(await store.get('session')).toBeUndefined();
  });

  it('checks arguments at call time, synchronously, before any Promise is made', () => {
    const store = createStore(backend);
    expect(() => store.put('', 'v')).toThrow(TypeError);
    expect(() => store.put('k', 5 as unknown as string)).toThrow(/`value`/);
    expect(() => store.put('k', 'v', { timeToLive: -1 })).toThrow(RangeError);
    expect(() => store.get('a\u0000')).toThrow(/control characters/);
    expect(() => store.delete('k', { ifVersion: 0.5 })).toThrow(/`ifVersion`/);
    expect(() => store.list(null as unknown as string)).toThrow(/`prefix`/);
    expect(() => createStore({} as SyncBackend)).toThrow(/`backend`/);
    expect(Object.isFrozen(store)).toBe(true);
  });
});
