import { Observable, Subscription, take } from 'rxjs';

/** The votes that a {@link quorumDecision} has received so far. */
export interface Tally<V> {
  /** The votes received, in the order of the voters (not the order in which they came). */
  readonly votes: readonly V[];
  /** How many voters have neither voted nor finished yet. */
  readonly pending: number;
}

/**
 * Asks every voter at once and follows what `decide` makes of the votes, as soon as the votes
 * received so far settle it: a step over several servers need not wait for the slowest of them
 * once the others have decided its outcome.
 *
 * @remarks
 * ```
 * voter 1:  ---a|
 * voter 2:  -----b|
 * voter 3:  ---------c|   (unsubscribed at frame 5: its vote no longer matters)
 * result:   -----(x|)     (decide: open on [a], `of(x)` on [a, b])
 * ```
 * Each voter is subscribed once, all of them before any decision, so every request is sent even
 * when the first replies come synchronously. A voter's first value is its vote; one that completes
 * without a value no longer counts as pending. After each vote (and once after all voters were
 * subscribed), `decide` gets the {@link Tally}; it returns `undefined` while the outcome is open,
 * else the Observable of the outcome (which may be a further step), which the result then mirrors.
 * The voters still pending are unsubscribed then: their requests were sent, and their votes no
 * longer matter. `decide` must decide once nothing is pending: if it does not, the result errors
 * with a `TypeError`. A voter's error, or an exception thrown by `decide`, errors the result (a
 * caller that treats a failure as a vote catches it in the voter). Unsubscribing unsubscribes the
 * voters and the outcome.
 *
 * @param voters - One Observable per voter, each cold: subscribing sends its request.
 * @param decide - The outcome of the votes so far, or `undefined` while they leave it open.
 * @returns The outcome, once decided.
 */
export function quorumDecision<V, R>(
  voters: readonly Observable<V>[],
  decide: (tally: Tally<V>) => Observable<R> | undefined,
): Observable<R> {
  return new Observable<R>((subscriber) => {
    const received: ({ readonly vote: V } | undefined)[] = voters.map(() => undefined);
    let pending = voters.length;
    let asking = true;
    const ballots = new Subscription();
    subscriber.add(ballots);

    const consider = (): void => {
      if (asking || ballots.closed) return;
      const tally: Tally<V> = { votes: received.flatMap((ballot) => (ballot ? [ballot.vote] : [])), pending };
      let outcome: Observable<R> | undefined;
      try {
        outcome = decide(tally);
      } catch (error: unknown) {
        subscriber.error(error);
        return;
      }
      if (outcome) {
        ballots.unsubscribe();
        subscriber.add(outcome.subscribe(subscriber));
      } else if (pending === 0) {
        subscriber.error(new TypeError('quorumDecision: decide() left the outcome open with every vote in.'));
      }
    };

    voters.forEach((voter, index) => {
      ballots.add(
        voter.pipe(take(1)).subscribe({
          next: (vote) => {
            received[index] = { vote };
            pending--;
            consider();
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            if (received[index]) return;
            pending--;
            consider();
          },
        }),
      );
    });
    asking = false;
    consider();
  });
}
