import type { LeaseHolder } from '../../../backend.js';
import { BackendUnavailableError } from '../../../errors/BackendUnavailableError.js';
import type { LeaseReading } from './scripts/readLease.js';
import type { NextInLine } from './leaseAnnouncer.js';
import type { ReleaseLeaseReply } from './scripts/releaseLease.js';

/**
 * What the votes of a quorum's masters say: how many carried a step out, whose turn most of them
 * name, which holder they agree on. Each master keeps its own lease and line; these read a step's
 * outcome from their replies (quorumLeases.ts sends the steps).
 */

/** What one master answered: its reply, or the error that kept it from answering. */
export type Vote<T> = { readonly ok: true; readonly reply: T } | { readonly ok: false; readonly error: unknown };

/** How many of `votes` are replies (not failures) that `accept` accepts. */
export function count<T>(votes: readonly Vote<T>[], accept: (reply: T) => boolean = () => true): number {
  return votes.filter((vote) => vote.ok && accept(vote.reply)).length;
}

/** The error of a step that `votes` (of `masters`) could not carry out: fewer than `majority` masters answered. */
export function quorumNotReached(
  operation: string,
  votes: readonly Vote<unknown>[],
  masters: number,
  majority: number,
): BackendUnavailableError {
  const failures = votes.filter((vote): vote is Extract<Vote<unknown>, { ok: false }> => !vote.ok);
  return new BackendUnavailableError('redis', operation, {
    cause: new AggregateError(
      failures.map((failure) => failure.error),
      `quorum not reached: ${votes.length - failures.length} of ${masters} masters answered, ${majority} needed`,
    ),
  });
}

/** The place in line that most masters say is next (each master keeps its own line), and its waiter's inbox; if any. */
export function mostNamed(votes: readonly Vote<ReleaseLeaseReply>[]): NextInLine | undefined {
  const counts = new Map<string, number>();
  const inboxes = new Map<string, string>();
  for (const vote of votes) {
    if (!vote.ok || vote.reply.next === undefined) continue;
    counts.set(vote.reply.next, (counts.get(vote.reply.next) ?? 0) + 1);
    if (vote.reply.inbox !== undefined) inboxes.set(vote.reply.next, vote.reply.inbox);
  }
  let best: string | undefined;
  for (const [next, count] of counts) if (best === undefined || count > counts.get(best)!) best = next;
  if (best === undefined) return undefined;
  const inbox = inboxes.get(best);
  return { place: best, ...(inbox !== undefined && { inbox }) };
}

/** The holders that masters report, by public holder name: what each of those masters says of it. */
export function holdersByName(votes: readonly Vote<LeaseReading | undefined>[]): Map<string, LeaseReading[]> {
  const byHolder = new Map<string, LeaseReading[]>();
  for (const vote of votes) {
    if (!vote.ok || !vote.reply) continue;
    const same = byHolder.get(vote.reply.holder) ?? [];
    same.push(vote.reply);
    byHolder.set(vote.reply.holder, same);
  }
  return byHolder;
}

/**
 * The holder that several masters agree on (the same public holder name), with its committed token
 * and the least time left; `undefined` while its token is not committed yet. The write-back of a
 * grant that counted marks the lease on a majority of masters (`committed`), and any majority of
 * replies read after it includes one of those: so replies without the mark are a grant still being
 * decided (or given back), whose token may not be the one its holder will get (a master shows the
 * token it minted itself until the write-back lands there, lower or higher).
 */
export function committedHolder(same: readonly LeaseReading[]): LeaseHolder | undefined {
  const stamped = same.filter((reading) => reading.committed);
  if (stamped.length === 0) return undefined;
  const token = Math.max(...stamped.map((reading) => reading.token));
  const { committed: _committed, ...soonest } = same.reduce((a, b) => (b.expiresIn < a.expiresIn ? b : a));
  return { ...soonest, token };
}
