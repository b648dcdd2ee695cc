import { defer } from 'rxjs';
import type { LeaseEvent } from '../../../backend.js';
import type { RedisKeys } from '../redisKeys.js';
import { isCluster, type RedisClient } from '../redisScript.js';
import { encodeLeaseSignal, type LeaseSignal } from './leaseEventMessage.js';

/** The waiter whose turn it is: its place in line, and the inbox of the backend it waits through, when known. */
export interface NextInLine {
  readonly place: string;
  readonly inbox?: string;
}

/** Publishes a quorum's lease signals from JavaScript (the masters' scripts publish nothing). */
export interface LeaseAnnouncer {
  /** A lease event on the lease's channel, with the waiter whose turn it is as `next` for a release. */
  event(signal: LeaseEvent & { readonly next?: string }): void;
  /** A turn for `next` on the channel of turns of its backend (nothing without a waiter, or its inbox). */
  turn(key: string, next: NextInLine | undefined): void;
}

/**
 * The {@link LeaseAnnouncer} that sends on `client`'s connection, in order with everything else sent
 * there, without waiting for the reply: signals are advice to watchers and waiters (who read again
 * after a gap, and poll), so a step's reply does not wait for one more round trip.
 */
export function leaseAnnouncer(client: RedisClient, keys: RedisKeys): LeaseAnnouncer {
  const publish = (channel: string, signal: LeaseSignal): void => {
    const message = encodeLeaseSignal(signal);
    // ioredis can throw synchronously while a Cluster's slots are unknown: a lost event, as any.
    defer(() => (isCluster(client) ? client.spublish(channel, message) : client.publish(channel, message))).subscribe({
      error: () => undefined,
    });
  };
  return {
    event: (signal) => publish(keys.leaseChannel(signal.key), signal),
    turn: (key, next) => {
      if (next?.inbox === undefined) return; // a waiter without an inbox polls
      publish(keys.leaseTurns(key, next.inbox), { type: 'turn', key, next: next.place });
    },
  };
}
