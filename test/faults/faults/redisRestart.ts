import type { Redis } from 'ioredis';
import { hold, type Fault } from './fault.js';

async function ready(admin: Redis, within: number): Promise<void> {
  const deadline = Date.now() + within;
  for (;;) {
    try {
      if ((await admin.ping()) === 'PONG') return;
    } catch {
      // still starting
    }
    if (Date.now() > deadline) throw new Error(`the restarted redis-server did not answer within ${within} ms`);
    await hold(20);
  }
}

/** `kill -9` of the coordination Redis and a restart on the same port and directory. */
function redisRestart(persistent: boolean): Fault {
  return {
    name: persistent ? 'redis-restart-aof' : 'redis-restart',
    summary: persistent
      ? 'kill -9 of redis-server and restart, with appendonly yes + appendfsync always'
      : 'kill -9 of redis-server and restart, without persistence (every key lost)',
    scope: 'server',
    ...(persistent && { redisArgs: ['--appendonly', 'yes', '--appendfsync', 'always'] }),
    ...(!persistent && {
      notJudged: {
        task: 'a restart without persistence loses the queued tasks (README, "Tasks on Redis": use appendonly)',
      },
    }),
    async inject({ environment, note }) {
      await environment.redis.stop('SIGKILL');
      await environment.redis.restart();
      await ready(environment.admin, 10_000);
      note(`redis restarted, ${await environment.admin.dbsize()} keys`);
      await hold(environment.leaseDuration / 2);
    },
  };
}

export const redisRestartVolatile = redisRestart(false);
export const redisRestartAof = redisRestart(true);
