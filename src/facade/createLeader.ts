import { Subscription } from 'rxjs';
import type { SyncBackend } from '../backend.js';
import { NotHeldError } from '../errors/NotHeldError.js';
import { assertBackend } from '../internal/assertBackend.js';
import { assertNameWithin, limitsOf } from '../internal/limits.js';
import { optionNames } from '../internal/validate.js';
import { campaign } from '../observables/leadership.js';
import { resolveLeadershipOptions, type LeadershipOptions } from '../observables/leadershipOptions.js';
import { LEASE_OPTION_NAMES } from '../observables/leaseOptions.js';
import type { Term } from '../observables/Term.js';

/** Options of {@link createLeader}: the group, and the campaign options of {@link leadership} but the candidate. */
export interface LeaderOptions extends Omit<LeadershipOptions, 'candidate'> {
  /** The group to lead. */
  readonly group: string;
}

/** The names of {@link LeaderOptions}: any other key (`candidate` too: `elect(id)` gives it) is refused. */
const LEADER_OPTION_NAMES = optionNames<LeaderOptions>({ ...LEASE_OPTION_NAMES, value: true, group: true });

/** Leadership won through the Promise facade. */
export interface Elected {
  /** The term won. */
  readonly term: Term;
  /** Resolves (never rejects) when leadership is lost or resigned: go-sync's `Revoked()`. */
  readonly revoked: Promise<void>;
  /** Gives leadership up; rejects with `NotHeldError` when it is already over. */
  resign(): Promise<void>;
}

/** go-sync's `Leader` for code that is not reactive. */
export interface Elector {
  /** Campaigns as candidate `id` and resolves once elected; rejects when the campaign fails. */
  elect(id: string): Promise<Elected>;
}

/**
 * The Promise facade of {@link leadership}, line for line go-sync's `Leader`.
 *
 * @remarks
 * `elect(id)` campaigns and resolves with the term once elected. Leadership is renewed in the
 * background until `resign()` or until it is lost; then `revoked` resolves. Prefer
 * {@link whileLeader} in reactive code.
 *
 * @example
 * ```ts
 * import { createLeader } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * const l = createLeader(createMemoryBackend(), { group: 'name' });
 * // elect leader
 * const e = await l.elect('id');
 * // operate while leader
 * void e.revoked.then(() => console.log('revoked: elect again'));
 * // resign leadership
 * await e.resign();
 * ```
 *
 * @param backend - Where the election is held.
 * @param options - The group and campaign options.
 * @throws TypeError or RangeError, at call time, for a bad group or option.
 */
export function createLeader(backend: SyncBackend, options: LeaderOptions): Elector {
  assertBackend(backend);
  const limits = limitsOf(backend);
  const settings = resolveLeadershipOptions(options, { caller: 'createLeader', names: LEADER_OPTION_NAMES }, limits);
  const group = options?.group;
  assertNameWithin(limits, group, 'group');
  return Object.freeze({
    elect(id: string): Promise<Elected> {
      assertNameWithin(limits, id, 'id');
      return electAs(group, id);
    },
  });

  async function electAs(group: string, id: string): Promise<Elected> {
    let markRevoked: () => void = () => undefined;
    const revoked = new Promise<void>((resolve) => (markRevoked = resolve));
    const subscription = new Subscription(() => markRevoked());
    const campaigning = campaign(backend, group, { ...settings, candidate: id });
    const term = await new Promise<Term>((resolve, reject) => {
      subscription.add(
        campaigning.subscribe({
          next: resolve,
          error: (error: unknown) => {
            subscription.unsubscribe();
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- pass the stream's typed error through unchanged
            reject(error);
          },
          complete: () => subscription.unsubscribe(),
        }),
      );
    });
    return Object.freeze({
      term,
      revoked,
      resign: () => {
        if (subscription.closed) return Promise.reject(new NotHeldError(group));
        subscription.unsubscribe();
        return Promise.resolve();
      },
    });
  }
}
