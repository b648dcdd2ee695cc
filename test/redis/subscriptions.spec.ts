/**
 * Subscriptions on fresh pub/sub connections, many times over: a stream told "subscribed" is
 * subscribed on the server; and channels that linger after their last watcher left. Runs on both
 * ioredis majors (the `redis` and `redis-ioredis6` projects).
 *
 * Regression: on ioredis 5, a SUBSCRIBE sent while the subscriber connection was still in its
 * handshake went out ahead of the ready check's INFO; Redis refused the INFO in subscriber context,
 * ioredis dropped the connection, and the channel it had reported as subscribed was subscribed
 * nowhere, so a task's submitter waited for ever for events that had long been published.
 */
import type { Redis as RedisConnection } from 'ioredis';
import { VirtualTimeScheduler } from 'rxjs';
import { submit, worker, type TaskEvent } from 'rx-sync';
import { RedisKeys } from '../../src/backends/redis/redisKeys.js';
import { RedisSubscriber, type ChannelSignal } from '../../src/backends/redis/pubsub/redisSubscriber.js';
import { adminClient } from '../support/redisServer.js';
import { commandCalls, type Redis, Resources, useRedisServer } from '../support/redisTestKit.js';
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

  /**
   * Watchers come and go in bursts, before, during and after the connection is up, with several
   * watchers per channel; in each burst some channels lose their last watcher and come back. Then
   * the even channels lose every watcher. Returns the channels, in order, and the watchers left.
   */
  async function churn(subscriber: RedisSubscriber): Promise<{ names: string[]; live: { unsubscribe(): void }[][] }> {
    const names = Array.from({ length: 12 }, (_, index) => `${randomPrefix('churn')}-${index}`);
    const live = names.map((): { unsubscribe(): void }[] => []);
    for (let burst = 0; burst < 30; burst++) {
      for (const [index, name] of names.entries()) {
        if ((index + burst) % 3 === 0) live[index]!.push(subscriber.channel(name).subscribe());
        if ((index * 7 + burst) % 4 === 0) live[index]!.shift()?.unsubscribe();
      }
      if (burst % 5 === 0) await subscriber.settled();
    }
    for (const [index, watchers] of live.entries())
      if (index % 2 === 0) for (const w of watchers.splice(0)) w.unsubscribe();
    await subscriber.settled();
    return { names, live };
  }

  it('keeps the server in step through subscribe and unsubscribe churn without linger: watched channels subscribed, the rest not', async () => {
    const subscriber = new RedisSubscriber(resources.client(server), { linger: 0 });
    resources.defer(() => subscriber.close());
    const { names, live } = await churn(subscriber);
    expect(await subscribersOf(names)).toEqual(live.map((watchers) => (watchers.length > 0 ? 1 : 0)));
    expect(live.map((watchers) => watchers.length > 0)).toContain(false);
    for (const watchers of live) for (const watcher of watchers) watcher.unsubscribe();
    await subscriber.settled(); // every UNSUBSCRIBE acknowledged
    expect(await subscribersOf(names)).toEqual(names.map(() => 0));
  });

  it('through the same churn with a linger: one SUBSCRIBE per channel, none unsubscribed until the linger is over', async () => {
    const scheduler = new VirtualTimeScheduler(); // the linger never ends until the test flushes it
    const subscriber = new RedisSubscriber(resources.client(server), { linger: 1_000, scheduler });
    resources.defer(() => subscriber.close());
    const [subscribes, unsubscribes] = [
      await commandCalls(admin, ['subscribe']),
      await commandCalls(admin, ['unsubscribe']),
    ];
    const { names, live } = await churn(subscriber);
    expect(await subscribersOf(names)).toEqual(names.map(() => 1));
    expect(await commandCalls(admin, ['subscribe'])).toBe(subscribes + names.length);
    expect(await commandCalls(admin, ['unsubscribe'])).toBe(unsubscribes);
    for (const watchers of live) for (const watcher of watchers) watcher.unsubscribe();
    expect(subscriber.settling).toBe(false); // nothing sent
    scheduler.flush(); // every linger ends
    expect(subscriber.settling).toBe(true);
    await subscriber.settled(); // every UNSUBSCRIBE acknowledged
    expect(await subscribersOf(names)).toEqual(names.map(() => 0));
    expect(await commandCalls(admin, ['subscribe'])).toBe(subscribes + names.length);
  });
});

/** The messages that reach `connection` (a subscriber connection), in order, whoever listens to their channels. */
function messagesReaching(connection: RedisConnection): string[] {
  const messages: string[] = [];
  connection.on('message', (_channel: string, message: string) => messages.push(message));
  return messages;
}

