import type { Redis } from 'ioredis';
import { catchError, concat, concatMap, defer, forkJoin, map, of, type Observable } from 'rxjs';
import type { LeaseAttempt, LeaseClaim, LeaseHolder } from '../../../backend.js';
import { BackendUnavailableError } from '../../../errors/BackendUnavailableError.js';
import { withConnectionError, type ConnectionState } from '../connectionState.js';
import { timeoutAfterPendingIo } from '../../../internal/timeoutAfterPendingIo.js';
import { encodeLeaseSignal, type LeaseSignal } from './leaseEventMessage.js';
import type { LeaseOperations } from './leaseOperations.js';
import type { RedisBackendSettings } from '../redisBackendOptions.js';
import type { RedisKeys } from '../redisKeys.js';
import { refusedIfNotALease } from './refusedIfNotALease.js';
import { isCluster, runScript, type RedisClient } from '../redisScript.js';
import { acquireLease, acquireLeaseArgs, acquireLeaseKeys } from './scripts/acquireLease.js';
import { raiseTokenFloor } from './scripts/raiseTokenFloor.js';
import { readLease } from './scripts/readLease.js';
import { releaseLease, type ReleaseLeaseReply } from './scripts/releaseLease.js';
import { renewLease } from './scripts/renewLease.js';
import { updateLease } from './scripts/updateLease.js';
import { toLeaseAttempt } from './singleInstanceLeases.js';

/** What one master answered: its reply, or the error that kept it from answering. */
type Vote<T> = { readonly ok: true; readonly reply: T } | { readonly ok: false; readonly error: unknown };

/** The shortest time a master is given to answer, in ms (Redlock: small against the lease). */
const MIN_MASTER_TIMEOUT = 50;

/**
 * Leases by the Redlock algorithm over independent masters: a step counts when a majority
 * (`floor(n / 2) + 1`) of them carried it out.
 *
 * @remarks
 * Acquire runs the single-instance acquire script on every master at once, each bounded by a short
 * timeout (a tenth of the lease, at least 50 ms, at most a quarter of `requestTimeout`; other steps
 * give each master a quarter of `requestTimeout`). With a majority of
 * grants, the lease's token is the highest token any granting master minted; it is then written
 * back to every master (`raiseTokenFloor`) and the grant counts only once a majority acknowledged
 * that. Any later holder's majority shares at least one master with it, and that master mints a
 * greater token: fencing tokens increase across holders even though each master counts on its own.
 * Without a majority, the partial grants are released at once. The validity rule (the lease is
 * good for `leaseDuration − elapsed − driftMargin` from the start of the request) is the lease
 * engine's, as for every backend. Events are published on the store client's Redis, where
 * watchers listen, after the majority step succeeded (with `SPUBLISH` when that client is a Cluster).
 */
