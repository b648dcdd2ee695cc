import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { VirtualTimeScheduler, type Subscription } from 'rxjs';
import { RedisSubscriber, type ChannelSignal } from '../../../src/backends/redis/pubsub/redisSubscriber.js';
import { waitUntil } from '../../support/testKit.js';

/** A stand-in for an ioredis client whose SUBSCRIBE fails as scripted, then succeeds. */
function fakeClient(failures: Error[]): { client: Redis; subscribes: () => number } {
  let subscribes = 0;
  const connection = Object.assign(new EventEmitter(), {
    subscribe: (): Promise<number> => {
      subscribes++;
      const failure = failures.shift();
      return failure ? Promise.reject(failure) : Promise.resolve(1);
    },
    unsubscribe: (): Promise<number> => Promise.resolve(0),
    disconnect: (): void => undefined,
  });
  const client = Object.assign(new EventEmitter(), { duplicate: () => connection });
  return { client: client as unknown as Redis, subscribes: () => subscribes };
}

/** Resolves once `done` holds, checking every few milliseconds (the retries run on real timers). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('RedisSubscriber: a SUBSCRIBE refused for a transient reason', () => {
  // Regression: ioredis can reject a SUBSCRIBE caught in its reconnect logic ("Connection in
  // subscriber mode, only subscriber commands may be used"); the watchers errored on it.
  it('is sent again, and its watchers get a gap (read again) instead of an error', async () => {
    const { client, subscribes } = fakeClient([
      new Error('Connection in subscriber mode, only subscriber commands may be used'),
    ]);
    const subscriber = new RedisSubscriber(client);
    const signals: ChannelSignal[] = [];
    const errors: unknown[] = [];
    const watching = subscriber
      .channel('c')
      .subscribe({ next: (signal) => signals.push(signal), error: (e) => errors.push(e) });
    await until(() => signals.length > 0);
    expect(subscribes()).toBe(2);
    expect(errors).toEqual([]);
    expect(signals).toEqual([{ kind: 'gap', reconnects: 1 }]);
    watching.unsubscribe();
    await subscriber.close();
  });

  it('fails its watchers with a typed error when it keeps failing', async () => {
    const refused = (): Error => new Error('Connection is closed.');
    const { client, subscribes } = fakeClient([refused(), refused(), refused(), refused()]);
    const subscriber = new RedisSubscriber(client);
    const errors: unknown[] = [];
    subscriber.channel('c').subscribe({ error: (e: unknown) => errors.push(e) });
    await until(() => errors.length > 0);
    expect(subscribes()).toBe(4); // the first and three more
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).name).toBe('BackendUnavailableError');
    await subscriber.close();
  });

  it('does not let a channel linger once its SUBSCRIBE failed for good: a watcher back at once sends a SUBSCRIBE of its own', async () => {
    const refused = (): Error => new Error('Connection is closed.');
    const { client, subscribes } = fakeClient([refused(), refused(), refused(), refused()]);
    const scheduler = new VirtualTimeScheduler();
    const subscriber = new RedisSubscriber(client, { scheduler });
    const errors: unknown[] = [];
    let again: Subscription | undefined;
    subscriber.channel('c').subscribe({
      error: (error: unknown) => {
        errors.push(error);
        again = subscriber.channel('c').subscribe(); // retried at once, as `retry()` would
      },
    });
    await until(() => errors.length > 0);
    expect(scheduler.actions).toEqual([]); // no linger: the channel was never subscribed
    await subscriber.settled();
    expect(subscribes()).toBe(5); // the first, three more, and the new watcher's own, which succeeds
    again?.unsubscribe();
    await subscriber.close();
  });

  it('keeps sending the SUBSCRIBE of a channel whose watchers left meanwhile (it lingers); one back within the linger hears the gap', async () => {
    const { client, subscribes } = fakeClient([
      new Error('Connection in subscriber mode, only subscriber commands may be used'),
    ]);
    const scheduler = new VirtualTimeScheduler();
    const subscriber = new RedisSubscriber(client, { scheduler });
    subscriber.channel('c').subscribe().unsubscribe(); // gone before the first SUBSCRIBE failed
    expect(scheduler.actions).toHaveLength(1); // lingers
    const signals: ChannelSignal[] = [];
    const watching = subscriber.channel('c').subscribe((signal) => signals.push(signal));
    await until(() => signals.length > 0);
    expect(subscribes()).toBe(2); // the first and the retry; the returning watcher sent none
    expect(signals).toEqual([{ kind: 'gap', reconnects: 1 }]);
    watching.unsubscribe();
    await subscriber.close();
    expect(scheduler.actions).toEqual([]);
  });

  it('subscribes a lingering channel when the retry comes while nobody watches, so that a watcher back later has it at once', async () => {
    const { client, subscribes } = fakeClient([
      new Error('Connection in subscriber mode, only subscriber commands may be used'),
    ]);
    const scheduler = new VirtualTimeScheduler();
    const subscriber = new RedisSubscriber(client, { scheduler });
    subscriber.channel('c').subscribe().unsubscribe();
    await waitUntil(() => subscribes() === 2, 5_000, 'the SUBSCRIBE to be sent again');
    await subscriber.settled();
    const signals: ChannelSignal[] = [];
    const watching = subscriber.channel('c').subscribe((signal) => signals.push(signal));
    expect(subscriber.settling).toBe(false);
    expect(subscribes()).toBe(2);
    expect(signals).toEqual([]); // subscribed before it came: nothing to catch up on
    watching.unsubscribe();
    await subscriber.close();
  });
});
