import { hashSlot } from '../../src/backends/redis/hashSlot.js';
import { adminClient, startRedisServer, stopRedisServers, type RedisServer } from './redisServer.js';
import { waitUntil } from './testKit.js';

/** One node of a test cluster: its server, its cluster node id and its role at start. */
export interface ClusterNode {
  readonly server: RedisServer;
  readonly id: string;
  /** The node's index in `nodes` of the master it replicates at start, or `undefined` for a master. */
  readonly replicaOf: number | undefined;
}

/** A Redis Cluster of real redis-server processes on 127.0.0.1, started for tests. */
export interface RedisCluster {
  /** Masters first (in slot order), then replicas. */
  readonly nodes: readonly ClusterNode[];
  /** Addresses to give `new Cluster(...)`. */
  readonly startupNodes: readonly { readonly host: string; readonly port: number }[];
  /** The cluster node timeout, in ms (failure detection takes about this long). */
  readonly nodeTimeout: number;
  /** The slot range `[first, last]` of each master at start, in the order of `nodes`. */
  readonly slotRanges: readonly (readonly [number, number])[];
  /** The node that serves `slot` as master now, asked of a live node. */
  masterOf(slot: number): Promise<ClusterNode>;
  /**
   * Resolves once a write to every master succeeds (every slot is served by a live master) and,
   * with `replicated`, has reached a replica.
   */
  waitUntilHealthy(options?: { readonly within?: number; readonly replicated?: boolean }): Promise<void>;
  /**
   * Starts a stopped node again (same port, directory and `nodes.conf`): a former master whose
   * slots a replica took over rejoins as that replica's replica. Resolves once it is a replica
   * with its link to its master up (the initial sync done), so that `WAIT 1` on that master counts it.
   */
  restore(node: ClusterNode): Promise<void>;
  /** Stops every server and removes their directories. */
  stop(): Promise<void>;
}

/** Shape of a test cluster. */
export interface RedisClusterOptions {
  /** @defaultValue 3 */
  readonly masters?: number;
  /** Replicas of each master. @defaultValue 1 */
  readonly replicasPerMaster?: number;
  /** `cluster-node-timeout`, in ms. @defaultValue 1_000 */
  readonly nodeTimeout?: number;
}

