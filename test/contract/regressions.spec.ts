import { EventEmitter } from 'node:events';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { lock, type LeaseClaim } from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';
import { createRedisBackend, type RedisBackendOptions } from 'rx-sync/redis';

/**
 * Regression tests for bugs found in src/ by the contract and property tests (all fixed).
 *
 * Memory backend re-entrancy (found by properties.spec.ts; src/backends/memory/memoryLeases.ts and
 * memoryStore.ts): `live(key)` ends a lapsed lease or item and publishes its `expired` event
 * synchronously, in the middle of the request that noticed it. A watcher woken by that event may send its own request at once
 * (the lease engine does: a waiter retries on `expired`), which sees the key free and takes it;
 * then the outer request resumes with its stale view ("free") and overwrites what the inner one
 * wrote. It happens whenever a request notices the lapse before the backend's expiry timer has
 * run: in virtual time when both fall in one frame and the request was scheduled first; in real
 * time whenever a request arrives between the lapse and the (late, on a busy event loop) timer,
 * which is just when waiters aim their retries (`min(backoff, expiresIn)`).
 *
 * Result: two holders of one lock or leadership at once (the first learns it at its next renewal),
 * and a create-only or compare-and-set write that succeeds over another one without a conflict.
 * Fixed by delivering the events of an operation once it has finished (`Listeners.batch`).
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

describe('memory backend: a request that notices a lapse does not let a woken watcher in half-way', () => {
  it('tryAcquire: two contenders are both granted the same lease (raw backend)', () => {
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
    // Actual: both are granted (tokens 2 and 3); "late" silently replaced "woken".
    expect(grants.slice(1)).toHaveLength(1);
  });

  it('lock(): a waiter and a newcomer both hold the lock in the frame the old lease lapses', () => {
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
    // Actual: ['100: waiter holds token 2', '100: newcomer holds token 3', '130: waiter lost the lock'].
    expect(log.filter((line) => line.startsWith('100:'))).toHaveLength(1);
  });

  it('put with ifVersion 0 (create-only): two writers both create the key', () => {
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
    // Actual: ['woken created version 3', 'late created version 4']: "late" overwrote "woken".
    expect(results.filter((result) => result.includes('created'))).toHaveLength(1);
  });
});

/**
 * Redis backend (src/backends/redis/pubsub/redisSubscriber.ts, `connect()`): the first watch makes the
 * pub/sub connection and registers `client.once('end', () => this.close())` on the client the
 * user gave; `close()` never removes that listener. Every backend made and closed on one client
 * leaves a listener (and, through it, the closed backend's subscriber) on the client for good;
 * at 11 ioredis warns "MaxListenersExceededWarning: Possible EventEmitter memory leak detected"
 * (seen when running the contract suite against redis-server with a backend per test).
 */
describe('redis backend: close() removes its "end" listener from the client', () => {
  /** Just enough of an ioredis client for a backend that only watches (no server needed). */
  class FakeConnection extends EventEmitter {
    subscribe(): Promise<number> {
      return Promise.resolve(1);
    }
    unsubscribe(): Promise<number> {
      return Promise.resolve(0);
    }
    quit(): Promise<'OK'> {
      return Promise.resolve('OK');
    }
    disconnect(): void {}
  }
  class FakeClient extends FakeConnection {
    defineCommand(): void {}
    publish(): Promise<number> {
      return Promise.resolve(0);
    }
    duplicate(): FakeConnection {
      return new FakeConnection();
    }
  }

  it('three backends made, used and closed on one client leave no listener behind', async () => {
    const client = new FakeClient();
    for (let i = 0; i < 3; i++) {
      const backend = createRedisBackend({ client: client as unknown as RedisBackendOptions['client'] });
      backend.leaseEvents('k').subscribe().unsubscribe(); // the first watch opens the pub/sub connection
      await backend.close();
    }
    // Expected: 0. Actual: 3, one per closed backend.
    expect(client.listenerCount('end')).toBe(0);
  });
});
