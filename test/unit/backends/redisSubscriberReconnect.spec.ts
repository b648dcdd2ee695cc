import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { RedisSubscriber, type ChannelSignal } from '../../../src/backends/redis/pubsub/redisSubscriber.js';

/** A stand-in for an ioredis client whose pub/sub duplicate counts SUBSCRIBEs and is driven by the test. */
function fakeClient(): { client: Redis; connection: EventEmitter & { status: string }; subscribed: string[][] } {
  const subscribed: string[][] = [];
  const connection = Object.assign(new EventEmitter(), {
    status: 'ready',
    subscribe: (...names: string[]): Promise<number> => {
      subscribed.push(names);
      return Promise.resolve(names.length);
    },
    unsubscribe: (): Promise<number> => Promise.resolve(0),
    disconnect: (): void => undefined,
  });
  const client = Object.assign(new EventEmitter(), { duplicate: () => connection });
  return { client: client as unknown as Redis, connection, subscribed };
}

describe('RedisSubscriber: a pub/sub connection that closed', () => {
  // Regression: a connection that closed before it was ever ready (its handshake failed after a
  // SUBSCRIBE had been acknowledged) was not subscribed again: only a second `ready` counted.
  it('subscribes every channel again at the next ready, and gives its watchers a gap, even if it never was ready', async () => {
    const { client, connection, subscribed } = fakeClient();
    const subscriber = new RedisSubscriber(client);
    const signals: ChannelSignal[] = [];
    const watching = subscriber.channel('c').subscribe((signal) => signals.push(signal));
    await subscriber.settled();
    expect(subscribed).toEqual([['c']]);
    connection.emit('close');
    connection.emit('ready');
    await subscriber.settled();
    expect(subscribed).toEqual([['c'], ['c']]);
    expect(signals).toEqual([{ kind: 'gap', reconnects: 1 }]);
    connection.emit('ready'); // a ready without a close in between costs nothing
    await subscriber.settled();
    expect(subscribed).toHaveLength(2);
    watching.unsubscribe();
    await subscriber.close();
  });

  it('waits for the handshake to finish before it sends a SUBSCRIBE (ioredis 5 would send it ahead of the ready check)', async () => {
    const { client, connection, subscribed } = fakeClient();
    connection.status = 'connect';
    const subscriber = new RedisSubscriber(client);
    const watching = subscriber.channel('c').subscribe();
    await Promise.resolve();
    expect(subscribed).toEqual([]);
    expect(subscriber.settling).toBe(true);
    connection.status = 'ready';
    connection.emit('ready');
    await subscriber.settled();
    expect(subscribed).toEqual([['c']]);
    watching.unsubscribe();
    await subscriber.close();
  });
});
