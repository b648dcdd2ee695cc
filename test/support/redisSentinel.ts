import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminClient, freePort, startRedisServer, stopRedisServers, type RedisServer } from './redisServer.js';
import { waitUntil } from './testKit.js';

/** A Sentinel-managed Redis on 127.0.0.1: one master, its replicas and the sentinels watching them. */
export interface RedisSentinelGroup {
  /** The master group's name (`name` of ioredis' Sentinel options). */
  readonly name: string;
  /** The data servers: the first is the master at start, the others its replicas. */
  readonly servers: readonly RedisServer[];
  readonly sentinels: readonly RedisServer[];
  /** Addresses to give ioredis as `sentinels`. */
  readonly sentinelAddresses: readonly { readonly host: string; readonly port: number }[];
  /** `down-after-milliseconds`: how long a master must be unreachable before failover starts. */
  readonly downAfter: number;
  /** The data server that the sentinels name as master now. */
  master(): Promise<RedisServer>;
  /**
   * Starts a stopped data server again as a replica of the current master, and resolves once it
   * has the master's data, every sentinel counts it as a healthy replica (so it can be promoted),
   * and the group has settled: every sentinel names the same master, with no failover under way
   * and its pings answered. Fails when the sentinels fail over meanwhile.
   */
  restore(server: RedisServer): Promise<void>;
  /** Stops every server and sentinel and removes their directories. */
  stop(): Promise<void>;
}

/** Shape of a test Sentinel group. */
export interface RedisSentinelOptions {
  /** @defaultValue 1 */
  readonly replicas?: number;
  /** @defaultValue 3 */
  readonly sentinels?: number;
  /**
   * `sentinel down-after-milliseconds`; must be more than Sentinel's ping period (1000 ms, see
   * {@link MIN_DOWN_AFTER}). @defaultValue 2000
   */
  readonly downAfter?: number;
}

const NAME = 'mymaster';

/**
 * The shortest `down-after-milliseconds` that does not make Sentinel fail over a healthy master
 * (Redis 7.0, sentinel.c). On `+switch-master` a sentinel resets the master's link and sets its
 * pending-ping time to now, but reconnects to the new address only once a second has passed since
 * its last connection attempt (it kept trying the dead master), up to 1000 ms after the switch:
 * with `down-after` at 1000 ms or less, the first PONG of the new master then often comes too late
 * and the sentinel marks it down. Two sentinels doing so make `+odown`, and when the old master was
 * already restored as a healthy replica, a failover to it succeeds. Seen in this suite's logs as a
 * fourth `+elected-leader` 1.0 to 1.1 s after the third `+switch-master`, in most runs with 1000.
 */
export const MIN_DOWN_AFTER = 1_500;

/** How many times the sentinels are started again on other ports when a port was taken before a sentinel could bind it. */
const SENTINEL_START_ATTEMPTS = 5;

/**
 * Starts a master, its replicas and sentinels as child processes on free ports of 127.0.0.1. The
 * sentinels' config files are seeded with each other and with the replicas (`known-sentinel`,
 * `known-replica`), so they agree on the group at once instead of discovering it through hello
 * messages over several seconds. Ready once a write on the master has reached every replica (the
 * master's `WAIT` says so), every sentinel sees a quorum (`SENTINEL CKQUORUM`) and the sentinels
 * have settled on the master (see `settledMaster`).
 */
export async function startRedisSentinel(options: RedisSentinelOptions = {}): Promise<RedisSentinelGroup> {
  const { replicas = 1, sentinels: sentinelCount = 3, downAfter = 2_000 } = options;
  if (!(downAfter >= MIN_DOWN_AFTER))
    throw new RangeError(
      `Expected \`downAfter\` to be at least ${MIN_DOWN_AFTER} ms (Sentinel fails over healthy masters below), got ${downAfter}.`,
    );
  const started: RedisServer[] = [];
  try {
    const master = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0'] });
    started.push(master);
    const replicaServers = await Promise.all(
      Array.from({ length: replicas }, () =>
        startRedisServer({
          args: ['--replicaof', master.host, String(master.port), '--repl-diskless-sync-delay', '0'],
        }),
      ),
    );
    started.push(...replicaServers);
    const admin = adminClient(master);
    try {
      await waitUntil(
        async () => {
          await admin.set('rx-sync-ready', '1');
          return Number(await admin.wait(replicas, 1_000)) >= replicas;
        },
        10_000,
        'the replicas to sync',
      );
    } finally {
      admin.disconnect();
    }

    const sentinels = await startSentinels(master, replicaServers, sentinelCount, downAfter);
    started.push(...sentinels);
    const servers = [master, ...replicaServers];
    const group: RedisSentinelGroup = {
      name: NAME,
      servers,
      sentinels,
      sentinelAddresses: sentinels.map((sentinel) => ({ host: sentinel.host, port: sentinel.port })),
      downAfter,
      master: async () => {
        for (const sentinel of sentinels) {
          const client = adminClient(sentinel);
          try {
            const [, port] = (await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)) as [string, string];
            const found = servers.find((server) => server.port === Number(port));
            if (found) return found;
          } catch {
            // This sentinel is down: ask another.
          } finally {
            client.disconnect();
          }
        }
        throw new Error('no sentinel names a master');
      },
      restore: async (server) => {
        // A server that runs already is not restarted: it may be serving as the master by now.
        if (!server.running()) await server.restart();
        const master = await settledMaster(sentinels, servers, 30_000);
        if (master === server)
          throw new Error(`port ${server.port} is the master again: the sentinels failed over to it`);
        const replica = adminClient(server);
        const admin = adminClient(master);
        try {
          await replica.replicaof(master.host, master.port);
          const others = servers.length - 1;
          await waitUntil(
            async () => {
              await admin.set('rx-sync-ready', '1');
              return Number(await admin.wait(others, 1_000)) >= others;
            },
            30_000,
            'the restored replica to sync',
          );
        } finally {
          replica.disconnect();
          admin.disconnect();
        }
        await Promise.all(
          sentinels.map(async (sentinel) => {
            const client = adminClient(sentinel);
            try {
              await waitUntil(
                async () => {
                  const replicas = (await client.call('SENTINEL', 'REPLICAS', NAME)) as string[][];
                  return replicas.some((fields) => {
                    const info = fieldsOf(fields);
                    return (
                      info.get('port') === String(server.port) &&
                      info.get('master-link-status') === 'ok' &&
                      !/s_down|disconnected/.test(info.get('flags') ?? '')
                    );
                  });
                },
                30_000,
                `sentinel ${sentinel.port} to count ${server.port} as a healthy replica`,
              );
            } finally {
              client.disconnect();
            }
          }),
        );
        const after = await settledMaster(sentinels, servers, 30_000);
        if (after !== master)
          throw new Error(
            `the sentinels failed over from ${master.port} to ${after.port} while ${server.port} was restored`,
          );
      },
      stop: () => stopRedisServers(...started),
    };
    await Promise.all(
      sentinels.map(async (sentinel) => {
        const client = adminClient(sentinel);
        try {
          await waitUntil(
            async () => String(await client.call('SENTINEL', 'CKQUORUM', NAME)).startsWith('OK'),
            10_000,
            `sentinel ${sentinel.port} to see a quorum`,
          );
        } finally {
          client.disconnect();
        }
      }),
    );
    await settledMaster(sentinels, servers, 30_000);
    return group;
  } catch (error) {
    await stopRedisServers(...started);
    throw error;
  }
}

