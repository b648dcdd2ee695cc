import fc from 'fast-check';
import { firstValueFrom, lastValueFrom, toArray, type Subscription } from 'rxjs';
import {
  cancelTask,
  changes,
  createLock,
  DEFAULT_BACKEND_LIMITS,
  keyValue,
  leadership,
  lock,
  submit,
  task,
  worker,
  type ChangeEvent,
  type SyncBackend,
  type TaskBackend,
} from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';
import { createTestBackend } from 'rx-sync/testing';
import { expectMisuse, globName, NUM_RUNS, syncValue } from '../../support/badInput.js';

/**
 * The backend limits: their defaults, what a backend exposes, that every function honours its
 * backend's limits (lower and higher than the defaults) at the exact bound, and that glob
 * characters in names are plain characters.
 */

const subscriptions: Subscription[] = [];
afterEach(() => subscriptions.splice(0).forEach((subscription) => subscription.unsubscribe()));

describe('defaults', () => {
  it('are 1_024-character names, 512 KiB values and leases from 10 ms to 2^31 − 1 ms, the same on every backend', () => {
    expect(DEFAULT_BACKEND_LIMITS).toEqual({
      maxNameLength: 1_024,
      maxValueSize: 512 * 1024,
      minLeaseDuration: 10,
      maxLeaseDuration: 2 ** 31 - 1,
    });
    expect(Object.isFrozen(DEFAULT_BACKEND_LIMITS)).toBe(true);
    for (const backend of [createMemoryBackend(), createTestBackend(), createMemoryBackend({})]) {
      expect(backend.limits).toEqual(DEFAULT_BACKEND_LIMITS);
      expect(Object.isFrozen(backend.limits)).toBe(true);
    }
  });

  it('fill in what an option leaves out', () => {
    expect(createMemoryBackend({ limits: { maxValueSize: 4_096 } }).limits).toEqual({
      ...DEFAULT_BACKEND_LIMITS,
      maxValueSize: 4_096,
    });
  });

  it('apply to a backend that has no `limits` of its own', () => {
    const { limits: _limits, ...withoutLimits } = createMemoryBackend({ limits: { maxNameLength: 4_096 } });
    const custom = withoutLimits as SyncBackend & TaskBackend;
    expectMisuse(() => lock(custom, 'k'.repeat(1_025)), 'key', RangeError);
    expect(() => lock(custom, 'k'.repeat(1_024))).not.toThrow();
  });
});

