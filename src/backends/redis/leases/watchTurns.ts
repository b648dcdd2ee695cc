import { filter, map, type Observable } from 'rxjs';
import type { RedisSubscriber } from '../pubsub/redisSubscriber.js';
import { decodeLeaseSignal } from './leaseEventMessage.js';
import type { WakeUp } from './vacancySignals.js';

/**
 * The turns that the waiters of one lease who wait through this backend are told of, from the
 * backend's channel of turns for that lease (`channel`): a release, or a waiter leaving the line or
 * lapsing, names the place whose turn it is there, so only the process of that waiter wakes,
 * however many processes wait; a release that granted that waiter the lease says so, with the
 * grant. After a pub/sub gap a turn may have been lost: every waiter wakes
 * and asks again.
 */
export function watchTurns(subscriber: RedisSubscriber, channel: string, key: string): Observable<WakeUp> {
  return subscriber.channel(channel).pipe(
    map((signal): WakeUp | undefined => {
      if (signal.kind === 'gap') return { kind: 'everyone' };
      const turn = decodeLeaseSignal(key, signal.message);
      if (turn?.type !== 'turn') return undefined;
      return turn.granted
        ? { kind: 'named', next: turn.next, granted: turn.granted }
        : { kind: 'named', next: turn.next };
    }),
    filter((wakeUp): wakeUp is WakeUp => wakeUp !== undefined),
  );
}
