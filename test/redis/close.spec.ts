/**
 * `close()` is a normal shutdown. Regression: closing a backend while watchers were live errored
 * their streams ("The Redis backend was closed while watching"), which crashed a process whose
 * subscribe had no error handler; and the README's `await backend.close(); await client.quit();`
 * never settled while Redis was unreachable.
 */
import { firstValueFrom, from, map, race, timer } from 'rxjs';
import {
  BackendClosedError,
  changes,
  keyValue,
  leader,
  leadership,
  lock,
  submit,
  worker,
  type ChangeEvent,
  type Item,
  type Leader,
} from 'rx-sync';
import { startRedisServer, stopRedisServers } from '../support/redisServer.js';
import { leaseKeys, ready, type Redis, Resources, useRedisServer } from '../support/redisTestKit.js';
import { pause, randomPrefix } from '../support/testKit.js';

const server = useRedisServer();
const resources = new Resources();

afterEach(() => resources.release());

/** Resolves with `'settled'` when `promise` settles within `within` ms, else with a message. */
function settlesWithin(promise: Promise<unknown>, within: number): Promise<string> {
  return firstValueFrom(
    race(from(promise.then(() => 'settled')), timer(within).pipe(map(() => `still pending after ${within} ms`))),
  );
}

describe('close()', () => {
  it('completes the live watches, errors a following submit with BackendClosedError, and lets waiters and workers go on by polling', async () => {
    const prefix = randomPrefix('close');
    const client = resources.client(server);
    const backend = resources.backend({ client, prefix });
    const other = resources.backend({ client: resources.client(server), prefix });

    // Watches subscribed as careless code would: no error handler at all (an error would fail the test).
    const ended: string[] = [];
    const values: (Item | undefined)[] = [];
    const leaders: (Leader | undefined)[] = [];
    const seen: ChangeEvent[] = [];
    keyValue(backend, 'cfg/a').subscribe({ next: (item) => values.push(item), complete: () => ended.push('keyValue') });
    changes(backend, 'cfg/').subscribe({ next: (event) => seen.push(event), complete: () => ended.push('changes') });
    leader(backend, 'g').subscribe({ next: (current) => leaders.push(current), complete: () => ended.push('leader') });
    const held = resources.record(lock(other, 'jobs'), 'holder');
    await held.nth(0);
    const waiting = resources.record(lock(backend, 'jobs', { maxRetryDelay: 100 }), 'waiter');
    const submitted = resources.record(submit(backend, 'nobody-runs-this', null), 'submit');
    await submitted.nth(0);
    const leading = resources.record(leadership(other, 'g'), 'leadership');
    await leading.nth(0);
    await firstValueFrom(other.put('cfg/a', '1'));
    while (values.length < 2 || leaders.filter(Boolean).length < 1 || seen.length < 1) await firstValueFrom(timer(10));

    expect(await settlesWithin(backend.close(), 2_000)).toBe('settled');
    expect(ended.sort()).toEqual(['changes', 'keyValue', 'leader']);
    expect(await submitted.failure()).toBeInstanceOf(BackendClosedError);
    expect(submitted.error).toMatchObject({ transient: false, backend: 'redis' });

    // The waiter gets the lock once it is free, by polling; a worker on the closed backend still
    // claims tasks, by polling, through the client it was given.
    held.stop();
    await waiting.nth(0);
    const pool = resources.record(worker(backend, { square: (n: number) => n * n }, { pollInterval: 50 }), 'worker');
    const result = resources.record(submit<number>(other, 'square', 7), 'other submit');
    await result.completion();
    expect(result.last).toMatchObject({ type: 'succeeded', result: 49 });
    expect(pool.errored).toBe(false);
  });

  it('after close, a submit enqueues its task and errors with BackendClosedError instead of waiting for ever', async () => {
    const prefix = randomPrefix('closed');
    const backend = resources.backend({ client: resources.client(server), prefix });
    await backend.close();
    const submitted = resources.record(submit(backend, 'later', null), 'submit after close');
    expect(await submitted.failure()).toBeInstanceOf(BackendClosedError);
    const { id } = submitted.values[0] as { id: string };
    const other = resources.backend({ client: resources.client(server), prefix });
    expect(await firstValueFrom(other.readTask(id))).toMatchObject({ state: 'queued' });
  });

  it('settles at once when Redis is down, and with quitClients drops the clients it was given', async () => {
    const down = await startRedisServer();
    try {
      const client = resources.client(down);
      const quorum = [0, 1].map(() => resources.client(down, { enableOfflineQueue: false }));
      await ready(client);
      const backend = resources.backend({ client, quorum, prefix: randomPrefix('down') });
      const watcher = resources.record(keyValue(backend, 'cfg/a'), 'keyValue');
      await watcher.nth(0);
      await down.stop();
      expect(await settlesWithin(backend.close({ quitClients: true, timeout: 500 }), 2_000)).toBe('settled');
      expect(watcher.completed).toBe(true);
      // Ended; ioredis 5 leaves a client that was reconnecting in status 'reconnecting' when it is
      // dropped, but with its reconnect timer cleared, so it is ended all the same.
      const ended = (each: Redis): boolean =>
        each.status === 'end' ||
        (each.status === 'reconnecting' &&
          (each as unknown as { reconnectTimeout: unknown }).reconnectTimeout === null);
      expect([client, ...quorum].map(ended)).toEqual([true, true, true]);
    } finally {
      await stopRedisServers(down);
    }
  });

  // Once a bug in src/backends/redis/pubsub/redisSubscriber.ts, close(): it sent `connection.quit()` on
  // the pub/sub connection while Redis was unreachable. Unsubscribing the last watcher of a channel had
  // queued an UNSUBSCRIBE in ioredis's offline queue, so QUIT waited behind it for ioredis's retry
  // budget (maxRetriesPerRequest: 20, about 10 s; for ever with `null`), and so did `close()`, e.g. in
  // a shutdown hook.
  it('settles promptly while Redis is down, also when its last watcher has just unsubscribed', async () => {
    const down = await startRedisServer();
    try {
      const backend = resources.backend({ client: resources.client(down), prefix: randomPrefix('close') });
      const watcher = resources.record(keyValue(backend, 'cfg/a'), 'keyValue');
      await watcher.nth(0);
      await down.stop();
      watcher.stop(); // the app shuts down: watchers first, then the backend
      expect(await settlesWithin(backend.close(), 3_000)).toBe('settled');
    } finally {
      await stopRedisServers(down);
    }
  });

  it('with quitClients sends QUIT to clients that are connected', async () => {
    const client: Redis = resources.client(server);
    await ready(client);
    const backend = resources.backend({ client, prefix: randomPrefix('quit') });
    await firstValueFrom(backend.put('k', 'v'));
    await backend.close({ quitClients: true });
    expect(client.status).toBe('end');
  });

  it('lets the release of a lock stream that just ended finish before it quits the clients (a quorum announces it)', async () => {
    const masters = await Promise.all([0, 1, 2].map(() => startRedisServer()));
    try {
      const prefix = randomPrefix('close-release');
      const store: Redis = resources.client(server);
      const quorum = masters.map((master) => resources.client(master));
      await Promise.all([store, ...quorum].map((client) => ready(client)));
      const spy = resources.client(server);
      const announced = new Promise<string>((resolve) => spy.on('message', (_channel, message) => resolve(message)));
      await spy.subscribe(leaseKeys(prefix, 'lock', 'jobs').channel);
      const backend = resources.backend({ client: store, prefix, quorum });
      const held = resources.record(lock(backend, 'jobs'), 'holder');
      await held.nth(0);
      await announced; // `acquired`
      const released = new Promise<string>((resolve) => spy.on('message', (_channel, message) => resolve(message)));
      // Two masters pause: the release can count only once they answer again.
      masters[1]!.signal('SIGSTOP');
      masters[2]!.signal('SIGSTOP');
      held.stop(); // the release goes out; nobody waits for it
      const closed = backend.close({ quitClients: true, timeout: 20_000 });
      await pause(300);
      masters[1]!.signal('SIGCONT');
      masters[2]!.signal('SIGCONT');
      await closed;
      // Announced on the store client once a majority of masters answered: before its QUIT.
      expect(JSON.parse(await released)).toMatchObject({ type: 'released' });
      for (const master of masters) {
        expect(await resources.client(master).exists(leaseKeys(prefix, 'lock', 'jobs').lease)).toBe(0);
      }
    } finally {
      for (const master of masters) master.signal('SIGCONT');
      await stopRedisServers(...masters);
    }
  });

  it('refuses bad options at call time', () => {
    const backend = resources.backend({ client: resources.client(server), prefix: randomPrefix('bad') });
    expect(() => backend.close({ timeout: -1 })).toThrow(RangeError);
    expect(() => backend.close({ quitClients: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => backend.close({ quitClient: true } as never)).toThrow(/did you mean `quitClients`/);
  });
});
