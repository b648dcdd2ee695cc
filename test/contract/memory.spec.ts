import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { lock, type LeaseClaim } from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';
import { createTestBackend } from 'rx-sync/testing';
import { describeBackendContract } from './backendContract.js';

describeBackendContract('memory', createMemoryBackend);

describeBackendContract('memory with fault controls (createTestBackend)', createTestBackend, {
  teardown: (backend) => {
    // Nothing may outlive a test: no lease held, no watcher attached.
    expect(backend.inspect()).toEqual({ leasesHeld: 0, watchers: 0 });
  },
});

/**
 * The memory backend delivers the events of an operation once the operation has finished
 * (`Listeners.batch`). History, a bug found by properties.spec.ts (src/backends/memory/memoryLeases.ts
 * and memoryStore.ts): `live(key)` ended a lapsed lease or item and published its `expired` event
 * synchronously, in the middle of the request that noticed it. A watcher woken by that event may send
 * its own request at once (the lease engine does: a waiter retries on `expired`), which saw the key
 * free and took it; then the outer request resumed with its stale view ("free") and overwrote what
 * the inner one wrote. It happened whenever a request noticed the lapse before the backend's expiry
 * timer had run: in virtual time when both fall in one frame and the request was scheduled first; in
 * real time whenever a request arrives between the lapse and the (late, on a busy event loop) timer,
 * which is just when waiters aim their retries (`min(backoff, expiresIn)`).
 *
 * Result: two holders of one lock or leadership at once (the first learned it at its next renewal),
 * and a create-only or compare-and-set write that succeeded over another one without a conflict.
 */
function virtualTime(): TestScheduler {
  return new TestScheduler(() => {
    throw new Error('no marble assertions here');
  });
}

const claim = (holder: string, leaseDuration: number): LeaseClaim => ({
  owner: `${holder}-secret`,
  holder,
  leaseDuration,
});

describe('memory backend: a request that notices a lapse finishes before a watcher it woke gets in', () => {
  it('tryAcquire grants a lapsed lease to one of a woken watcher and a request of the same frame (raw backend)', () => {
    const scheduler = virtualTime();
    const grants: { holder: string; token: number }[] = [];
    scheduler.run(() => {
      const backend = createMemoryBackend();
      const ask = (holder: string): void => {
        backend.tryAcquire('k', claim(holder, 100)).subscribe((reply) => {
          if (reply.granted) grants.push({ holder, token: reply.token });
        });
      };
      // Scheduled before the lease below exists, so it runs before the lease's expiry timer at frame 100.
      scheduler.schedule(() => ask('late'), 100);
      ask('first');
      const watch = backend.leaseEvents('k').subscribe((event) => {
        if (event.type !== 'expired') return;
        watch.unsubscribe();
        ask('woken'); // what a waiting contender does
      });
    });
    expect(grants[0]).toEqual({ holder: 'first', token: 1 });
    // Expected: exactly one of "woken" and "late" holds the lease from frame 100.
    // Before the fix: both were granted (tokens 2 and 3); "late" silently replaced "woken".
    expect(grants.slice(1)).toHaveLength(1);
  });

  it('lock(): in the frame the old lease lapses, one of a woken waiter and a newcomer holds the lock, the other waits', () => {
    const scheduler = virtualTime();
    const log: string[] = [];
    scheduler.run(() => {
      const backend = createMemoryBackend();
      const options = {
        leaseDuration: 100,
        renewInterval: 30,
        driftMargin: 10,
        retryJitter: 0,
        retryDelay: 1_000,
        maxRetryDelay: 1_000,
      };
      const contender = (holder: string) =>
        lock(backend, 'k', { ...options, holder }).pipe(
          map((lease) => `${scheduler.now()}: ${holder} holds token ${lease.token}`),
        );
      // The newcomer arrives at frame 100, scheduled before anything else of that frame.
      scheduler.schedule(() => {
        const newcomer = contender('newcomer').subscribe((line) => log.push(line));
        scheduler.schedule(() => newcomer.unsubscribe(), 50);
      }, 100);
      // A holder that dies at frame 1: its lease (renewed at 0) lapses at frame 100.
      const dead = backend.tryAcquire('lock:k', claim('dead', 100)).subscribe();
      dead.unsubscribe();
      // A waiter, refused at frame 0, woken by the `expired` event.
      const waiter = contender('waiter').subscribe({
        next: (line) => log.push(line),
        complete: () => log.push(`${scheduler.now()}: waiter lost the lock`),
      });
      scheduler.schedule(() => waiter.unsubscribe(), 200);
    });
    // Expected: one of them holds the lock at frame 100, the other waits for it.
    // Before the fix: ['100: waiter holds token 2', '100: newcomer holds token 3', '130: waiter lost the lock'].
    expect(log.filter((line) => line.startsWith('100:'))).toHaveLength(1);
  });

  it('put with ifVersion 0 (create-only): of a woken writer and one of the same frame, exactly one creates the lapsed key', () => {
    const scheduler = virtualTime();
    const results: string[] = [];
    scheduler.run(() => {
      const backend = createMemoryBackend();
      const create = (writer: string): void => {
        backend.put('k', writer, { ifVersion: 0 }).subscribe({
          next: (item) => results.push(`${writer} created version ${item.version}`),
          error: (error: unknown) => results.push(`${writer}: ${(error as Error).name}`),
        });
      };
      scheduler.schedule(() => create('late'), 10); // before the item's expiry timer at frame 10
      backend.put('k', 'brief', { timeToLive: 10 }).subscribe();
      const watch = backend.changes('k').subscribe((event) => {
        if (event.type !== 'expired') return;
        watch.unsubscribe();
        create('woken'); // e.g. a keyValue() subscriber re-creating the key
      });
    });
    // Expected: one create succeeds, the other fails with VersionConflictError.
    // Before the fix: ['woken created version 3', 'late created version 4']: "late" overwrote "woken".
    expect(results.filter((result) => result.includes('created'))).toHaveLength(1);
  });
});
