/**
 * Scenario 3: leadership moving between two nodes (each with its own connections).
 *
 * Handoff on resign: the leader resigns while a candidate waits; the figure is resign → the
 * candidate elected. The floor: the leader sends DEL + PUBLISH in one pipeline, and the waiting
 * candidate, on the message, takes the key with SET NX PX. Goal: p50 ≤ 1.5× the floor.
 *
 * Failover: the leader stops renewing (its connection is dropped, at a random moment of its renewal
 * cycle) while a candidate waits; the figures are stop → candidate elected, against the bound of
 * the goal (lease + one retry delay), and how long after the lease lapsed on Redis the candidate
 * had it, against a floor candidate that sleeps for the key's PTTL and then tries SET NX again.
 */
import type { Redis } from 'ioredis';
import type { Observable, Subscription } from 'rxjs';
import { leadership, type Term } from 'rx-sync';
import { createRedisBackend } from 'rx-sync/redis';
import {
  alternate,
  closeClients,
  connect,
  elapsedMs,
  latency,
  medianLatency,
  now,
  randomPrefix,
  row,
  sleep,
  type BenchSettings,
  type Latency,
  type RedisTargets,
  type Row,
} from './harness.js';

/** How long the candidate is given to be refused and start listening before the leader leaves. */
const SETTLE = 20;
/** rx-sync's default `retryDelay`: the "one retry" of the failover goal. */
const RETRY_DELAY = 50;

/** Subscribes to a leadership stream; resolves with the subscription once elected. */
function campaign(terms: Observable<Term>): { elected: Promise<void>; subscription: Subscription } {
  let elect: () => void = () => undefined;
  const elected = new Promise<void>((resolve) => (elect = resolve));
  const subscription = terms.subscribe({ next: () => elect() });
  return { elected, subscription };
}

/** Handoff on resign with rx-sync: `samples` resignations, each to a waiting candidate. */
async function rxSyncHandoff(
  leaderClient: Redis,
  candidateClient: Redis,
  prefix: string,
  samples: number,
): Promise<Latency> {
  const leaderBackend = createRedisBackend({ client: leaderClient, prefix });
  const candidateBackend = createRedisBackend({ client: candidateClient, prefix });
  const times: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    const leader = campaign(leadership(leaderBackend, 'handoff'));
    await leader.elected;
    const candidate = campaign(leadership(candidateBackend, 'handoff'));
    await sleep(SETTLE);
    const resigned = now();
    leader.subscription.unsubscribe();
    await candidate.elected;
    times.push(elapsedMs(resigned));
    candidate.subscription.unsubscribe();
  }
  await Promise.all([leaderBackend.close(), candidateBackend.close()]);
  return latency(times);
}

/** The floor of a handoff: pipelined DEL + PUBLISH → the waiting candidate's SET NX PX. */
async function floorHandoff(
  leaderClient: Redis,
  candidateClient: Redis,
  subscriber: Redis,
  prefix: string,
  samples: number,
): Promise<Latency> {
  const key = `${prefix}:handoff`;
  const channel = `${prefix}:handoff:released`;
  let onMessage: () => void = () => undefined;
  const listener = (): void => onMessage();
  subscriber.on('message', listener);
  await subscriber.subscribe(channel);
  const times: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    if ((await leaderClient.set(key, 'leader', 'PX', 10_000, 'NX')) !== 'OK') throw new Error('floor: key busy');
    const elected = new Promise<void>((resolve) => {
      onMessage = () => {
        void candidateClient.set(key, 'candidate', 'PX', 10_000, 'NX').then((reply) => reply === 'OK' && resolve());
      };
    });
    if ((await candidateClient.set(key, 'candidate', 'PX', 10_000, 'NX')) === 'OK') throw new Error('floor: not held');
    await sleep(SETTLE);
    const resigned = now();
    void leaderClient.pipeline().del(key).publish(channel, 'released').exec();
    await elected;
    times.push(elapsedMs(resigned));
    await candidateClient.del(key);
  }
  await subscriber.unsubscribe(channel);
  subscriber.off('message', listener);
  return latency(times);
}

interface Failover {
  /** The leader stopped → the candidate elected, in ms. */
  readonly failover: number;
  /** The lease lapsed on Redis → the candidate elected, in ms. */
  readonly afterLapse: number;
}

/** rx-sync failover: the leader's connection is dropped; the candidate waits with its defaults. */
async function rxSyncFailover(targets: RedisTargets, admin: Redis, leaseDuration: number): Promise<Failover> {
  const prefix = randomPrefix('failover');
  const leaderClient = connect(targets.single);
  const leaderBackend = createRedisBackend({ client: leaderClient, prefix });
  const candidateBackend = createRedisBackend({ client: connect(targets.single), prefix });
  const leader = campaign(leadership(leaderBackend, 'failover', { leaseDuration }));
  await leader.elected;
  const candidate = campaign(leadership(candidateBackend, 'failover', { leaseDuration }));
  await sleep(SETTLE + Math.random() * (leaseDuration / 3)); // anywhere in the renewal cycle
  const read = now();
  const remaining = await admin.pttl(`${prefix}:{leader:failover}:lease`);
  const stopped = now();
  leaderClient.disconnect(); // renewals now fail; rx-sync gives the lease up at its validity deadline
  await candidate.elected;
  const elected = now();
  candidate.subscription.unsubscribe();
  leader.subscription.unsubscribe();
  await Promise.all([leaderBackend.close(), candidateBackend.close()]);
  return { failover: elapsedMs(stopped, elected), afterLapse: elapsedMs(read, elected) - remaining };
}

