/**
 * Subscriptions on fresh pub/sub connections, many times over: a stream told "subscribed" is
 * subscribed on the server. Runs on both ioredis majors (the `redis` and `redis-ioredis6` projects).
 *
 * Regression: on ioredis 5, a SUBSCRIBE sent while the subscriber connection was still in its
 * handshake went out ahead of the ready check's INFO; Redis refused the INFO in subscriber context,
 * ioredis dropped the connection, and the channel it had reported as subscribed was subscribed
 * nowhere, so a task's submitter waited for ever for events that had long been published.
 */
import type { Redis as RedisConnection } from 'ioredis';
import { submit, worker, type TaskEvent } from 'rx-sync';
import { RedisKeys } from '../../src/backends/redis/redisKeys.js';
import { RedisSubscriber, type ChannelSignal } from '../../src/backends/redis/pubsub/redisSubscriber.js';
import { adminClient } from '../support/redisServer.js';
import { type Redis, Resources, useRedisServer } from '../support/redisTestKit.js';
import { randomName, randomPrefix, waitUntil } from '../support/testKit.js';

const server = useRedisServer();
let admin: Redis;
const resources = new Resources();

beforeAll(() => {
  admin = adminClient(server);
});
afterEach(() => resources.release());
afterAll(() => admin.disconnect());

/** Subscribers of each channel on the server. */
async function subscribersOf(channels: readonly string[]): Promise<number[]> {
  const reply = (await admin.pubsub('NUMSUB', ...channels)) as (string | number)[];
  return channels.map((_, index) => Number(reply[index * 2 + 1]));
}

/** A client whose `duplicate()` (the backend's pub/sub connection) is handed to `onDuplicate` as it is made. */
function clientWatchingDuplicate(onDuplicate: (connection: RedisConnection) => void): Redis {
  const client = resources.client(server);
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (...args: Parameters<Redis['duplicate']>) => {
    const connection = duplicate(...args);
    onDuplicate(connection);
    return connection;
  };
  return client;
}

describe('RedisSubscriber on a fresh connection', () => {
  it('subscribes on the server every channel it acknowledged, whenever during the handshake it was asked (40 connections)', async () => {
    for (let round = 0; round < 40; round++) {
      let connection: RedisConnection | undefined;
      const client = clientWatchingDuplicate((made) => (connection = made));
      const subscriber = new RedisSubscriber(client);
      resources.defer(() => subscriber.close());
      const channels = [`${randomName('first')}`, `${randomName('at-connect')}`, `${randomName('at-ready')}`];
      const heard = new Map<string, string[]>(channels.map((channel) => [channel, []]));
      const errors: unknown[] = [];
      const watch = (channel: string): void => {
        const watching = subscriber.channel(channel).subscribe({
          next: (signal: ChannelSignal) => {
            if (signal.kind === 'message') heard.get(channel)!.push(signal.message);
          },
          error: (error: unknown) => errors.push(error),
        });
        resources.defer(() => watching.unsubscribe());
      };
      // One before the connection exists, one in the middle of its handshake, one once it is ready.
      watch(channels[0]!);
      await new Promise<void>((resolve) => connection!.once('connect', () => resolve()));
      watch(channels[1]!);
      await new Promise<void>((resolve) =>
        connection!.status === 'ready' ? resolve() : connection!.once('ready', () => resolve()),
      );
      watch(channels[2]!);
      await subscriber.settled();

      expect({ round, errors }).toEqual({ round, errors: [] });
      expect({ round, subscribers: await subscribersOf(channels) }).toEqual({ round, subscribers: [1, 1, 1] });
      for (const channel of channels) await admin.publish(channel, `to ${channel}`);
      await waitUntil(() => channels.every((channel) => heard.get(channel)!.length === 1), 5_000, 'every message');
      expect(channels.map((channel) => heard.get(channel))).toEqual(channels.map((channel) => [`to ${channel}`]));
      await resources.release();
    }
  });

  it('keeps the server in step through subscribe and unsubscribe churn: live channels subscribed, the rest not', async () => {
    const client = resources.client(server);
    const subscriber = new RedisSubscriber(client);
    resources.defer(() => subscriber.close());
    const names = Array.from({ length: 12 }, (_, index) => `${randomPrefix('churn')}-${index}`);
    const live = new Map<string, { unsubscribe(): void }[]>(names.map((name) => [name, []]));
    // Watchers come and go in bursts, before, during and after the connection is up, with several
    // watchers per channel; in each burst some channels lose their last watcher and come back.
    for (let burst = 0; burst < 30; burst++) {
      for (const [index, name] of names.entries()) {
        const watchers = live.get(name)!;
        if ((index + burst) % 3 === 0) watchers.push(subscriber.channel(name).subscribe());
        if ((index * 7 + burst) % 4 === 0) watchers.shift()?.unsubscribe();
      }
      if (burst % 5 === 0) await subscriber.settled();
    }
    await subscriber.settled();
    const expected = names.map((name) => (live.get(name)!.length > 0 ? 1 : 0));
    expect(await subscribersOf(names)).toEqual(expected);
    for (const watchers of live.values()) for (const watcher of watchers) watcher.unsubscribe();
    await waitUntil(
      async () => (await subscribersOf(names)).every((count) => count === 0),
      5_000,
      'every channel unsubscribed',
    );
  });
});

describe('task followers on fresh backends', () => {
  it('hear their tasks end: three names submitted at once before any worker, on 15 fresh backends', async () => {
    for (let round = 0; round < 15; round++) {
      const backend = resources.backend({ client: resources.client(server), prefix: randomPrefix('fresh') });
      const names = ['img:{x}:v2', '}{', 'tâche 🙂'];
      const followers = names.map((name) => resources.record(submit<string>(backend, name, name), name));
      for (const follower of followers) await follower.nth(0);
      resources.record(
        worker(backend, Object.fromEntries(names.map((name) => [name, (input: string) => `done ${input}`]))),
      );
      for (const [index, follower] of followers.entries()) {
        await follower.completion();
        expect(follower.values.map((event: TaskEvent<string>) => event.type)).toEqual([
          'queued',
          'started',
          'succeeded',
        ]);
        expect(follower.last).toMatchObject({ type: 'succeeded', result: `done ${names[index]}` });
      }
      await resources.release();
    }
  });
});

describe('a task follower whose subscription is lost without a reconnect', () => {
  it('reads the record when it has heard nothing for a while, and hears its task end', async () => {
    let connection: RedisConnection | undefined;
    const prefix = randomPrefix('silent');
    const backend = resources.backend({ client: clientWatchingDuplicate((made) => (connection = made)), prefix });
    const follower = resources.record(submit<string>(backend, 'quiet', 'x'), 'submitter', 20_000);
    await follower.nth(0);
    // The channel goes, behind rx-sync's back: no reconnect, no gap, no message will ever come.
    const channel = new RedisKeys(prefix).taskChannel('quiet');
    await connection!.unsubscribe(channel);
    expect(await subscribersOf([channel])).toEqual([0]);
    const elsewhere = resources.backend({ client: resources.client(server), prefix });
    resources.record(worker(elsewhere, { quiet: (input: string) => `done ${input}` }));
    await follower.completion();
    expect(follower.values.map((event: TaskEvent<string>) => event.type)).toEqual(['queued', 'succeeded']);
    expect(follower.last).toMatchObject({ type: 'succeeded', result: 'done x' });
  });
});
