/**
 * Time: synchronized time as readings with an offset, a round trip and an uncertainty; the local
 * clock and a backend's clock (the memory backend here, Redis TIME on the Redis backend); a source
 * that steps back, slewed in so time never goes backwards; and go-sync's `t.Now()` as a Promise
 * answered from the cached offset. Needs no network.
 *
 * Run it: npx tsx --tsconfig examples/tsconfig.json examples/time.ts
 * With NTP:   NTP_SERVERS=pool.ntp.org,time.cloudflare.com npx tsx --tsconfig examples/tsconfig.json examples/time.ts
 * With Redis: REDIS_URL=redis://127.0.0.1:6379 npx tsx --tsconfig examples/tsconfig.json examples/time.ts
 */
import { Redis } from 'ioredis';
import { asyncScheduler, defer, firstValueFrom, lastValueFrom, of, take, tap } from 'rxjs';
import {
  backendClock,
  clock,
  createClock,
  localClock,
  type ClockReading,
  type ClockSample,
  type ClockSource,
} from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';
import { ntpClock } from 'rx-sync/ntp';
import { createRedisBackend } from 'rx-sync/redis';

const started = performance.now();
function log(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(3).padStart(7)}s] ${message}`);
}
const describe = (reading: ClockReading): string =>
  `${reading.source}: ${new Date(reading.time).toISOString()} offset ${reading.offset.toFixed(1)} ms ` +
  `(sample ${reading.sampleOffset.toFixed(1)}) ± ${reading.uncertainty.toFixed(3)} ms, round trip ${reading.roundTrip} ms`;

/** A source that is `offsets[n]` ms ahead of the local clock at its n-th sample (the last one after that). */
function scripted(offsets: readonly number[]): ClockSource {
  let n = 0;
  return {
    name: 'scripted',
    sample: () =>
      defer(() => {
        const now = asyncScheduler.now();
        const offset = offsets[Math.min(n++, offsets.length - 1)] ?? 0;
        return of<ClockSample>({ sentAt: now, receivedAt: now, remoteTime: now + offset, roundTrip: 0, error: 0 });
      }),
  };
}

async function main(): Promise<void> {
  // 1. The local clock, ticking: one reading per sample (every 200 ms) and one every 80 ms between,
  //    its uncertainty growing with driftRate (100 ppm) since the sample.
  await lastValueFrom(
    clock(localClock(), { refreshInterval: 200, tickInterval: 80 }).pipe(
      take(4),
      tap((reading) => log(describe(reading))),
    ),
  );

  // 2. A backend's clock: on the memory backend, the scheduler clock; on the Redis backend, Redis TIME,
  //    the clock every node of a deployment already shares (the offset is estimated at the round trip's midpoint).
  const backend = createMemoryBackend();
  log(describe(await firstValueFrom(clock(backendClock(backend)))));

  // 3. A source that says +300 ms, then -100 ms: the backward correction is slewed in at half speed
  //    (slewRate 0.5), so synchronized time never goes backwards; the lag counts in the uncertainty.
  const slewing = clock(scripted([300, -100]), { refreshInterval: 250, tickInterval: 100, slewRate: 0.5 });
  let previous: ClockReading | undefined;
  await lastValueFrom(
    slewing.pipe(
      take(8),
      tap((reading) => {
        log(`${describe(reading)}${previous ? `; time +${reading.time - previous.time} ms since the last` : ''}`);
        previous = reading;
      }),
    ),
  );

  // 4. go-sync's `t := ntp.NewTime(); t.Now()`: the Promise facade answers from the cached offset, no
  //    round trip per call, and nothing runs in the background.
  const t = createClock(localClock());
  log(`t.now() = ${new Date(await t.now()).toISOString()}`);
  const reading = await t.read();
  log(`t.read(): offset ${reading.offset} ms ± ${reading.uncertainty} ms from ${reading.source}`);

  // 5. NTP (rx-sync/ntp, with the ntp-time-sync package installed), when NTP_SERVERS names servers.
  const servers = process.env['NTP_SERVERS']?.split(',').filter(Boolean);
  if (servers !== undefined && servers.length > 0) {
    const ntp = createClock(ntpClock({ servers }));
    log(describe(await ntp.read()));
  } else {
    log('NTP: set NTP_SERVERS=host[:port],... to read NTP servers (for example pool.ntp.org)');
  }

  // 6. Redis TIME, when REDIS_URL points at a Redis.
  const url = process.env['REDIS_URL'];
  if (url !== undefined) {
    const client = new Redis(url);
    const redis = createRedisBackend({ client, prefix: 'rx-sync-example' });
    try {
      const redisTime = createClock(backendClock(redis));
      log(describe(await redisTime.read()));
    } finally {
      await redis.close();
      await client.quit();
    }
  } else {
    log('Redis: set REDIS_URL=redis://host:port to read Redis TIME through the Redis backend');
  }
  log('done: every clock is unsubscribed; the process exits by itself');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