export function quorumLeases(
  masters: readonly Redis[],
  connections: readonly ConnectionState[],
  eventsClient: RedisClient,
  keys: RedisKeys,
  settings: RedisBackendSettings,
): LeaseOperations {
  const majority = Math.floor(masters.length / 2) + 1;
  // Every master gets a share of `requestTimeout`, so that a silent master (down, or queueing
  // commands until it reconnects) costs a vote, not the whole request.
  const shortestWait = settings.requestTimeout / 4;
  const masterTimeout = (leaseDuration: number): number =>
    Math.min(shortestWait, Math.max(MIN_MASTER_TIMEOUT, leaseDuration / 10));

  /**
   * Runs one request on every master (once its client was first ready), each bounded by `limit`
   * (a reply that arrived by then counts, even when this process was too busy to read it in time),
   * and collects the votes; a master's failure carries its client's last connection error.
   */
  const poll = <T>(limit: number, ask: (master: Redis) => Observable<T>): Observable<Vote<T>[]> =>
    forkJoin(
      masters.map((master, index) => {
        const connection = connections[index]!;
        return concat(
          connection.firstReady,
          defer(() => ask(master)),
        ).pipe(
          timeoutAfterPendingIo(limit),
          map((reply): Vote<T> => ({ ok: true, reply })),
          catchError((error: unknown) =>
            of<Vote<T>>({ ok: false, error: withConnectionError(error, connection.lastError()) }),
          ),
        );
      }),
    );

  const unavailable = (operation: string, votes: Vote<unknown>[]): BackendUnavailableError => {
    const failures = votes.filter((vote): vote is Extract<Vote<unknown>, { ok: false }> => !vote.ok);
    return new BackendUnavailableError('redis', operation, {
      cause: new AggregateError(
        failures.map((failure) => failure.error),
        `quorum not reached: ${votes.length - failures.length} of ${masters.length} masters answered, ${majority} needed`,
      ),
    });
  };

  /**
   * Publishes a lease signal without waiting for it: signals are advice to watchers and waiters (who
   * read again after a gap, and poll), so the caller's reply does not wait for one more round trip.
   * Sent on `client`'s connection, in order with everything else sent there.
   */
  const announce = (key: string, signal: LeaseSignal): void => {
    const message = encodeLeaseSignal(signal);
    const channel = keys.leaseChannel(key);
    // ioredis can throw synchronously while a Cluster's slots are unknown: a lost event, as any.
    defer(() =>
      isCluster(eventsClient) ? eventsClient.spublish(channel, message) : eventsClient.publish(channel, message),
    ).subscribe({ error: () => undefined });
  };

  /**
   * Deletes the owner's lease on every master that has it, and its places in line unless
   * `keepPlace`; the votes say where it was (its token) or was not (0), and whose turn it is there.
   */
  const releaseEverywhere = (key: string, owner: string, keepPlace: '1' | '0'): Observable<Vote<ReleaseLeaseReply>[]> =>
    poll(shortestWait, (master) =>
      runScript(
        master,
        releaseLease,
        [keys.lease(key), keys.leaseLine(key), keys.leaseLineDeadlines(key)],
        [owner, '', 'PUBLISH', keepPlace],
      ).pipe(refusedIfNotALease({ token: 0 })),
    );

  /**
   * Gives back the grants of an attempt that won fewer than a majority, keeping the contender's
   * places on the masters that refused it (where it was granted, it rejoins the line at the back
   * when it asks again: two contenders first in line on different masters cannot block each other
   * for ever); the waiters first in line where it was granted are told it is their turn.
   */
  const giveBack = (key: string, owner: string): Observable<unknown> =>
    releaseEverywhere(key, owner, '1').pipe(
      map((votes) => {
        const next = mostNamed(votes);
        if (next !== undefined) announce(key, { type: 'turn', key, next });
      }),
    );

  const acquire = (key: string, claim: LeaseClaim): Observable<LeaseAttempt> =>
    poll(masterTimeout(claim.leaseDuration), (master) =>
      runScript(
        master,
        acquireLease,
        acquireLeaseKeys(keys, key),
        // Events are announced on the store client after the majority step: none from each master.
        acquireLeaseArgs(claim, '', 'PUBLISH', settings.counterLifetime),
      ).pipe(map(toLeaseAttempt)),
    ).pipe(
      concatMap((votes) => {
        const grants = votes.flatMap((vote) => (vote.ok && vote.reply.granted ? [vote.reply.token] : []));
        if (grants.length >= majority) return commit(key, claim, Math.max(...grants));
        const refusals = votes.flatMap((vote) => (vote.ok && !vote.reply.granted ? [vote.reply] : []));
        const refuse = (): LeaseAttempt => {
          if (refusals.length === 0) throw unavailable('tryAcquire', votes);
          const holders = refusals.flatMap((refusal) => (refusal.current ? [refusal.current] : []));
          const current =
            holders.length > 0 ? holders.reduce((a, b) => (b.expiresIn < a.expiresIn ? b : a)) : undefined;
          const place = refusals.find((refusal) => refusal.place !== undefined)?.place;
          return {
            granted: false,
            ...(current && { current }),
            retryIn: Math.min(...refusals.map((refusal) => refusal.retryIn)),
            ...(place !== undefined && { place }),
          };
        };
        // Every master answered and none granted: nothing to give back. A master that did not answer
        // may have granted after its deadline, so its lease is given back as well.
        if (grants.length === 0 && votes.every((vote) => vote.ok)) return of(refuse());
        return giveBack(key, claim.owner).pipe(map(refuse));
      }),
    );

  const commit = (key: string, claim: LeaseClaim, token: number): Observable<LeaseAttempt> =>
    poll(masterTimeout(claim.leaseDuration), (master) =>
      runScript(
        master,
        raiseTokenFloor,
        [keys.leaseToken(key), keys.lease(key)],
        [token, settings.counterLifetime, claim.owner],
      ),
    ).pipe(
      concatMap((votes) => {
        if (votes.filter((vote) => vote.ok).length < majority) {
          return giveBack(key, claim.owner).pipe(
            map((): LeaseAttempt => {
              throw unavailable('tryAcquire', votes);
            }),
          );
        }
        const event: LeaseSignal = {
          type: 'acquired',
          key,
          holder: claim.holder,
          token,
          ...(claim.value !== undefined && { value: claim.value }),
        };
        announce(key, event);
        return of<LeaseAttempt>({ granted: true, token });
      }),
    );

  return {
    tryAcquire: acquire,
    renew: (key, owner, leaseDuration) =>
      poll(masterTimeout(leaseDuration), (master) =>
        runScript(master, renewLease, [keys.lease(key)], [owner, Math.ceil(leaseDuration)]).pipe(
          refusedIfNotALease(false),
        ),
      ).pipe(
        map((votes) => {
          const renewed = votes.filter((vote) => vote.ok && vote.reply).length;
          const refused = votes.filter((vote) => vote.ok && !vote.reply).length;
          if (renewed >= majority) return true;
          if (refused > masters.length - majority) return false;
          throw unavailable('renew', votes);
        }),
      ),
    // The owner held the lease only if a majority had it: leftovers of a lapsed tenure on a few
    // masters (one that lapsed later than the others) are deleted too, but do not make it a release.
    release: (key, owner) =>
      releaseEverywhere(key, owner, '0').pipe(
        map((votes) => {
          const tokens = votes.flatMap((vote) => (vote.ok && vote.reply.token > 0 ? [vote.reply.token] : []));
          const absent = votes.filter((vote) => vote.ok && vote.reply.token <= 0).length;
          const next = mostNamed(votes);
          if (tokens.length >= majority) {
            announce(key, { type: 'released', key, token: Math.max(...tokens), ...(next !== undefined && { next }) });
            return true;
          }
          if (next !== undefined) announce(key, { type: 'turn', key, next }); // a waiter left the line
          if (absent > masters.length - majority) return false;
          throw unavailable('release', votes);
        }),
      ),
    update: (key, owner, value) =>
      poll(shortestWait, (master) =>
        runScript(master, updateLease, [keys.lease(key)], [owner, value, '', 'PUBLISH']).pipe(
          refusedIfNotALease(undefined),
        ),
      ).pipe(
        concatMap((votes) => {
          const updated = votes.flatMap((vote) => (vote.ok && vote.reply ? [vote.reply] : []));
          if (updated.length < majority) {
            if (votes.filter((vote) => vote.ok).length >= majority) return of(false);
            throw unavailable('updateLease', votes);
          }
          const { holder, token } = updated[0]!;
          announce(key, { type: 'updated', key, holder, token, value });
          return of(true);
        }),
      ),
    read: (key) =>
      poll(shortestWait, (master) => runScript(master, readLease, [keys.lease(key)], [])).pipe(
        map((votes) => {
          if (votes.filter((vote) => vote.ok).length < majority) throw unavailable('readLease', votes);
          return majorityHolder(votes, majority);
        }),
      ),
  };
}

