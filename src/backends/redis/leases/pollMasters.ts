import type { Redis } from 'ioredis';
import { catchError, concat, defer, map, of, type Observable } from 'rxjs';
import { quorumDecision, type Tally } from '../../../internal/quorumDecision.js';
import { timeoutAfterPendingIo } from '../../../internal/timeoutAfterPendingIo.js';
import { withConnectionError, type ConnectionState } from '../connectionState.js';
import type { Vote } from './quorumVotes.js';

/**
 * Runs one request on every master (once its client was first ready), each bounded by `limit`
 * (a reply that arrived by then counts, even when this process was too busy to read it in time),
 * and follows what `decide` makes of the votes as soon as those received settle it; a master's
 * failure carries its client's last connection error. The masters still pending then are no
 * longer waited for: their requests were sent (but for a client never ready yet, through which
 * nothing was ever sent), and their replies are ignored.
 */
export type MasterPoll = <T, R>(
  limit: number,
  ask: (master: Redis) => Observable<T>,
  decide: (tally: Tally<Vote<T>>) => Observable<R> | undefined,
) => Observable<R>;

/** The {@link MasterPoll} of a quorum's `masters`, whose connections are `connections` (same order). */
export function pollMasters(masters: readonly Redis[], connections: readonly ConnectionState[]): MasterPoll {
  return (limit, ask, decide) =>
    quorumDecision(
      masters.map((master, index) => {
        const connection = connections[index]!;
        return concat(
          connection.firstReady,
          defer(() => ask(master)),
        ).pipe(
          timeoutAfterPendingIo(limit),
          map((reply) => ({ ok: true as const, reply })),
          catchError((error: unknown) =>
            of({ ok: false as const, error: withConnectionError(error, connection.lastError()) }),
          ),
        );
      }),
      decide,
    );
}
