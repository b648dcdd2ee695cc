/**
 * One interface over every lock the benchmarks compare: rx-sync, the raw ioredis floor, redlock,
 * @sesamecare-oss/redlock and redis-semaphore, on one Redis, on a quorum of three or on a Cluster.
 */
import { randomUUID } from 'node:crypto';
import { Redlock as SesameRedlock } from '@sesamecare-oss/redlock';
import type { Cluster, Redis } from 'ioredis';
import { Mutex, RedlockMutex } from 'redis-semaphore';
import NodeRedlock from 'redlock';
import type { Subscription } from 'rxjs';
import { lock, type LockOptions } from 'rx-sync';
import type { RedisBackend } from 'rx-sync/redis';
import { sleep } from './harness.js';

/** A connection a peer's lock runs on: one Redis, or a Cluster (the lock's key lives on one master). */
export type Client = Redis | Cluster;

/** Releases a held lock; resolves once the release has been applied by Redis. */
export type Release = () => Promise<void>;

/** A way to take a lock: waits for it, resolves with its release. */
export interface Locker {
  acquire(key: string): Promise<Release>;
}

/** Every lock lives this long without renewal (rx-sync's default lease). */
export const LEASE_DURATION = 10_000;
/** The peers' delay between two attempts on a busy lock (the issue's setting). */
export const PEER_RETRY_DELAY = 10;
/** Random spread of the peers' retry delay (± ms), so that 20 pollers do not move in step. */
export const PEER_RETRY_JITTER = 5;

/**
 * rx-sync's `lock()`: subscribing acquires, the first `Lease` means held, unsubscribing releases.
 * The release request is sent while unsubscribing (rx-sync does not wait for its reply); to time a
 * whole cycle the way the peers' `await release()` is timed, the release resolves after a PING on
 * each connection that carried it, which Redis answers only after the release before it.
 */
export function rxSyncLocker(backend: RedisBackend, releasedVia: readonly Redis[], options: LockOptions = {}): Locker {
  return {
    acquire: (key) =>
      new Promise<Release>((resolve, reject) => {
        let subscription: Subscription | undefined = undefined;
        let released = false;
        const release: Release = async () => {
          released = true;
          subscription?.unsubscribe();
          await Promise.all(releasedVia.map((client) => client.ping()));
        };
        subscription = lock(backend, key, { leaseDuration: LEASE_DURATION, ...options }).subscribe({
          next: () => resolve(release),
          error: reject,
        });
        if (released) subscription.unsubscribe();
      }),
  };
}

/** Deletes KEYS[1] if it still holds ARGV[1]: the compare-and-delete every Redis lock releases with. */
const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

type FloorClient = Client & { benchCompareAndDelete(key: string, token: string): Promise<number> };

function floorClient(client: Client): FloorClient {
  if (!('benchCompareAndDelete' in client)) {
    client.defineCommand('benchCompareAndDelete', { numberOfKeys: 1, lua: COMPARE_AND_DELETE });
  }
  return client as FloorClient;
}

/** A delay of `PEER_RETRY_DELAY` ± `PEER_RETRY_JITTER` ms. */
function retryPause(): Promise<void> {
  return sleep(PEER_RETRY_DELAY + (Math.random() * 2 - 1) * PEER_RETRY_JITTER);
}

/**
 * The floor on one Redis: `SET key token NX PX lease`, polled every `PEER_RETRY_DELAY` while busy,
 * and a Lua compare-and-delete (EVALSHA) to release. No renewal, no fencing token, no wake-up.
 */
export function floorLocker(client: Client, prefix: string): Locker {
  const redis = floorClient(client);
  return {
    acquire: async (key) => {
      const name = `${prefix}:${key}`;
      const token = randomUUID();
      while ((await redis.set(name, token, 'PX', LEASE_DURATION, 'NX')) !== 'OK') await retryPause();
      return async () => {
        await redis.benchCompareAndDelete(name, token);
      };
    },
  };
}

/**
 * The floor on a quorum: the same `SET NX PX` on every master at once, held with a majority (and
 * within the lease's validity), else undone everywhere and retried; released by compare-and-delete
 * everywhere. Redlock written out by hand, without drift factor bookkeeping or extension.
 */
export function floorQuorumLocker(clients: readonly Redis[], prefix: string): Locker {
  const masters = clients.map(floorClient);
  const majority = Math.floor(masters.length / 2) + 1;
  const releaseAll = (name: string, token: string): Promise<unknown> =>
    Promise.all(masters.map((master) => master.benchCompareAndDelete(name, token).catch(() => 0)));
  return {
    acquire: async (key) => {
      const name = `${prefix}:${key}`;
      const token = randomUUID();
      for (;;) {
        const started = Date.now();
        const replies = await Promise.all(
          masters.map((master) => master.set(name, token, 'PX', LEASE_DURATION, 'NX').catch(() => null)),
        );
        const granted = replies.filter((reply) => reply === 'OK').length;
        if (granted >= majority && Date.now() - started < LEASE_DURATION) {
          return async () => {
            await releaseAll(name, token);
          };
        }
        await releaseAll(name, token);
        await retryPause();
      }
    },
  };
}

/** `redlock` 5.0.0-beta.2 over `clients` (one Redis, or three for a quorum). */
export function redlockLocker(clients: readonly Client[], prefix: string): Locker {
  const redlock = new NodeRedlock(clients, {
    retryCount: -1,
    retryDelay: PEER_RETRY_DELAY,
    retryJitter: PEER_RETRY_JITTER,
  });
  redlock.on('error', () => {
    // redlock reports every failed attempt on a busy lock here; they are expected.
  });
  return {
    acquire: async (key) => {
      const held = await redlock.acquire([`${prefix}:${key}`], LEASE_DURATION);
      return async () => {
        await held.release();
      };
    },
  };
}

/** `@sesamecare-oss/redlock` (the maintained fork of redlock 5) over `clients`. */
export function sesameRedlockLocker(clients: readonly Client[], prefix: string): Locker {
  const redlock = new SesameRedlock(clients, {
    retryCount: -1,
    retryDelay: PEER_RETRY_DELAY,
    retryJitter: PEER_RETRY_JITTER,
  });
  redlock.on('error', () => {
    // Failed attempts on a busy lock are reported here; they are expected.
  });
  return {
    acquire: async (key) => {
      const held = await redlock.acquire([`${prefix}:${key}`], LEASE_DURATION);
      return async () => {
        await held.release();
      };
    },
  };
}

/**
 * `redis-semaphore`'s `Mutex` on one Redis, or its `RedlockMutex` on a quorum: a new mutex object
 * per acquisition, as its docs show. It polls every `retryInterval` and refreshes on an interval.
 */
export function redisSemaphoreLocker(clients: readonly Client[], prefix: string): Locker {
  const options = { lockTimeout: LEASE_DURATION, acquireTimeout: 60_000, retryInterval: PEER_RETRY_DELAY };
  return {
    acquire: async (key) => {
      const name = `${prefix}:${key}`;
      const mutex =
        clients.length === 1 ? new Mutex(clients[0]!, name, options) : new RedlockMutex([...clients], name, options);
      await mutex.acquire();
      return () => mutex.release();
    },
  };
}
