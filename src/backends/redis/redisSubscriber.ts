import { Observable } from 'rxjs';
import type { RedisClient } from './redisScript.js';

/** What a channel delivers: a message, or word that messages may have been missed (after a reconnect). */
export type ChannelSignal =
  | { readonly kind: 'message'; readonly message: string }
  /** Messages may have been lost; `reconnects` counts the reconnections so far (one gap, one number). */
  | { readonly kind: 'gap'; readonly reconnects: number };

type Listener = {
  readonly signal: (signal: ChannelSignal) => void;
  readonly fail: (error: unknown) => void;
};

/**
 * One pub/sub connection per backend (a `duplicate()` of the command client, made on first use),
 * multiplexed over every watcher: each channel is subscribed in Redis once, whatever the number of
 * watchers, and unsubscribed when its last watcher leaves.
 *
 * Ordering: `settled()` resolves once every SUBSCRIBE sent so far has been acknowledged, and the
 * backend waits for it before reads and lease attempts, so that "subscribe, then read" never
 * misses a write in between. After a reconnect, every channel is subscribed again and its
 * watchers get a `gap` signal, so they can read again and converge.
 */
export class RedisSubscriber {
  private connection: RedisClient | undefined;
  private readonly channels = new Map<string, Set<Listener>>();
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;
  private reconnects = 0;
  private readonly onClientEnd = (): void => void this.close();

  constructor(private readonly client: RedisClient) {}

  /** Signals of one channel, from the acknowledgement of its subscription on. */
  channel(name: string): Observable<ChannelSignal> {
    return new Observable<ChannelSignal>((subscriber) => {
      if (this.closed) {
        subscriber.error(new Error('The Redis backend is closed.'));
        return undefined;
      }
      const listener: Listener = {
        signal: (signal) => subscriber.next(signal),
        fail: (error) => subscriber.error(error),
      };
      let listeners = this.channels.get(name);
      if (!listeners) {
        this.channels.set(name, (listeners = new Set()));
        this.subscribe([name]);
      }
      listeners.add(listener);
      return () => {
        const current = this.channels.get(name);
        if (!current?.delete(listener) || current.size > 0) return;
        this.channels.delete(name);
        if (this.connection && !this.closed) this.track(this.connection.unsubscribe(name));
      };
    });
  }

  /** Resolves once every subscription sent so far is acknowledged (or has failed). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** How many channels are subscribed (for tests and metrics). */
  get channelCount(): number {
    return this.channels.size;
  }

  /** Whether the pub/sub connection has been made. */
  get connected(): boolean {
    return this.connection !== undefined && !this.closed;
  }

  /** Closes the pub/sub connection; watchers still attached get an error. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.client.off('end', this.onClientEnd);
    const error = new Error('The Redis backend was closed while watching.');
    for (const listeners of [...this.channels.values()]) for (const listener of [...listeners]) listener.fail(error);
    this.channels.clear();
    // Dropped, not QUIT: a QUIT would wait behind commands that ioredis queued while Redis is
    // unreachable, and a subscriber connection has nothing left to flush.
    this.connection?.disconnect();
    this.connection = undefined;
    return Promise.resolve();
  }

  private connect(): RedisClient {
    if (this.connection) return this.connection;
    // Subscriptions made before the connection is up must wait for it, whatever the user's client does.
    const connection =
      'nodes' in this.client
        ? this.client.duplicate(undefined, { enableOfflineQueue: true })
        : this.client.duplicate({ enableOfflineQueue: true });
    let readyBefore = false;
    connection.on('message', (channel: string, message: string) => this.deliver(channel, { kind: 'message', message }));
    connection.on('ready', () => {
      if (readyBefore) this.resubscribe();
      readyBefore = true;
    });
    connection.on('error', () => {
      // Connection errors surface as failed requests and reconnects; ioredis retries on its own.
    });
    this.client.once('end', this.onClientEnd);
    this.connection = connection;
    return connection;
  }

  private subscribe(names: string[]): void {
    const connection = this.connect();
    this.track(
      connection.subscribe(...names).catch((error: unknown) => {
        for (const name of names) for (const listener of [...(this.channels.get(name) ?? [])]) listener.fail(error);
      }),
    );
  }

  private resubscribe(): void {
    const names = [...this.channels.keys()];
    this.reconnects++;
    if (names.length === 0) return;
    this.subscribe(names);
    for (const name of names) this.deliver(name, { kind: 'gap', reconnects: this.reconnects });
  }

  private deliver(channel: string, signal: ChannelSignal): void {
    const listeners = this.channels.get(channel);
    if (listeners) for (const listener of [...listeners]) listener.signal(signal);
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
