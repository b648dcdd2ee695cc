import { Redis } from 'ioredis';
import { createRedisBackend, type RedisBackend } from '../../../src/backends/redis/index.js';
import { RedisKeys } from '../../../src/backends/redis/redisKeys.js';
import { startRedisServer, stopRedisServers, type RedisServer } from '../../support/redisServer.js';
import { TcpProxy } from '../../support/tcpProxy.js';
import { LeaseSampler } from './leaseSampler.js';
import { GrantMonitor } from './monitor.js';
import { Resource } from './resource.js';
import { NAMES, type Primitive, type WorkerLine } from './scenario.js';
import { WorkerProcess } from './workerProcess.js';

/** How to set up one fault's run. */
export interface EnvironmentOptions {
  /** Extra arguments of the coordination redis-server (persistence). */
  readonly redisArgs: readonly string[];
  readonly workers: number;
  readonly contenders: number;
  readonly leaseDuration: number;
  readonly primitives: readonly Primitive[];
}

const PREFIX = 'faults';

/**
 * Everything one fault's run needs, all on 127.0.0.1: the coordination redis-server (the one the
 * faults hit), a second redis-server holding the fenced resource (never faulted), one TCP proxy
 * per worker between it and the coordination server, the worker processes, and the runner's own
 * connections (administration, the grant monitor, a backend for tasks and store reads).
 */
export class Environment {
  readonly keys = new RedisKeys(PREFIX);

  private constructor(
    readonly options: EnvironmentOptions,
    readonly redis: RedisServer,
    readonly resourceServer: RedisServer,
    readonly admin: Redis,
    readonly resource: Resource,
    private readonly resourceClient: Redis,
    private readonly client: Redis,
    readonly backend: RedisBackend,
    readonly monitor: GrantMonitor,
    readonly sampler: LeaseSampler,
    readonly workers: readonly WorkerProcess[],
  ) {}

  static async start(options: EnvironmentOptions): Promise<Environment> {
    const [redis, resourceServer] = await Promise.all([
      startRedisServer({ args: options.redisArgs }),
      startRedisServer(),
    ]);
    const admin = runnerClient(redis.port, 'fault-admin');
    const resourceClient = runnerClient(resourceServer.port, 'fault-resource');
    const client = runnerClient(redis.port, 'fault-runner');
    const backend = createRedisBackend({ client, prefix: PREFIX, requestTimeout: 2 * options.leaseDuration });
    const monitor = await GrantMonitor.start(runnerClient(redis.port, 'fault-monitor'), PREFIX);
    const keys = new RedisKeys(PREFIX);
    const workers: WorkerProcess[] = [];
    for (let index = 1; index <= options.workers; index++) {
      const proxy = await TcpProxy.start(redis.port);
      workers.push(
        WorkerProcess.start(
          {
            id: `w${index}`,
            redisPort: proxy.port,
            resourcePort: resourceServer.port,
            prefix: PREFIX,
            leaseDuration: options.leaseDuration,
            primitives: options.primitives,
            contenders: options.contenders,
          },
          proxy,
        ),
      );
    }
    const environment = new Environment(
      options,
      redis,
      resourceServer,
      admin,
      new Resource(resourceClient),
      resourceClient,
      client,
      backend,
      monitor,
      new LeaseSampler(
        admin,
        { lock: keys.lease(`lock:${NAMES.lock}`), leader: keys.lease(`leader:${NAMES.group}`) },
        options.leaseDuration / 10,
      ),
      workers,
    );
    try {
      await Promise.all(workers.map((worker) => worker.next(isReady, 60_000, 'ready line')));
    } catch (error) {
      await environment.stop();
      throw error;
    }
    return environment;
  }

  get leaseDuration(): number {
    return this.options.leaseDuration;
  }

  /** The worker whose contender holds the lock (`lock`) or which leads (`leader`) now, if any. */
  async holder(kind: 'lock' | 'leader'): Promise<WorkerProcess | undefined> {
    const key = this.keys.lease(kind === 'lock' ? `lock:${NAMES.lock}` : `leader:${NAMES.group}`);
    const holder = await this.admin.hget(key, 'holder').catch(() => null);
    const id = holder?.split('.')[0];
    return this.workers.find((worker) => worker.id === id);
  }

  /** The workers running a task now (from the claims of the task name and the task records). */
  async runningTasks(): Promise<WorkerProcess[]> {
    const [, , claims, , taskBase] = this.keys.taskKeys(NAMES.task);
    try {
      const numbers = await this.admin.zrange(claims, 0, -1);
      const names = await Promise.all(numbers.map((n) => this.admin.hget(`${taskBase}${n}`, 'worker')));
      return this.workers.filter((worker) => names.includes(worker.id));
    } catch {
      return [];
    }
  }

  /** The coordination Redis keys of the lock's and the leadership's leases. */
  leaseKeys(): string[] {
    return [this.keys.lease(`lock:${NAMES.lock}`), this.keys.lease(`leader:${NAMES.group}`)];
  }

  /** Heals every fault a fault module may have left (resumes processes, heals proxies). */
  healAll(): void {
    this.redis.signal('SIGCONT');
    for (const worker of this.workers) {
      if (worker.paused) worker.resume();
      worker.proxy.heal();
    }
  }

  /** Kills every process at once (the runner was interrupted). */
  async kill(): Promise<void> {
    for (const worker of this.workers) worker.kill();
    await Promise.all([this.redis.stop('SIGKILL'), this.resourceServer.stop('SIGKILL')]);
  }

  async stop(): Promise<void> {
    this.healAll();
    await Promise.all(this.workers.map((worker) => worker.stop()));
    await Promise.all(this.workers.map((worker) => worker.proxy.stop()));
    this.monitor.stop();
    await this.sampler.stop();
    await this.backend.close().catch(() => undefined);
    for (const connection of [this.client, this.admin, this.resourceClient]) connection.disconnect();
    await stopRedisServers(this.redis, this.resourceServer);
  }
}

function runnerClient(port: number, connectionName: string): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    connectionName,
    retryStrategy: (times) => Math.min(times * 50, 500),
  });
  client.on('error', () => {
    // The coordination server is paused, killed and restarted on purpose; requests report it.
  });
  return client;
}

function isReady(line: WorkerLine): line is Extract<WorkerLine, { type: 'ready' }> {
  return line.type === 'ready';
}