describe('RedisSubscriber: a channel lingers after its last watcher left', () => {
  const LINGER = 1_000;

  /** A subscriber whose linger runs on a virtual clock that only the test moves, and its pub/sub connection. */
  function lingeringSubscriber(): {
    subscriber: RedisSubscriber;
    scheduler: VirtualTimeScheduler;
    connection: () => RedisConnection;
  } {
    let connection: RedisConnection | undefined;
    const client = clientWatchingDuplicate((made) => (connection = made));
    const scheduler = new VirtualTimeScheduler();
    const subscriber = new RedisSubscriber(client, { linger: LINGER, scheduler });
    resources.defer(() => subscriber.close());
    return { subscriber, scheduler, connection: () => connection! };
  }

  it('stays subscribed: a watcher back within the linger sends no SUBSCRIBE, waits for nothing, and hears the messages from its arrival on', async () => {
    const { subscriber, scheduler, connection } = lingeringSubscriber();
    const channel = randomName('again');
    const first = subscriber.channel(channel).subscribe();
    await subscriber.settled();
    const reached = messagesReaching(connection());
    const subscribes = await commandCalls(admin, ['subscribe']);
    first.unsubscribe();
    expect(scheduler.actions).toHaveLength(1); // the linger's timer
    expect(subscriber.settling).toBe(false); // no UNSUBSCRIBE sent

    // Published while nobody watches: the connection gets it (still subscribed), nobody hears it.
    expect(await admin.publish(channel, 'while lingering')).toBe(1);
    await waitUntil(() => reached.includes('while lingering'), 5_000, 'the message to reach the connection');

    const heard: ChannelSignal[] = [];
    const second = subscriber.channel(channel).subscribe((signal) => heard.push(signal));
    expect(subscriber.settling).toBe(false); // a request would not wait
    expect(scheduler.actions).toEqual([]); // the UNSUBSCRIBE is called off
    expect(await admin.publish(channel, 'after the return')).toBe(1);
    await waitUntil(() => heard.length > 0, 5_000, 'the second watcher to hear a message');
    expect(heard).toEqual([{ kind: 'message', message: 'after the return' }]);
    expect(await commandCalls(admin, ['subscribe'])).toBe(subscribes);
    expect(await subscribersOf([channel])).toEqual([1]);
    second.unsubscribe();
  });

  it('is unsubscribed once the linger is over, not before', async () => {
    const { subscriber, scheduler } = lingeringSubscriber();
    const channel = randomName('over');
    const watching = subscriber.channel(channel).subscribe();
    await subscriber.settled();
    watching.unsubscribe();
    scheduler.maxFrames = LINGER - 1;
    scheduler.flush();
    expect(subscriber.settling).toBe(false); // nothing sent at LINGER - 1 ms
    expect(await subscribersOf([channel])).toEqual([1]);
    scheduler.maxFrames = LINGER;
    scheduler.flush();
    expect(subscriber.settling).toBe(true); // the UNSUBSCRIBE, sent at LINGER ms
    await subscriber.settled();
    expect(await subscribersOf([channel])).toEqual([0]);
    expect(scheduler.actions).toEqual([]);
  });

  it('ends with close(): no timer left, the channel gone with the connection', async () => {
    const { subscriber, scheduler } = lingeringSubscriber();
    const channel = randomName('closed');
    const watching = subscriber.channel(channel).subscribe();
    await subscriber.settled();
    watching.unsubscribe();
    expect(scheduler.actions).toHaveLength(1);
    await subscriber.close();
    expect(scheduler.actions).toEqual([]);
    await waitUntil(async () => (await subscribersOf([channel]))[0] === 0, 5_000, 'the connection to be gone');
    expect(subscriber.settling).toBe(false);
  });

  it('ends when the connection is lost: lingering channels, and those left while it is down, are unsubscribed after the reconnect, not restored', async () => {
    const { subscriber, scheduler, connection } = lingeringSubscriber();
    const [before, during, kept] = [randomName('before'), randomName('during'), randomName('kept')];
    const watchers = new Map([before, during, kept].map((name) => [name, subscriber.channel(name).subscribe()]));
    const heard: ChannelSignal[] = [];
    watchers.get(kept)!.add(subscriber.channel(kept).subscribe((signal) => heard.push(signal)));
    await subscriber.settled();
    watchers.get(before)!.unsubscribe();
    expect(scheduler.actions).toHaveLength(1);
    // Timers of lingers: when the connection closed, and once `during` was left while it was down.
    const lost = new Promise<number[]>((resolve) =>
      connection().once('close', () => {
        const atClose = scheduler.actions.length;
        watchers.get(during)!.unsubscribe();
        resolve([atClose, scheduler.actions.length]);
      }),
    );
    const back = new Promise<void>((resolve) => connection().once('ready', () => resolve()));
    await admin.client('KILL', 'TYPE', 'pubsub');
    expect(await lost).toEqual([0, 1]); // the linger of `before` ended with the connection; `during` lingers
    await back;
    expect(scheduler.actions).toEqual([]); // ended by the reconnect
    await waitUntil(() => heard.some((signal) => signal.kind === 'gap'), 5_000, 'the watched channel to get a gap');
    await subscriber.settled(); // ioredis subscribed all three again by itself; two UNSUBSCRIBEs follow
    expect(await subscribersOf([before, during, kept])).toEqual([0, 0, 1]);
    expect(scheduler.actions).toEqual([]);
    watchers.get(kept)!.unsubscribe();
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

describe('a backend whose channels linger', () => {
  it('sends no SUBSCRIBE or UNSUBSCRIBE for 20 submits made one after the other, each waiting for its result', async () => {
    const prefix = randomPrefix('linger');
    // Long enough that no submit, however slow the machine, comes after the linger is over.
    const submitter = resources.backend({ client: resources.client(server), prefix, channelLinger: 60_000 });
    const pool = resources.record(
      worker(resources.backend({ client: resources.client(server), prefix }), { echo: (n: number) => n }),
    );
    const run = async (n: number): Promise<void> => {
      const submitted = resources.record(submit<number>(submitter, 'echo', n), `submit ${n}`);
      await submitted.completion();
      expect(submitted.last).toMatchObject({ type: 'succeeded', result: n });
    };
    await run(0); // the submitter subscribes the name's channel once
    const before = await commandCalls(admin, ['subscribe', 'unsubscribe']);
    for (let n = 1; n <= 20; n++) await run(n);
    expect(await commandCalls(admin, ['subscribe', 'unsubscribe'])).toBe(before);
    expect(pool.errored).toBe(false);
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