/** The floor of a failover: a holder renewing with PEXPIRE stops; the candidate sleeps for PTTL and retries. */
async function floorFailover(targets: RedisTargets, admin: Redis, leaseDuration: number): Promise<Failover> {
  const key = `${randomPrefix('floor-failover')}:leader`;
  const leaderClient = connect(targets.single);
  const candidateClient = connect(targets.single);
  await leaderClient.set(key, 'leader', 'PX', leaseDuration, 'NX');
  const renewals = setInterval(() => void leaderClient.pexpire(key, leaseDuration), leaseDuration / 3);
  const elected = (async () => {
    while ((await candidateClient.set(key, 'candidate', 'PX', leaseDuration, 'NX')) !== 'OK') {
      await sleep(Math.max(1, await candidateClient.pttl(key)));
    }
    return now();
  })();
  await sleep(SETTLE + Math.random() * (leaseDuration / 3));
  const read = now();
  const remaining = await admin.pttl(key);
  const stopped = now();
  clearInterval(renewals);
  const at = await elected;
  await closeClients([leaderClient, candidateClient]);
  return { failover: elapsedMs(stopped, at), afterLapse: elapsedMs(read, at) - remaining };
}

export async function leadershipHandoff(settings: BenchSettings, targets: RedisTargets): Promise<Row[]> {
  const scenario = '3 leadership, 1 Redis';
  const samples = settings.quick ? 30 : 150;
  const clients = {
    'rx-sync': [connect(targets.single), connect(targets.single)] as const,
    floor: [connect(targets.single), connect(targets.single), connect(targets.single)] as const,
  };
  const handoffs = await alternate(['rx-sync', 'floor'] as const, settings.repetitions, (subject, warmUp) => {
    const count = warmUp ? 10 : samples;
    if (subject === 'rx-sync') return rxSyncHandoff(...clients['rx-sync'], randomPrefix('handoff'), count);
    return floorHandoff(...clients.floor, randomPrefix('floor-handoff'), count);
  });

  const leaseDuration = settings.quick ? 300 : 1_000;
  const failoverSamples = 2;
  const admin = connect(targets.single);
  const failovers = await alternate(['rx-sync', 'floor'] as const, settings.repetitions, async (subject, warmUp) => {
    const measured: Failover[] = [];
    for (let sample = 0; sample < (warmUp ? 1 : failoverSamples); sample++) {
      measured.push(await (subject === 'rx-sync' ? rxSyncFailover : floorFailover)(targets, admin, leaseDuration));
    }
    return measured;
  });

  const ours = medianLatency(handoffs.get('rx-sync')!);
  const floor = medianLatency(handoffs.get('floor')!);
  const base = { scenario, subject: 'rx-sync' };
  const handoff = { ...base, baseline: 'floor (DEL + PUBLISH → SET NX)', better: 'lower' } as const;
  const pooled = (subject: 'rx-sync' | 'floor', field: keyof Failover): ReturnType<typeof latencyOf> =>
    latencyOf(
      failovers
        .get(subject)!
        .flat()
        .map((f) => f[field]),
    );
  const bound = leaseDuration + RETRY_DELAY;
  const ourFailover = pooled('rx-sync', 'failover');
  const lapse = { ...base, baseline: 'floor (sleep PTTL, SET NX)', better: 'lower' } as const;
  return [
    row(
      { ...handoff, metric: 'handoff on resign p50 (ms)', subject_value: ours.p50, baseline_value: floor.p50 },
      { text: 'ratio ≤ 1.5', test: (r) => (r.ratio ?? Infinity) <= 1.5 },
    ),
    row({ ...handoff, metric: 'handoff on resign p99 (ms)', subject_value: ours.p99, baseline_value: floor.p99 }),
    row(
      {
        ...base,
        baseline: `goal: lease + one retry (${leaseDuration} + ${RETRY_DELAY} ms)`,
        metric: `failover after the leader stops, worst of ${ourFailover.count} (ms)`,
        subject_value: ourFailover.max,
        baseline_value: bound,
        better: 'lower',
      },
      { text: 'ratio ≤ 1', test: (r) => (r.ratio ?? Infinity) <= 1 },
    ),
    row({
      ...lapse,
      metric: 'failover: lease lapsed → elected, median (ms)',
      subject_value: pooled('rx-sync', 'afterLapse').p50,
      baseline_value: pooled('floor', 'afterLapse').p50,
    }),
  ];
}

function latencyOf(samples: readonly number[]): Latency & { max: number; count: number } {
  return { ...latency(samples), max: Math.max(...samples), count: samples.length };
}
