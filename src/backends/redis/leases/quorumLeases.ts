import type { Redis } from 'ioredis';
import { map, of, throwError, type Observable } from 'rxjs';
import type { LeaseAttempt, LeaseClaim } from '../../../backend.js';
import type { BackendUnavailableError } from '../../../errors/BackendUnavailableError.js';
import type { ConnectionState } from '../connectionState.js';
import type { Tally } from '../../../internal/quorumDecision.js';
import { pollMasters } from './pollMasters.js';
import { leaseAnnouncer } from './leaseAnnouncer.js';
import type { LeaseOperations } from './leaseOperations.js';
import type { RedisBackendSettings } from '../redisBackendOptions.js';
import type { RedisKeys } from '../redisKeys.js';
import { refusedIfNotALease } from './refusedIfNotALease.js';
import { runScript, type RedisClient } from '../redisScript.js';
import { acquireLease, acquireLeaseArgs } from './scripts/acquireLease.js';
import { leaseLineKeys } from './leaseLineKeys.js';
import { raiseTokenFloor } from './scripts/raiseTokenFloor.js';
import { readLease } from './scripts/readLease.js';
import { releaseLease, releaseLeaseArgs, type ReleaseLeaseReply } from './scripts/releaseLease.js';
import { renewLease } from './scripts/renewLease.js';
import { updateLease } from './scripts/updateLease.js';
import { toLeaseAttempt } from './singleInstanceLeases.js';
import { committedHolder, count, holdersByName, mostNamed, quorumNotReached, type Vote } from './quorumVotes.js';

/** The shortest time a master is given to answer, in ms (Redlock: small against the lease). */
const MIN_MASTER_TIMEOUT = 50;

/** How masters' lease scripts publish in quorum mode: not at all (signals are announced after the majority step). */
const NOT_PUBLISHED = { channel: '', publishCommand: 'PUBLISH', turnsPrefix: '' } as const;

/**
 * Leases by the Redlock algorithm over independent masters: a step counts when a majority
 * (`floor(n / 2) + 1`) of them carried it out.
 *
 * @remarks
 * Each step sends its request to every master at once, each bounded by a short timeout (for
 * acquire, renew and the token write-back a tenth of the lease, at least 50 ms, at most a quarter of
 * `requestTimeout`; for release, update and read a quarter of `requestTimeout`), and decides as
 * soon as the replies received so far settle its outcome ({@link quorumDecision}): once a majority
 * carried it out, or once so many refused that no majority can, or once the masters yet to answer
 * could make neither happen (it then fails with `BackendUnavailableError`: quorum not reached). It
 * does not wait for a slow or stopped master once the others have decided: that master's request
 * was sent, Redis carries it out when it can, and its reply is ignored. Only while the replies
 * leave the outcome open does a step wait for the others, each until its timeout.
 *
 * With a majority of grants, the lease's token is the highest token those masters minted; it is
 * then written back to every master (`raiseTokenFloor`) and the grant counts only once a majority
 * acknowledged that. Any later holder's majority shares at least one master with it, and that
 * master mints a greater token: fencing tokens increase across holders even though each master
 * counts on its own. Without a majority, the attempt is given back on every master that may have
 * granted it (every master, unless all of them refused). The validity rule (the lease is good for
 * `leaseDuration − elapsed − driftMargin` from the start of the request) is the lease engine's, as
 * for every backend. Events are published on the store client's Redis, where watchers listen, once
 * the majority step succeeded (with `SPUBLISH` when that client is a Cluster).
 */
