/**
 * Where the time of one uncontended lock cycle goes: `npm run bench:profile` (add `-- --quorum`
 * for a quorum of three, `-- --cycles=N` for more cycles; run it under `node --cpu-prof` to see the
 * client's functions). It runs the cycle of scenario 1 (acquire, release, as bench/lockers.ts times
 * it) sequentially on one key, rx-sync and the ioredis floor alternating, and prints per cycle: the
 * wall time, the client's CPU time (this process: JavaScript, ioredis and the socket system calls),
 * the requests it sent, and the server's time per command (`INFO commandstats`; a script's line
 * includes the commands it calls, which are also listed on their own lines).
 */
import { Redis } from 'ioredis';
import { createRedisBackend } from 'rx-sync/redis';
import { startRedisServer, stopRedisServers } from '../test/support/redisServer.js';
import { elapsedMs, now, randomPrefix, requests } from './harness.js';
import { floorLocker, floorQuorumLocker, rxSyncLocker, type Locker } from './lockers.js';

interface CycleCost {
  readonly wallMicroseconds: number;
  readonly cpuMicroseconds: number;
  readonly requests: number;
  /** Server microseconds per cycle by command, summed over the masters. */
  readonly serverMicroseconds: ReadonlyMap<string, number>;
}

async function measure(locker: Locker, servers: readonly Redis[], cycles: number): Promise<CycleCost> {
  for (let cycle = 0; cycle < 1_000; cycle++) await (await locker.acquire('profiled'))();
  await Promise.all(servers.map((server) => server.config('RESETSTAT')));
  const sent = requests.count();
  const cpu = process.cpuUsage();
  const started = now();
  for (let cycle = 0; cycle < cycles; cycle++) await (await locker.acquire('profiled'))();
  const wall = elapsedMs(started) * 1_000;
  const used = process.cpuUsage(cpu);
  const requestsSent = requests.count() - sent - servers.length; // not the RESETSTATs
  const serverMicroseconds = new Map<string, number>();
  for (const server of servers) {
    for (const line of (await server.info('commandstats')).split('\n')) {
      const match = /^cmdstat_(\w+):calls=\d+,usec=(\d+)/.exec(line);
      if (!match || ['config', 'info', 'ping'].includes(match[1]!)) continue;
      serverMicroseconds.set(match[1]!, (serverMicroseconds.get(match[1]!) ?? 0) + Number(match[2]) / cycles);
    }
  }
  return {
    wallMicroseconds: wall / cycles,
    cpuMicroseconds: (used.user + used.system) / cycles,
    requests: requestsSent / cycles,
    serverMicroseconds,
  };
}

function describe(subject: string, cost: CycleCost): string {
  const server = [...cost.serverMicroseconds]
    .sort((a, b) => b[1] - a[1])
    .map(([command, microseconds]) => `${command} ${microseconds.toFixed(1)}`)
    .join(', ');
  return [
    `${subject}: ${cost.wallMicroseconds.toFixed(1)} µs per cycle, client CPU ${cost.cpuMicroseconds.toFixed(1)} µs,`,
    `  ${cost.requests.toFixed(2)} requests; server µs per cycle: ${server}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const quorum = process.argv.includes('--quorum');
  const cycles = Number(process.argv.find((arg) => arg.startsWith('--cycles='))?.slice('--cycles='.length) ?? 20_000);
  const servers = await Promise.all(Array.from({ length: quorum ? 3 : 1 }, () => startRedisServer()));
  const connect = (): Redis[] => servers.map(({ host, port }) => new Redis({ host, port }));
  const [rxClients, floorClients, admin] = [connect(), connect(), connect()];
  const backend = createRedisBackend({
    client: rxClients[0]!,
    prefix: randomPrefix('profile'),
    ...(quorum && { quorum: rxClients }),
  });
  const subjects: [string, Locker][] = [
    ['rx-sync', rxSyncLocker(backend, rxClients)],
    [
      'ioredis floor',
      quorum
        ? floorQuorumLocker(floorClients, randomPrefix('floor'))
        : floorLocker(floorClients[0]!, randomPrefix('floor')),
    ],
  ];
  try {
    for (const round of [1, 2]) {
      for (const [subject, locker] of round === 1 ? subjects : [...subjects].reverse()) {
        console.log(describe(subject, await measure(locker, admin, cycles)));
      }
    }
  } finally {
    await backend.close();
    for (const client of [...rxClients, ...floorClients, ...admin]) client.disconnect();
    await stopRedisServers(...servers);
  }
}

void main();
