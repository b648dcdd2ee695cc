import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** How the proxy treats traffic right now. */
export interface ProxyConditions {
  /** Added to every chunk in each direction, in ms. */
  readonly latency: number;
  /** Bytes are held (not forwarded, not dropped) until the partition heals; new connections wait too. */
  readonly partitioned: boolean;
  /** New connections are refused (accepted and closed at once). */
  readonly refusing: boolean;
}

/**
 * A TCP proxy on 127.0.0.1 between clients and one upstream (a redis-server), with faults to
 * inject: latency, a partition (traffic held in both directions, as by a dropped route: nothing is
 * lost, it arrives on heal unless the peers gave up), a reset of every open connection, and
 * refusal of new ones.
 */
export class TcpProxy {
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private readonly held: (() => void)[] = [];
  private conditions: ProxyConditions = { latency: 0, partitioned: false, refusing: false };

  private constructor(
    private readonly server: Server,
    private readonly upstreamPort: number,
  ) {}

  /** Starts a proxy to `upstreamPort` on a free port of 127.0.0.1. */
  static async start(upstreamPort: number): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, upstreamPort);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** The port clients connect to. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Adds `ms` to every chunk forwarded from now on. */
  delay(ms: number): void {
    this.conditions = { ...this.conditions, latency: ms };
  }

  /** Holds all traffic, and new connections, until {@link heal}. */
  partition(): void {
    this.conditions = { ...this.conditions, partitioned: true };
  }

  /** Ends a partition (held traffic flows, in order), latency and refusal. */
  heal(): void {
    this.conditions = { latency: 0, partitioned: false, refusing: false };
    for (const release of this.held.splice(0)) release();
  }

  /** Refuses new connections until {@link heal}. */
  refuse(): void {
    this.conditions = { ...this.conditions, refusing: true };
  }

  /** Resets every open connection (both sides see the connection end abruptly). */
  reset(): void {
    for (const { client, upstream } of [...this.pairs]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.pairs.clear();
  }

  /** Closes every connection and the listening socket. */
  async stop(): Promise<void> {
    this.reset();
    for (const release of this.held.splice(0)) release();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.conditions.refusing) {
      client.destroy();
      return;
    }
    client.pause();
    const open = (): void => {
      const upstream = connect(this.upstreamPort, '127.0.0.1');
      const pair = { client, upstream };
      this.pairs.add(pair);
      const end = (): void => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      this.pipe(client, upstream);
      this.pipe(upstream, client);
      client.resume();
    };
    if (this.conditions.partitioned) this.held.push(open);
    else open();
  }

  /** Forwards `from` to `to`, chunk by chunk, in order, with the conditions of the moment. */
  private pipe(from: Socket, to: Socket): void {
    let queue = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      const due = performance.now() + this.conditions.latency; // each chunk delayed from its arrival
      queue = queue.then(async () => {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (this.conditions.partitioned) await new Promise<void>((resolve) => this.held.push(resolve));
        if (!to.destroyed) to.write(chunk);
      });
    });
  }
}