export function quorumLeases(
  masters: readonly Redis[],
  connections: readonly ConnectionState[],
  eventsClient: RedisClient,
  keys: RedisKeys,
  settings: RedisBackendSettings & { readonly inbox: string },
): LeaseOperations {
  const majority = Math.floor(masters.length / 2) + 1;
  /** The fewest refusals that leave no majority to carry a step out. */
  const blocking = masters.length - majority + 1;
  // Every master gets a share of `requestTimeout`, so that a silent master (down, or queueing
  // commands until it reconnects) costs a vote, not the whole request.
  const shortestWait = settings.requestTimeout / 4;
  const masterTimeout = (leaseDuration: number): number =>
    Math.min(shortestWait, Math.max(MIN_MASTER_TIMEOUT, leaseDuration / 10));

  const poll = pollMasters(masters, connections);

  const unavailable = (operation: string, votes: readonly Vote<unknown>[]): BackendUnavailableError =>
    quorumNotReached(operation, votes, masters.length, majority);

  const announce = leaseAnnouncer(eventsClient, keys);

  /**
   * Deletes the owner's lease on every master that has it, and its places in line unless
   * `keepPlace`; the votes say where it was (its token) or was not (0), and whose turn it is there.
   */
  const releaseEverywhere = <R>(
    key: string,
    owner: string,
    keepPlace: '1' | '0',
    decide: (tally: Tally<Vote<ReleaseLeaseReply>>) => Observable<R> | undefined,
  ): Observable<R> =>
    poll(
      shortestWait,
      (master) =>
        // No grant on release: a master cannot tell whether the waiter first in line there is
        // first on a majority. The next waiter asks, on the turn announced after the majority step.
        runScript(
          master,
          releaseLease,
          leaseLineKeys(keys, key),
          releaseLeaseArgs(owner, NOT_PUBLISHED, keepPlace, '0', settings.counterLifetime),
        ).pipe(refusedIfNotALease({ token: 0 })),
      decide,
    );

  /**
   * Gives back the grants of an attempt that won fewer than a majority, keeping the contender's
   * places on the masters that refused it (where it was granted, it rejoins the line at the back
   * when it asks again: two contenders first in line on different masters cannot block each other
   * for ever); with `tellNext`, the waiters first in line where it was granted are told it is
   * their turn. Done once a majority carried it out, or every master answered or timed out; a later
   * command of this backend on a master is sent after the give-back on the same connection, so it
   * finds it done.
   */
  const giveBack = (key: string, owner: string, tellNext: boolean): Observable<void> =>
    releaseEverywhere(key, owner, '1', ({ votes, pending }) => {
      if (count(votes) < majority && pending > 0) return undefined;
      const next = tellNext ? mostNamed(votes) : undefined;
      announce.turn(key, next);
      return of(undefined);
    });

  const acquire = (key: string, claim: LeaseClaim): Observable<LeaseAttempt> =>
    poll(
      masterTimeout(claim.leaseDuration),
      (master) =>
        runScript(
          master,
          acquireLease,
          leaseLineKeys(keys, key),
          // Events are announced on the store client after the majority step: none from each master.
          acquireLeaseArgs(claim, settings.inbox, NOT_PUBLISHED, settings.counterLifetime),
        ).pipe(map(toLeaseAttempt)),
      ({ votes, pending }) => {
        const grants = votes.flatMap((vote) => (vote.ok && vote.reply.granted ? [vote.reply.token] : []));
        // Committed on the first majority of grants, without waiting for the other masters; the
        // fencing rule needs no more. A holder that counted before this attempt was sent had its
        // token written back to a majority first; every majority, this one too, shares a master
        // with that one, whose grant here was minted above that token: so the highest of these
        // grants exceeds it. A grant that a slow master makes later is no part of this token and
        // breaks nothing: that master's counter only grows (what it mints next is greater still),
        // and the write-back, sent after the acquire on that master's connection, stamps this
        // token on the lease there too. Later holders' tokens exceed this one by the same argument,
        // through the majority that acknowledges this write-back (`commit`).
        if (grants.length >= majority) return commit(key, claim, Math.max(...grants));
        if (grants.length + pending >= majority) return undefined;
        const refusals = votes.flatMap((vote) => (vote.ok && !vote.reply.granted ? [vote.reply] : []));
        // Short of a majority: refused if any master refused, else failed. Until one does, a
        // master still pending may yet refuse.
        if (refusals.length === 0 && pending > 0) return undefined;
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
        // Every master refused: nothing to give back. A master that has not answered (yet, or by
        // its deadline) may grant the attempt when it gets to it, so its lease is given back as well.
        if (refusals.length === masters.length) return of(refuse());
        // Where it was granted, the next waiter in line there is told it is its turn, unless a
        // majority said the lease is held: then that waiter, too, would win a minority and give
        // it back, and the next, while the holder holds it (20 processes on a quorum spent
        // hundreds of requests per acquisition so).
        const held = refusals.filter((refusal) => refusal.current !== undefined).length >= majority;
        return giveBack(key, claim.owner, !held).pipe(map(refuse));
      },
    );

  const commit = (key: string, claim: LeaseClaim, token: number): Observable<LeaseAttempt> =>
    poll(
      masterTimeout(claim.leaseDuration),
      (master) =>
        runScript(
          master,
          raiseTokenFloor,
          [keys.leaseToken(key), keys.lease(key)],
          [token, settings.counterLifetime, claim.owner],
        ),
      ({ votes, pending }) => {
        const acknowledged = count(votes);
        if (acknowledged >= majority) {
          const { holder, value } = claim;
          announce.event({ type: 'acquired', key, holder, token, ...(value !== undefined && { value }) });
          return of<LeaseAttempt>({ granted: true, token });
        }
        if (acknowledged + pending >= majority) return undefined;
        return giveBack(key, claim.owner, true).pipe(
          map((): LeaseAttempt => {
            throw unavailable('tryAcquire', votes);
          }),
        );
      },
    );

  return {
    tryAcquire: acquire,
    renew: (key, owner, leaseDuration) =>
      poll(
        masterTimeout(leaseDuration),
        (master) =>
          runScript(master, renewLease, [keys.lease(key)], [owner, Math.ceil(leaseDuration)]).pipe(
            refusedIfNotALease(false),
          ),
        ({ votes, pending }) => {
          const renewed = count(votes, (reply) => reply);
          const refused = count(votes, (reply) => !reply);
          if (renewed >= majority) return of(true);
          if (refused >= blocking) return of(false);
          if (renewed + pending >= majority || refused + pending >= blocking) return undefined;
          return throwError(() => unavailable('renew', votes));
        },
      ),
    // The owner held the lease only if a majority had it: leftovers of a lapsed tenure on a few
    // masters (one that lapsed later than the others) are deleted too, but do not make it a release.
    release: (key, owner) =>
      releaseEverywhere(key, owner, '0', ({ votes, pending }) => {
        const tokens = votes.flatMap((vote) => (vote.ok && vote.reply.token > 0 ? [vote.reply.token] : []));
        const absent = count(votes, (reply) => reply.token <= 0);
        if (tokens.length >= majority) {
          const next = mostNamed(votes);
          announce.event({ type: 'released', key, token: Math.max(...tokens), ...(next && { next: next.place }) });
          announce.turn(key, next);
          return of(true);
        }
        if (absent < blocking && (tokens.length + pending >= majority || absent + pending >= blocking))
          return undefined;
        const next = mostNamed(votes);
        announce.turn(key, next); // a waiter left the line
        return absent >= blocking ? of(false) : throwError(() => unavailable('release', votes));
      }),
    update: (key, owner, value) =>
      poll(
        shortestWait,
        (master) =>
          runScript(master, updateLease, [keys.lease(key)], [owner, value, '', 'PUBLISH']).pipe(
            refusedIfNotALease(undefined),
          ),
        ({ votes, pending }) => {
          const updated = votes.flatMap((vote) => (vote.ok && vote.reply ? [vote.reply] : []));
          const answered = count(votes);
          if (updated.length >= majority) {
            // The token its holder was given: a master that the write-back has not reached yet
            // shows the one it minted itself. Any majority shares a master with the write-back's.
            const { holder, token } = updated.find((reply) => reply.committed) ?? updated[0]!;
            announce.event({ type: 'updated', key, holder, token, value });
            return of(true);
          }
          if (updated.length + pending >= majority) return undefined;
          // No majority can have updated it, and a majority answered: the owner does not hold it.
          if (answered >= majority) return of(false);
          if (answered + pending >= majority) return undefined;
          return throwError(() => unavailable('updateLease', votes));
        },
      ),
    read: (key) =>
      poll(
        shortestWait,
        (master) => runScript(master, readLease, [keys.lease(key)], []),
        ({ votes, pending }) => {
          const holders = holdersByName(votes);
          const agreed = [...holders.values()].find((same) => same.length >= majority);
          if (agreed) return of(committedHolder(agreed));
          // No holder has a majority yet: one still may, if enough masters are pending (a holder
          // not seen yet has none so far); else there is none, given that a majority answered.
          const strongest = Math.max(0, ...[...holders.values()].map((same) => same.length));
          if (strongest + pending >= majority) return undefined;
          const answered = count(votes);
          if (answered >= majority) return of(undefined);
          if (answered + pending >= majority) return undefined;
          return throwError(() => unavailable('readLease', votes));
        },
      ),
  };
}