/**
 * Starts a Redis Cluster on free ports of 127.0.0.1: every node is a child process
 * (`--daemonize no`, ready at "Ready to accept connections"), with its cluster bus port given
 * explicitly (`--cluster-port`; the default, port + 10000, may be taken or out of range). The
 * nodes meet, the masters take equal slot ranges, the replicas follow their masters, and the
 * cluster counts as ready once a write to every master succeeds (Redis keeps a fresh master
 * read-only for about 2 s) and has reached its replica, as the master's own `WAIT` says (a
 * replica's own status can say "connected" before it has the data; and Redis 7 hides a replica
 * from `CLUSTER SLOTS` until its master had a write).
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const { masters = 3, replicasPerMaster = 1, nodeTimeout = 1_000 } = options;
  const count = masters * (1 + replicasPerMaster);
  // Every node is stopped again when one cannot start: none is left running behind the error.
  const started = await Promise.allSettled(
    Array.from({ length: count }, () =>
      startRedisServer({
        clusterBus: true,
        args: [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          String(nodeTimeout),
          // A replica may always stand in for its master, however long it was cut off.
          '--cluster-replica-validity-factor',
          '0',
          // Replicas sync at once (the default waits 5 s for more replicas to share the transfer).
          '--repl-diskless-sync-delay',
          '0',
        ],
      }),
    ),
  );
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await stopRedisServers(...servers);
    throw failed.reason;
  }
  const admins = servers.map((server) => adminClient(server));
  try {
    const ids = await Promise.all(admins.map(async (admin) => String(await admin.cluster('MYID'))));
    const nodes: ClusterNode[] = servers.map((server, index) => ({
      server,
      id: ids[index]!,
      replicaOf: index < masters ? undefined : (index - masters) % masters,
    }));
    await Promise.all(
      servers.slice(1).map((server) => admins[0]!.call('CLUSTER', 'MEET', '127.0.0.1', server.port, server.busPort!)),
    );
    const width = Math.floor(16_384 / masters);
    const slotRanges = Array.from(
      { length: masters },
      (_, index) => [index * width, index === masters - 1 ? 16_383 : (index + 1) * width - 1] as const,
    );
    await Promise.all(slotRanges.map(([first, last], index) => admins[index]!.cluster('ADDSLOTSRANGE', first, last)));
    await waitUntil(
      async () => {
        const views = await Promise.all(admins.map((admin) => admin.cluster('NODES') as Promise<string>));
        return views.every((view) => view.trim().split('\n').length === count && !view.includes('handshake'));
      },
      10_000,
      'the cluster nodes to know each other',
      50,
    );
    await Promise.all(
      nodes.flatMap((node, index) =>
        node.replicaOf === undefined ? [] : [admins[index]!.cluster('REPLICATE', nodes[node.replicaOf]!.id)],
      ),
    );
    const cluster: RedisCluster = {
      nodes,
      startupNodes: servers.map((server) => ({ host: server.host, port: server.port })),
      nodeTimeout,
      slotRanges,
      masterOf: async (slot) => {
        const address = await masterAddress(nodes, slot);
        const node = nodes.find((candidate) => candidate.server.port === address);
        if (!node) throw new Error(`no node listens on port ${address}`);
        return node;
      },
      waitUntilHealthy: ({ within = 20_000, replicated = false } = {}) => waitUntilWritable(nodes, replicated, within),
      restore: async (node) => {
        await node.server.restart();
        const admin = adminClient(node.server);
        try {
          await waitUntil(
            async () => {
              const info = String(await admin.info('replication'));
              return info.includes('role:slave') && info.includes('master_link_status:up');
            },
            20_000,
            `node ${node.server.port} to be a replica in sync again`,
            50,
          );
        } finally {
          admin.disconnect();
        }
      },
      stop: () => stopRedisServers(...servers),
    };
    await cluster.waitUntilHealthy({ replicated: replicasPerMaster > 0 });
    return cluster;
  } catch (error) {
    await stopRedisServers(...servers);
    throw error;
  } finally {
    for (const admin of admins) admin.disconnect();
  }
}

/** The port of the live master serving `slot`, from `CLUSTER SHARDS` of any node that answers. */
async function masterAddress(nodes: readonly ClusterNode[], slot: number): Promise<number> {
  for (const node of nodes) {
    const admin = adminClient(node.server);
    try {
      const shards = (await admin.cluster('SHARDS')) as unknown[];
      for (const shard of shards) {
        const fields = pairs(shard as unknown[]);
        const ranges = fields.get('slots') as number[];
        const owns = ranges.some((value, index) => index % 2 === 0 && value <= slot && slot <= ranges[index + 1]!);
        if (!owns) continue;
        for (const member of fields.get('nodes') as unknown[][]) {
          const info = pairs(member);
          if (info.get('role') === 'master' && info.get('health') === 'online') return Number(info.get('port'));
        }
      }
    } catch {
      // This node is down: ask another.
    } finally {
      admin.disconnect();
    }
  }
  throw new Error(`no live master serves slot ${slot}`);
}

/** Resolves once a write to a key of every master's slots succeeds and, with replicas, reaches one. */
async function waitUntilWritable(nodes: readonly ClusterNode[], replicated: boolean, within: number): Promise<void> {
  const masters = nodes.filter((node) => node.replicaOf === undefined).length;
  const width = Math.floor(16_384 / masters);
  await waitUntil(
    async () => {
      for (let index = 0; index < masters; index++) {
        const slot = index * width;
        const port = await masterAddress(nodes, slot);
        const admin = adminClient({ host: '127.0.0.1', port });
        try {
          await admin.set(`rx-sync-ready:{${tagOfSlot(slot)}}`, '1');
          if (replicated && Number(await admin.wait(1, 1_000)) < 1) return false;
        } finally {
          admin.disconnect();
        }
      }
      return true;
    },
    within,
    'every master of the cluster to take writes (and replicate them)',
    50,
  );
}

const slotTags = new Map<number, string>();

/** A hash tag whose slot is `slot` (found by search; a few thousand CRCs at most). */
export function tagOfSlot(slot: number): string {
  let tag = slotTags.get(slot);
  if (tag !== undefined) return tag;
  for (let n = 0; ; n++) {
    if (hashSlot(`s${n}`) === slot) {
      tag = `s${n}`;
      break;
    }
  }
  slotTags.set(slot, tag);
  return tag;
}

function pairs(list: unknown[]): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (let index = 0; index + 1 < list.length; index += 2) map.set(String(list[index]), list[index + 1]);
  return map;
}
