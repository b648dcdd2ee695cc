import fc from 'fast-check';
import { createMemoryBackend } from 'rx-sync/memory';
import { createTestBackend, type TestBackend } from 'rx-sync/testing';
import { expectMisuse, NUM_RUNS, sitesOf, syncValue } from '../../support/badInput.js';

/**
 * Every method of `SyncBackend` and `TaskBackend` on the memory backend (and the test backend,
 * which wraps it), given one bad argument at a time: each call throws a TypeError or RangeError at
 * once, naming the argument, and nothing is stored, held or watched. test/redis/badInput.spec.ts
 * runs the same table against a real redis-server.
 */

const LIMITS = { maxNameLength: 128, maxValueSize: 1_024 };

function expectUntouched(backend: TestBackend): void {
  expect(backend.inspect()).toEqual({ leasesHeld: 0, watchers: 0 });
  expect(syncValue(backend.list(''))).toEqual([]);
  expect(syncValue(backend.readTask('task-1'))).toBeUndefined();
  expect(backend.tasksRunning()).toBe(0);
}

describe.each([
  ['the memory backend', () => createTestBackend({ limits: LIMITS })],
  ['the memory backend, default limits', () => createTestBackend()],
])('%s', (_label, create) => {
  const backend = create();
  const runs = backend.limits.maxValueSize > 100_000 ? 5 : NUM_RUNS; // oversized values take time at 512 KiB

  afterAll(() => expectUntouched(backend));

  it.each(sitesOf(backend).map((site) => [site.label ?? `${site.method} ${site.what}`, site] as const))(
    '%s',
    (_name, site) => {
      fc.assert(
        fc.property(site.arbitrary(backend.limits), ({ value, error }) => {
          expectMisuse(() => site.call(backend, value), site.what, error);
        }),
        { numRuns: runs },
      );
      expectUntouched(backend);
    },
  );
});

describe('the plain memory backend', () => {
  it('checks the same arguments (createTestBackend only adds fault controls)', () => {
    const backend = createMemoryBackend({ limits: LIMITS });
    for (const site of sitesOf(backend)) {
      fc.assert(
        fc.property(site.arbitrary(backend.limits), ({ value, error }) => {
          expectMisuse(() => site.call(backend, value), site.what, error);
        }),
        { numRuns: 10 },
      );
    }
    expect(syncValue(backend.list(''))).toEqual([]);
  });
});
