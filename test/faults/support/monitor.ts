import type { Redis } from 'ioredis';
import { RedisKeys } from '../../../src/backends/redis/redisKeys.js';
import { NAMES } from './scenario.js';

/** A grant as the coordination Redis announced it (`acquired`, published by the acquire script). */
export interface Grant {
  readonly kind: 'lock' | 'leader';
  readonly holder: string;
  readonly token: number;
  /** Wall clock (ms) when the runner heard it. */
  readonly at: number;
}

/**
 * Listens, on a connection of its own (never faulted on purpose), to the lease events of the
 * lock and of the leadership group: every grant in the order the server made them, for the
 * token checks. A restart or a killed connection can cost the grants announced meanwhile.
 */
export class GrantMonitor {
  readonly grants: Grant[] = [];

  private constructor(private readonly subscriber: Redis) {}

  static async start(subscriber: Redis, prefix: string): Promise<GrantMonitor> {
    const keys = new RedisKeys(prefix);
    const channels = new Map([
      [keys.leaseChannel(`lock:${NAMES.lock}`), 'lock' as const],
      [keys.leaseChannel(`leader:${NAMES.group}`), 'leader' as const],
    ]);
    const monitor = new GrantMonitor(subscriber);
    subscriber.on('message', (channel: string, message: string) => {
      const kind = channels.get(channel);
      if (!kind) return;
      const event = JSON.parse(message) as { type?: string; holder?: string; token?: string };
      if (event.type !== 'acquired') return;
      monitor.grants.push({ kind, holder: String(event.holder), token: Number(event.token), at: Date.now() });
    });
    await subscriber.subscribe(...channels.keys());
    return monitor;
  }

  stop(): void {
    this.subscriber.disconnect();
  }
}
