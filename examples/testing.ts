/**
 * Marble-testing your own leader-only pipeline: rxjs/testing's TestScheduler drives every lease,
 * renewal and retry timer of rx-sync in virtual time, and createTestBackend (rx-sync/testing)
 * injects the fault, so a crash and a takeover are pinned to the millisecond, and the whole
 * scenario (3 virtual seconds) runs in a few milliseconds. In a jest or mocha suite each
 * `check(...)` below is an `it(...)` whose scheduler asserts with `expect(actual).toEqual(expected)`.
 *
 * Run it: npx tsx --tsconfig examples/tsconfig.json examples/testing.ts
 */
import { deepStrictEqual } from 'node:assert/strict';
import { filter, interval, map, repeat, timer, type Observable } from 'rxjs';
import { TestScheduler, type RunHelpers } from 'rxjs/testing';
import { leader, leadership, whileLeader, type LeadershipOptions, type SyncBackend } from 'rx-sync';
import { createTestBackend } from 'rx-sync/testing';

// ---- The code under test, as an application would write it ---------------------------------

/** One term of the billing job: a batch every 500 ms while `node` leads "billing"; completes when the term ends. */
function billingTerm(backend: SyncBackend, node: string, options: LeadershipOptions = {}): Observable<string> {
  return interval(500).pipe(
    map((n) => `${node} batch ${n + 1}`),
    whileLeader(leadership(backend, 'billing', { ...options, candidate: node })),
  );
}

/** The node's billing service: campaigns again after every term, for as long as it is subscribed. */
function billingService(backend: SyncBackend, node: string, options: LeadershipOptions = {}): Observable<string> {
  return billingTerm(backend, node, options).pipe(repeat());
}

// ---- The tests -------------------------------------------------------------------------------

// Timing chosen for round numbers: renewals at 250, 500, 750 ms...; the validity deadline is the
// start of the last confirmed renewal + leaseDuration - driftMargin = 750 + 1000 - 12 = 1738 ms,
// and the backend lets the lease lapse at 750 + 1000 = 1750 ms. retryJitter 0: no randomness.
const timing: LeadershipOptions = { leaseDuration: 1_000, renewInterval: 250, driftMargin: 12, retryJitter: 0 };

let failures = 0;

/** A tiny runner: one TestScheduler per check, deep equality as the assertion, pass/fail printed. */
function check(name: string, body: (helpers: RunHelpers) => void): void {
  const scheduler = new TestScheduler((actual, expected) => deepStrictEqual(actual, expected));
  try {
    scheduler.run(body);
    console.log(`  ✓ ${name}`);
  } catch (error) {
    failures++;
    console.log(`  ✗ ${name}\n${(error as Error).message}`);
  }
}

console.log('billing service, marble tests in virtual time');

check('node-b takes the job over when node-a crashes, once node-a’s lease lapses (1750 ms)', ({ expectObservable }) => {
  const backend = createTestBackend();
  const leaders = leader(backend, 'billing').pipe(
    filter((current) => current !== undefined),
    map((current) => `${current.candidate} term ${current.term}`),
  );
  timer(900).subscribe(() => backend.crash('node-a')); // node-a dies at 900 ms: the backend never hears from it again

  expectObservable(billingService(backend, 'node-a', timing), '^ 3000ms !').toBe('500ms a 499ms b 499ms c', {
    a: 'node-a batch 1',
    b: 'node-a batch 2',
    c: 'node-a batch 3',
  });
  expectObservable(billingService(backend, 'node-b', timing), '^ 3000ms !').toBe('2250ms a 499ms b', {
    a: 'node-b batch 1',
    b: 'node-b batch 2',
  });
  expectObservable(leaders, '^ 3000ms !').toBe('a 1749ms b', { a: 'node-a term 1', b: 'node-b term 2' });
});

check(
  'a crashed leader stops its work at its validity deadline (1738 ms), before its lease lapses',
  ({ expectObservable }) => {
    const backend = createTestBackend();
    timer(900).subscribe(() => backend.crash('node-a'));
    expectObservable(billingTerm(backend, 'node-a', timing)).toBe('500ms a 499ms b 499ms c 237ms |', {
      a: 'node-a batch 1',
      b: 'node-a batch 2',
      c: 'node-a batch 3',
    });
  },
);

check('a leader that shuts down resigns, and node-b takes over at once (1200 ms)', ({ expectObservable }) => {
  const backend = createTestBackend();
  expectObservable(billingService(backend, 'node-a', timing), '^ 1199ms !').toBe('500ms a 499ms b', {
    a: 'node-a batch 1',
    b: 'node-a batch 2',
  });
  expectObservable(billingService(backend, 'node-b', timing), '^ 2500ms !').toBe('1700ms a 499ms b', {
    a: 'node-b batch 1',
    b: 'node-b batch 2',
  });
});

check('nothing is left behind: no lease held, no watcher attached', ({ expectObservable }) => {
  const backend = createTestBackend();
  expectObservable(billingService(backend, 'node-a', timing), '^ 1199ms !').toBe('500ms a 499ms b', {
    a: 'node-a batch 1',
    b: 'node-a batch 2',
  });
  expectObservable(billingService(backend, 'node-b', timing), '^ 1199ms !').toBe('');
  expectObservable(timer(1300).pipe(map(() => backend.inspect()))).toBe('1300ms (x|)', {
    x: { leasesHeld: 0, watchers: 0 },
  });
});

console.log(failures === 0 ? 'all checks passed' : `${failures} check(s) failed`);
process.exitCode = failures === 0 ? 0 : 1;