/** The fields of a Sentinel reply of alternating names and values, as a map. */
function fieldsOf(fields: readonly string[]): Map<string, string> {
  const info = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) info.set(fields[index]!, fields[index + 1]!);
  return info;
}

/**
 * Resolves with the master once the group has settled: every sentinel names the same data server
 * as master, flags it plain `master` (no `s_down`, `o_down`, failover under way, broken link) and
 * has no ping to it unanswered (`last-ping-sent` 0), so none is about to mark it down.
 */
async function settledMaster(
  sentinels: readonly RedisServer[],
  servers: readonly RedisServer[],
  within: number,
): Promise<RedisServer> {
  let views: string[] = [];
  let settled: RedisServer | undefined;
  try {
    await waitUntil(
      async () => {
        const infos = await Promise.all(
          sentinels.map(async (sentinel) => {
            const client = adminClient(sentinel);
            try {
              return fieldsOf((await client.call('SENTINEL', 'MASTER', NAME)) as string[]);
            } finally {
              client.disconnect();
            }
          }),
        );
        views = infos.map(
          (info, index) =>
            `sentinel ${sentinels[index]!.port}: ${info.get('port')} ${info.get('flags')} last-ping-sent ${info.get('last-ping-sent')}`,
        );
        const ports = new Set(infos.map((info) => info.get('port')));
        const quiet = infos.every((info) => info.get('flags') === 'master' && info.get('last-ping-sent') === '0');
        settled = ports.size === 1 && quiet ? servers.find((server) => ports.has(String(server.port))) : undefined;
        return settled !== undefined;
      },
      within,
      'the sentinels to settle on one master',
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen: ${views.join('; ')}`);
  }
  return settled!;
}

/**
 * Starts `count` sentinels of the group, each told of the others by port (so every port is chosen
 * before any of them starts). A port found free can be taken before its sentinel binds it (by
 * another process, or as the local end of an outgoing connection): then the sentinels that did
 * start are stopped and all of them are started again on other free ports.
 */
async function startSentinels(
  master: RedisServer,
  replicas: readonly RedisServer[],
  count: number,
  downAfter: number,
): Promise<RedisServer[]> {
  for (let attempt = 1; ; attempt++) {
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    const ids = ports.map(() => randomBytes(20).toString('hex'));
    const outcomes = await Promise.allSettled(
      ports.map((port, index) => {
        const directory = mkdtempSync(join(tmpdir(), 'rx-sync-sentinel-'));
        const config = [
          `dir ${directory}`,
          `sentinel myid ${ids[index]}`,
          `sentinel monitor ${NAME} ${master.host} ${master.port} ${Math.floor(count / 2) + 1}`,
          `sentinel down-after-milliseconds ${NAME} ${downAfter}`,
          // Sentinel starts no failover of a master within twice this of its last attempt: should
          // an attempt abort, the next real failover waits out 2 × this (20 s at Sentinel's
          // default 10000, longer than the failover tests allow).
          `sentinel failover-timeout ${NAME} 3000`,
          `sentinel parallel-syncs ${NAME} 1`,
          ...replicas.map((replica) => `sentinel known-replica ${NAME} ${replica.host} ${replica.port}`),
          ...ports.flatMap((other, otherIndex) =>
            otherIndex === index ? [] : [`sentinel known-sentinel ${NAME} 127.0.0.1 ${other} ${ids[otherIndex]}`],
          ),
          '',
        ].join('\n');
        return startRedisServer({ port, directory, config, sentinel: true });
      }),
    );
    const sentinels = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (!failure) return sentinels;
    await stopRedisServers(...sentinels);
    const reason: unknown = failure.reason;
    const taken = reason instanceof Error && reason.message.includes('Address already in use');
    if (!taken || attempt === SENTINEL_START_ATTEMPTS) throw reason;
  }
}
