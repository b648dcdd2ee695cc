import type { Cluster, Redis } from 'ioredis';
import {
  asyncScheduler,
  defer,
  EMPTY,
  from,
  retry,
  Subscription,
  timer,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { KeyedFanout } from '../../../internal/keyedFanout.js';
import { DEFAULT_REDIS_BACKEND_OPTIONS } from '../redisBackendOptions.js';
import { clientKeyPrefix, isCluster, type RedisClient } from '../redisScript.js';
import { toSyncError } from '../toSyncError.js';

/** What a channel delivers: a message, or word that messages may have been missed (after a reconnect). */
export type ChannelSignal =
  | { readonly kind: 'message'; readonly message: string }
  /** Messages may have been lost; `reconnects` counts the reconnections so far (one gap, one number). */
  | { readonly kind: 'gap'; readonly reconnects: number };

/**
 * How many times a SUBSCRIBE that failed for a transient reason is sent again (after 50, 100 and
 * 200 ms) before its watchers get the error: a race inside ioredis clears at once, while a Redis
 * that stays unreachable is reported, as requests report it.
 */
const SUBSCRIBE_RETRIES = 3;

/** How a {@link RedisSubscriber} lets go of channels. */
export interface RedisSubscriberOptions {
  /**
   * How long a channel stays subscribed after its last watcher left, in ms; 0 unsubscribes at once.
   * @defaultValue `DEFAULT_REDIS_BACKEND_OPTIONS.channelLinger` (1_000)
   */
  readonly linger?: number;
  /** Where the linger is timed (tests give a virtual one). @defaultValue `asyncScheduler` */
  readonly scheduler?: SchedulerLike;
}

/**
 * One pub/sub connection per backend (a `duplicate()` of the command client, made on first use),
 * multiplexed over every watcher: each channel is subscribed in Redis once, whatever the number of
 * watchers, and lingers when its last watcher leaves: it stays subscribed for `linger` ms, then is
 * unsubscribed. A watcher that comes within the linger takes the subscription over as it is (no
 * SUBSCRIBE, nothing for `settled()` to wait for) and cancels the UNSUBSCRIBE: a `submit()` after
 * the previous one finished, or a brief `keyValue`, costs no round trip. Messages that arrive while
 * a channel has no watcher are dropped, so a watcher hears the messages from its arrival on.
 *
 * Ordering: `settled()` resolves once every SUBSCRIBE sent so far has been acknowledged, and the
 * backend waits for it before reads and lease attempts, so that "subscribe, then read" never
 * misses a write in between. A lingering channel's subscription was acknowledged (or its SUBSCRIBE
 * is still tracked), so a watcher that takes it over keeps that promise. After a reconnect, every
 * watched channel is subscribed again and its watchers get a `gap` signal, so they can read again
 * and converge.
 *
 * Lingering channels are not subscribed again after a reconnect: anything that may have cost
 * subscriptions (the connection closed; sharded: a disruption, below) ends every linger at once
 * with an UNSUBSCRIBE, and so does the recovery for channels left in between (ioredis restores
 * the channels it knows by itself, with no acknowledgement a returning watcher could wait for, and
 * the UNSUBSCRIBE follows that). A channel whose SUBSCRIBE failed for good does not linger.
 * `close()` ends every linger, timers included.
 *
 * On a Redis Cluster the channels are sharded (`SSUBSCRIBE`, each on the master that owns its
 * slot): the duplicate is a `Cluster` with `shardedSubscribers`, which keeps one subscriber
 * connection per master and moves a shard's subscriptions to the new master after a failover.
 * ioredis says so with `subscribersReady`; after a disruption (a subscriber connection ended, a
 * node left, an error), rx-sync then subscribes every channel again itself and, once all are
 * acknowledged, signals the gap (if one fails, the next `subscribersReady` tries again). A failed
 * `SSUBSCRIBE` does not fail its watchers: ioredis keeps the channel and subscribes it again with
 * the next topology, which then brings a gap.
 */
export class RedisSubscriber {
  private connection: RedisClient | undefined;
  /**
   * The watchers of each channel: a channel is subscribed in Redis with its first (unless it
   * lingers) and lingers after its last.
   */
  private readonly channels = new KeyedFanout<ChannelSignal>({
    open: (name) => {
      if (!this.stopLingering(name)) this.subscribe([name]);
    },
    close: (name) => this.release(name),
  });
  /** Channels without a watcher, still subscribed, each with the timer that unsubscribes it. */
  private readonly lingering = new Map<string, Subscription>();
  /** Channels whose SUBSCRIBE failed for good, while their watchers are told: they do not linger. */
  private readonly refused = new Set<string>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly sharded: boolean;
  private readonly linger: number;
  private readonly scheduler: SchedulerLike;
  private closed = false;
  private reconnects = 0;
  /** Whether the connection closed since it was last ready (the next `ready` subscribes every channel again). */
  private dropped = false;
  /** Sharded mode: whether something may have cost subscriptions since the last gap. */
  private disrupted = false;
  private readonly onClientEnd = (): void => void this.close();
  /** SUBSCRIBEs in flight, and those waiting to be sent again after a transient failure. */
  private readonly retries = new Subscription();

  constructor(
    private readonly client: RedisClient,
    { linger = DEFAULT_REDIS_BACKEND_OPTIONS.channelLinger, scheduler = asyncScheduler }: RedisSubscriberOptions = {},
  ) {
    this.sharded = isCluster(client);
    this.linger = linger;
    this.scheduler = scheduler;
  }

  /** Signals of one channel, from the acknowledgement of its subscription on. */
  channel(name: string): Observable<ChannelSignal> {
    // A closed backend tells nothing more.
    return defer(() => (this.closed ? EMPTY : this.channels.observe(name)));
  }

  /** Whether a subscription sent is not yet acknowledged (or failed): then {@link settled} waits. */
  get settling(): boolean {
    return this.pending.size > 0;
  }

  /** Resolves once every subscription sent so far is acknowledged (or has failed). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Closes the pub/sub connection; the channels of watchers still attached complete (a normal
   * shutdown), and lingering channels end with it (their timers too).
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.retries.unsubscribe();
    for (const linger of this.lingering.values()) linger.unsubscribe();
    this.lingering.clear();
    this.client.off('end', this.onClientEnd);
    this.channels.complete();
    // Dropped, not QUIT: a QUIT would wait behind commands that ioredis queued while Redis is
    // unreachable, and a subscriber connection has nothing left to flush.
    this.connection?.disconnect();
    this.connection = undefined;
    return Promise.resolve();
  }

  private connect(): RedisClient {
    if (this.connection) return this.connection;
    // Subscriptions made before the connection is up must wait for it, whatever the user's client does.
    const connection = isCluster(this.client)
      ? this.client.duplicate(undefined, { enableOfflineQueue: true, shardedSubscribers: true })
      : this.client.duplicate({ enableOfflineQueue: true });
    if (isCluster(connection)) this.watchShards(connection);
    else {
      connection.on('message', (channel: string, message: string) =>
        this.channels.send(channel, { kind: 'message', message }),
      );
      // Any closed connection may have cost subscriptions, even one that never was ready (a
      // handshake that failed after a SUBSCRIBE was acknowledged): the next ready subscribes all.
      connection.on('close', () => {
        this.dropped = true;
        this.endLingering();
      });
      connection.on('ready', () => {
        if (!this.dropped) return;
        this.dropped = false;
        this.endLingering(); // those left while the connection was down: ioredis subscribed them again
        this.resubscribe();
      });
    }
    connection.on('error', () => {
      // Connection errors surface as failed requests and reconnects; ioredis retries on its own.
    });
    this.client.once('end', this.onClientEnd);
    this.connection = connection;
    return connection;
  }

  /** Sharded mode: messages, and gaps after the subscriber group recovered from a disruption. */
  private watchShards(connection: Cluster): void {
    // ioredis puts the client's `keyPrefix` before sharded channels (they are keys to it) when it
    // subscribes, and Redis reports them so: the listeners know them without it.
    const keyPrefix = clientKeyPrefix(connection);
    connection.on('smessage', (channel: string, message: string) =>
      this.channels.send(channel.startsWith(keyPrefix) ? channel.slice(keyPrefix.length) : channel, {
        kind: 'message',
        message,
      }),
    );
    const disrupt = (): void => this.disrupt();
    connection.on('-node', disrupt);
    connection.on('-subscriber', disrupt);
    connection.on('error', disrupt);
    connection.on('subscribersReady', () => {
      if (!this.disrupted || this.closed) return;
      this.disrupted = false;
      this.endLingering(); // those left during the disruption: ioredis may have subscribed them again
      // ioredis has already sent SSUBSCRIBE again for the channels it knows, but says nothing when
      // they are acknowledged: subscribing again ourselves (harmless to Redis) tells us when the gap
      // is over. (ioredis then lists those channels twice, until they are unsubscribed.)
      const names = this.channels.keys();
      const acknowledged = names.map((name) => this.sendTracked('subscribe', name));
      void Promise.all(acknowledged).then((results) => {
        if (this.closed) return;
        if (results.includes(false)) {
          this.disrupt(); // not every shard is back: the next `subscribersReady` tries again
          return;
        }
        this.reconnects++;
        for (const name of names) this.channels.send(name, { kind: 'gap', reconnects: this.reconnects });
      });
    });
  }

  /** Subscribes `names`; a transient failure is retried a few times, then fails the watchers still there. */
  private subscribe(names: string[]): void {
    this.connect();
    if (this.sharded) {
      for (const name of names) void this.sendTracked('subscribe', name);
      return;
    }
    let watched = names;
    let retried = false;
    const subscribing = defer(() => {
      // A channel that lingers meanwhile is still to be subscribed: a watcher may take it over.
      watched = watched.filter((name) => this.channels.has(name) || this.lingering.has(name));
      if (watched.length === 0 || this.closed) return EMPTY;
      const acknowledged = this.send('subscribe', ...watched);
      this.track(acknowledged);
      return from(acknowledged);
    }).pipe(
      retry({
        count: SUBSCRIBE_RETRIES,
        delay: (error: unknown, retries) => {
          // Typed, and stripped of the command's arguments (a refused AUTH carries the password).
          const failure = toSyncError('subscribe', error);
          if (!failure.transient || this.closed) throw failure;
          // Refused for now (ioredis rejects a command caught in a reconnect, for one): ask again.
          retried = true;
          return timer(50 * 2 ** (retries - 1));
        },
      }),
    );
    this.retries.add(
      subscribing.subscribe({
        next: () => {
          if (!retried) return;
          // Subscribed late: messages of the meantime may be lost, so the watchers read again.
          this.reconnects++;
          for (const name of watched) this.channels.send(name, { kind: 'gap', reconnects: this.reconnects });
        },
        error: (error: unknown) => {
          const failure = toSyncError('subscribe', error);
          for (const name of watched) {
            // Not subscribed: a lingering channel has nothing to keep, and a watched one must not linger.
            if (this.stopLingering(name)) continue;
            this.refused.add(name);
            this.channels.fail(failure, name);
            this.refused.delete(name);
          }
        },
      }),
    );
  }

  /** Sharded mode: one channel's (S)SUBSCRIBE, tracked; resolves `false` (marking a disruption) when it failed. */
  private sendTracked(command: 'subscribe', name: string): Promise<boolean> {
    const acknowledged = this.send(command, name).then(
      () => true,
      () => {
        this.disrupt();
        return false;
      },
    );
    this.track(acknowledged);
    return acknowledged;
  }

  /** Sends SUBSCRIBE or UNSUBSCRIBE, sharded on a Cluster (one slot per command there). */
  private send(command: 'subscribe' | 'unsubscribe', ...names: string[]): Promise<unknown> {
    const connection = this.connection;
    if (!connection) return Promise.reject(new Error('The Redis backend is closed.'));
    if (!isCluster(connection)) {
      return afterHandshake(connection).then(() =>
        command === 'subscribe' ? connection.subscribe(...names) : connection.unsubscribe(...names),
      );
    }
    // ioredis can throw synchronously while a Cluster's slots are unknown: make it a rejection.
    return new Promise<unknown>((resolve) => {
      resolve(command === 'subscribe' ? connection.ssubscribe(...names) : connection.sunsubscribe(...names));
    });
  }

  /** `name` lost its last watcher: it lingers, or is unsubscribed at once when lingering is off or its SUBSCRIBE failed. */
  private release(name: string): void {
    if (!this.connection || this.closed) return;
    if (this.linger === 0 || this.refused.has(name)) {
      this.unsubscribe(name);
      return;
    }
    this.lingering.set(
      name,
      timer(this.linger, this.scheduler).subscribe(() => {
        this.lingering.delete(name);
        this.unsubscribe(name);
      }),
    );
  }

  /** Cancels the linger of `name`, whose subscription a watcher takes over; returns whether it lingered. */
  private stopLingering(name: string): boolean {
    const linger = this.lingering.get(name);
    if (!linger) return false;
    this.lingering.delete(name);
    linger.unsubscribe();
    return true;
  }

  /**
   * Unsubscribes every lingering channel now: its subscription may have been lost, or restored by
   * ioredis with no acknowledgement that a watcher taking it over could wait for.
   */
  private endLingering(): void {
    for (const name of [...this.lingering.keys()]) {
      this.stopLingering(name);
      this.unsubscribe(name);
    }
  }

  /** Sharded mode: something may have cost subscriptions; the next `subscribersReady` restores them. */
  private disrupt(): void {
    this.disrupted = true;
    this.endLingering();
  }

  private unsubscribe(name: string): void {
    this.track(this.send('unsubscribe', name));
  }

  private resubscribe(): void {
    const names = this.channels.keys();
    this.reconnects++;
    if (names.length === 0) return;
    this.subscribe(names);
    for (const name of names) this.channels.send(name, { kind: 'gap', reconnects: this.reconnects });
  }

  private track(request: Promise<unknown>): void {
    const settled = request.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
  }
}

/**
 * Resolves once `connection` is past its handshake. ioredis 5 writes a SUBSCRIBE at once while
 * the handshake runs (status `connect`), ahead of the ready check's INFO; Redis then refuses the
 * INFO in subscriber context, ioredis drops the connection, and the channel it just reported as
 * subscribed is subscribed nowhere. Sent when ready (or once the attempt closed, when ioredis
 * queues it for the next connection), a SUBSCRIBE follows the handshake. ioredis 6 waits by itself.
 * Sharded subscriber connections skip the ready check, so a Cluster does not need this.
 */
function afterHandshake(connection: Redis): Promise<void> {
  if (connection.status !== 'connect') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      connection.off('ready', done);
      connection.off('close', done);
      resolve();
    };
    connection.on('ready', done);
    connection.on('close', done);
  });
}