describe('names', () => {
  it('of exactly limits.maxNameLength work end to end; one more is refused at call time, naming the limit', async () => {
    const backend = createTestBackend();
    const longest = 'k'.repeat(1_024);
    // A lock's backend key is `lock:KEY` and a group's `leader:GROUP`: they must fit too.
    const lease = await firstValueFrom(lock(backend, longest));
    expect(lease.key).toBe(longest);
    const term = await firstValueFrom(leadership(backend, longest, { candidate: 'c'.repeat(1_024) }));
    expect(term.candidate).toHaveLength(1_024);
    await firstValueFrom(backend.put(longest, 'v'));
    expect((await firstValueFrom(keyValue(backend, longest)))?.value).toBe('v');
    const locker = createLock(backend, { holder: 'h'.repeat(1_024) });
    const held = await locker.acquire('l'.repeat(1_024));
    expect(held.holder).toHaveLength(1_024);
    await locker.release('l'.repeat(1_024));
    expect(backend.inspect().leasesHeld).toBe(0);

    const tooLong = 'k'.repeat(1_025);
    const error = expectMisuse(() => lock(backend, tooLong), 'key', RangeError);
    expect(error.message).toBe(
      "Expected `key` to be at most 1024 characters (the backend's `limits.maxNameLength`), got 1025.",
    );
    expectMisuse(() => leadership(backend, tooLong), 'group', RangeError);
    expectMisuse(() => lock(backend, 'k', { holder: tooLong }), 'holder', RangeError);
    expectMisuse(() => backend.put(tooLong, 'v'), 'key', RangeError);
    expectMisuse(() => submit(backend, tooLong), 'name', RangeError);
  });

  it('of a task, exactly limits.maxNameLength long, run end to end, and its id reads and cancels', async () => {
    const backend = createTestBackend();
    const name = 't'.repeat(1_024);
    subscriptions.push(worker(backend, { [name]: (input: number) => input + 1 }, { pollInterval: 5 }).subscribe());
    const events = await lastValueFrom(
      submit(backend, name, 41, { idempotencyKey: 'i'.repeat(1_024) }).pipe(toArray()),
    );
    const id = events[0]!.id;
    expect(events.at(-1)).toEqual({ type: 'succeeded', id, result: 42 });
    expect((await firstValueFrom(task(backend, id)))?.result).toBe(42);
    expect(await firstValueFrom(cancelTask(backend, id))).toBe(false); // already finished
  });

  it('may be longer than the default when the limit is raised, and stop at it', async () => {
    const backend = createTestBackend({ limits: { maxNameLength: 4_096 } });
    const key = 'k'.repeat(4_096);
    await firstValueFrom(lock(backend, key));
    await firstValueFrom(backend.put(key, 'v'));
    expect(syncValue(backend.list(key.slice(0, 4_000)))).toHaveLength(1);
    expectMisuse(() => lock(backend, `${key}k`), 'key', RangeError);
    expectMisuse(() => keyValue(backend, `${key}k`), 'key', RangeError);
  });

  it('may be capped lower than the default', () => {
    const backend = createTestBackend({ limits: { maxNameLength: 128 } });
    expect(() => lock(backend, 'k'.repeat(128))).not.toThrow();
    for (const call of [
      () => lock(backend, 'k'.repeat(129)),
      () => backend.get('k'.repeat(129)),
      () => changes(backend, 'k'.repeat(129)),
      () => worker(backend, { ['t'.repeat(129)]: () => 1 }),
    ]) {
      expect(call).toThrow(/at most 128 characters \(the backend's `limits.maxNameLength`\)/);
    }
    // Default holder names (host-pid-n, the host cut to 64) always fit the lowest limit.
    expect(() => syncValue(lock(backend, 'k'))).not.toThrow();
  });
});

describe('values', () => {
  const backend = createTestBackend({ limits: { maxValueSize: 1_024 } });

  it('are measured in bytes of UTF-8, up to and including limits.maxValueSize', () => {
    expect(syncValue(backend.put('ascii', 'v'.repeat(1_024))).value).toHaveLength(1_024);
    expect(syncValue(backend.put('wide', '語'.repeat(341))).value).toHaveLength(341); // 1_023 bytes
    expect(syncValue(backend.put('emoji', '😀'.repeat(256))).value).toHaveLength(512); // 1_024 bytes
    const error = expectMisuse(() => backend.put('wide', '語'.repeat(342)), 'value', RangeError);
    expect(error.message).toBe(
      "Expected `value` to be at most 1024 bytes (the backend's `limits.maxValueSize`), got 1026.",
    );
    expectMisuse(() => backend.put('ascii', 'v'.repeat(1_025)), 'value', RangeError);
  });

  it('of tasks are measured as JSON text', () => {
    expect(() => submit(backend, 'resize', 'v'.repeat(1_022))).not.toThrow(); // 1_024 with its quotes
    const error = expectMisuse(() => submit(backend, 'resize', 'v'.repeat(1_023)), 'input', RangeError);
    expect(error.message).toBe(
      "Expected `input` to be at most 1024 bytes as JSON (the backend's `limits.maxValueSize`), got 1025.",
    );
  });

  it('may be larger than the default when the limit is raised', async () => {
    const roomy = createTestBackend({ limits: { maxValueSize: 2 * 1024 * 1024 } });
    const big = 'v'.repeat(1024 * 1024);
    expect((await firstValueFrom(roomy.put('big', big))).value).toBe(big);
    expect(() => submit(roomy, 'resize', big)).not.toThrow();
    expectMisuse(() => roomy.put('big', big.repeat(2) + 'v'), 'value', RangeError);
  });
});

describe('lease bounds', () => {
  it('refuse a leaseDuration outside them, naming the bound', () => {
    const backend = createTestBackend({ limits: { minLeaseDuration: 1_000, maxLeaseDuration: 60_000 } });
    const short = expectMisuse(() => lock(backend, 'k', { leaseDuration: 999 }), 'leaseDuration', RangeError);
    expect(short.message).toBe(
      "Expected `leaseDuration` to be at least 1000 ms (the backend's `limits.minLeaseDuration`), got 999.",
    );
    const long = expectMisuse(() => leadership(backend, 'g', { leaseDuration: 60_001 }), 'leaseDuration', RangeError);
    expect(long.message).toContain("the backend's `limits.maxLeaseDuration`");
    expectMisuse(() => worker(backend, { t: () => 1 }, { leaseDuration: 999 }), 'leaseDuration', RangeError);
    expectMisuse(() => createLock(backend, { leaseDuration: 60_001 }), 'leaseDuration', RangeError);
    expectMisuse(() => backend.renew('lock:k', 'owner', 999), 'leaseDuration', RangeError);
    expectMisuse(
      () => backend.claim({ worker: 'w', names: ['t'], leaseDuration: 60_001, limit: 1 }),
      'leaseDuration',
      RangeError,
    );
    expect(() => lock(backend, 'k', { leaseDuration: 1_000 })).not.toThrow();
    expect(() => lock(backend, 'k', { leaseDuration: 60_000 })).not.toThrow();
  });

  it('move a default lease duration that they exclude to the nearest bound', async () => {
    const backend = createTestBackend({ limits: { maxLeaseDuration: 5_000 } });
    subscriptions.push(lock(backend, 'k').subscribe()); // default 10_000
    const holder = syncValue(backend.readLease('lock:k'));
    expect(holder?.expiresIn).toBeGreaterThan(0);
    expect(holder?.expiresIn).toBeLessThanOrEqual(5_000);

    const claimed: number[] = [];
    const spied: TaskBackend = {
      ...backend,
      claim: (request) => {
        claimed.push(request.leaseDuration);
        return backend.claim(request);
      },
    };
    subscriptions.push(worker(spied, { t: () => 1 }).subscribe()); // default 30_000
    await new Promise((resolve) => setTimeout(resolve, 20)); // the first poll
    expect(claimed[0]).toBe(5_000);

    const raised = createTestBackend({ limits: { minLeaseDuration: 20_000 } });
    expect(() => lock(raised, 'k')).not.toThrow(); // 10_000 moved up to 20_000
  });
});

describe('time to live', () => {
  // Node caps timer delays at 2^31 − 1 ms (about 24.8 days): a longer one fires after 1 ms, so the
  // memory store once dropped an item with a 30-day time to live at once.
  it('of the memory store is refused at call time above 2^31 − 1 ms, the longest a Node.js timer waits', () => {
    const backend = createMemoryBackend();
    expect(() => backend.put('session', 'token', { timeToLive: 2 ** 31 })).toThrow(RangeError);
    expect(() => backend.put('session', 'token', { timeToLive: 2 ** 31 - 1 })).not.toThrow();
  });
});

describe('glob characters in names', () => {
  it('are plain characters: list("a*") does not return "ab", changes("a*") does not see it', () => {
    const backend = createTestBackend();
    for (const key of ['ab', 'a*', 'a*b', 'a?', 'a[b]', 'b']) syncValue(backend.put(key, key));
    expect(syncValue(backend.list('a*')).map((item) => item.key)).toEqual(['a*', 'a*b']);
    expect(syncValue(backend.list('a?')).map((item) => item.key)).toEqual(['a?']);
    expect(syncValue(backend.list('a[')).map((item) => item.key)).toEqual(['a[b]']);
    const seen: ChangeEvent[] = [];
    subscriptions.push(changes(backend, 'a*').subscribe((event) => seen.push(event)));
    syncValue(backend.put('ab', 'again'));
    syncValue(backend.put('a*c', 'new'));
    expect(seen.map((event) => event.key)).toEqual(['a*c']);
  });

  it('list exactly the keys that start with the prefix, whatever the characters', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(globName, { maxLength: 12 }),
        fc.string({ unit: fc.constantFrom('a', '*', '?', '[', ']', '\\'), maxLength: 3 }),
        (keys, prefix) => {
          const backend = createMemoryBackend();
          for (const key of keys) syncValue(backend.put(key, 'v'));
          const listed = syncValue(backend.list(prefix)).map((item) => item.key);
          expect(listed).toEqual(keys.filter((key) => key.startsWith(prefix)).sort());
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