/** The place in line that most masters say is next (each master keeps its own line), if any. */
function mostNamed(votes: readonly Vote<ReleaseLeaseReply>[]): string | undefined {
  const counts = new Map<string, number>();
  for (const vote of votes)
    if (vote.ok && vote.reply.next !== undefined) counts.set(vote.reply.next, (counts.get(vote.reply.next) ?? 0) + 1);
  let best: string | undefined;
  for (const [next, count] of counts) if (best === undefined || count > counts.get(best)!) best = next;
  return best;
}

/**
 * The holder that a majority of masters agree on (the same public holder name), with its committed
 * token (the highest: a master the token write-back missed still shows the token it minted itself)
 * and the least time left; or none.
 */
function majorityHolder(votes: Vote<LeaseHolder | undefined>[], majority: number): LeaseHolder | undefined {
  const byHolder = new Map<string, LeaseHolder[]>();
  for (const vote of votes) {
    if (!vote.ok || !vote.reply) continue;
    const same = byHolder.get(vote.reply.holder) ?? [];
    same.push(vote.reply);
    byHolder.set(vote.reply.holder, same);
  }
  for (const holders of byHolder.values()) {
    if (holders.length < majority) continue;
    const token = Math.max(...holders.map((holder) => holder.token));
    const soonest = holders.reduce((a, b) => (b.expiresIn < a.expiresIn ? b : a));
    return { ...soonest, token };
  }
  return undefined;
}
