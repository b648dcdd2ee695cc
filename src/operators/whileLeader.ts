import { isObservable, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import { show } from '../internal/validate.js';
import { whileHeld } from './whileHeld.js';
import type { Term } from '../observables/Term.js';

/**
 * Mirrors the source only while this process is the leader.
 *
 * @remarks
 * ```
 * leadership: ---t-----|
 * source:     -a--b--c--d-
 * result:     ----b--c-|
 * ```
 * Subscribes to the leadership stream (campaigning), subscribes to the source when it emits
 * (elected), and completes, unsubscribing the source, when it completes (leadership lost or
 * resigned). Errors when either errors. Unsubscribing the result resigns. To lead again after a
 * loss, put `repeat()` after this operator.
 *
 * @example
 * ```ts
 * import { interval, repeat } from 'rxjs';
 * import { leadership, whileLeader } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const backend = createMemoryBackend();
 * interval(1000)
 *   .pipe(whileLeader(leadership(backend, 'billing')), repeat())
 *   .subscribe((tick) => console.log(`leader work ${tick}`));
 * ```
 *
 * @param leadershipStream - A stream from {@link leadership} (or any stream that emits on election and completes on loss).
 * @returns An operator mirroring the source while leader.
 * @throws TypeError, when the operator is created, unless `leadershipStream` is an Observable.
 * @see {@link whileHeld} to give the work the term; {@link withLock} for the same with a lock.
 */
export function whileLeader<T>(leadershipStream: Observable<Term>): MonoTypeOperatorFunction<T> {
  if (!isObservable(leadershipStream)) {
    throw new TypeError(
      `Expected \`leadershipStream\` to be an Observable (from leadership()), got ${show(leadershipStream)}.`,
    );
  }
  return (source) => leadershipStream.pipe(whileHeld(() => source));
}
