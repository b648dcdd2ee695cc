/**
 * What `replicaAcknowledgement` costs per lease grant and renewal, on a master with one replica
 * (standalone with a replica, as under Sentinel) and on a Redis Cluster of three masters with a
 * replica each, all on 127.0.0.1. Run: `npx tsx --tsconfig test/tsconfig.json test/bench/replicaAcknowledgement.ts`.
 * Prints one line per topology and setting: mean, median and 99th percentile, in ms.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { firstValueFrom } from 'rxjs';
import { createRedisBackend, type RedisBackend, type RedisBackendOptions } from '../../src/backends/redis/index.js';
import { startRedisCluster } from '../support/redisCluster.js';
import { startRedisServer, stopRedisServers } from '../support/redisServer.js';

const ROUNDS = Number(process.env['ROUNDS'] ?? 2_000);

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  const at = (fraction: number): number => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
  return `mean ${mean.toFixed(3)}  p50 ${at(0.5).toFixed(3)}  p99 ${at(0.99).toFixed(3)}`;
}

async function measure(label: string, client: RedisBackendOptions['client'], acknowledged: boolean): Promise<void> {
  const backend: RedisBackend = createRedisBackend({
    client,
    prefix: `bench-${randomBytes(3).toString('hex')}`,
    ...(acknowledged && { replicaAcknowledgement: { replicas: 1, timeout: 50 } }),
  });
  const grants: number[] = [];
  const renewals: number[] = [];
  for (let round = 0; round < ROUNDS + 100; round++) {
    const key = `lock:k${round}`;
    const owner = `owner-${round}`;
    let started = performance.now();
    const attempt = await firstValueFrom(backend.tryAcquire(key, { owner, holder: 'bench', leaseDuration: 10_000 }));
    const granted = performance.now() - started;
    if (!attempt.granted) throw new Error('refused');
    started = performance.now();
    await firstValueFrom(backend.renew(key, owner, 10_000));
    const renewed = performance.now() - started;
    await firstValueFrom(backend.release(key, owner));
    if (round >= 100) {
      grants.push(granted);
      renewals.push(renewed);
    }
  }
  await backend.close();
  const setting = acknowledged ? 'replicaAcknowledgement {1, 50 ms}' : 'without acknowledgement        ';
  console.log(`${label.padEnd(26)} ${setting}  grant: ${stats(grants)}  renew: ${stats(renewals)}`);
}

async function main(): Promise<void> {
  const master = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0'] });
  const replica = await startRedisServer({ args: ['--replicaof', master.host, String(master.port)] });
  const cluster = await startRedisCluster();
  const single = new Redis({ host: master.host, port: master.port });
  const clustered = new Cluster([...cluster.startupNodes]);
  try {
    for (const acknowledged of [false, true, false, true]) {
      await measure('master + 1 replica', single, acknowledged);
      await measure('Cluster 3 masters + 3 rep.', clustered, acknowledged);
    }
  } finally {
    single.disconnect();
    clustered.disconnect();
    await stopRedisServers(master, replica);
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
