import { SyncError } from './SyncError.js';

/**
 * Raised when a backend answers with something rx-sync cannot use: a script error, a reply of the
 * wrong shape, a key of the wrong type (another program wrote to rx-sync's keys). Retrying will
 * not help until the cause is fixed, so `transient` is `false`.
 *
 * @example
 * ```ts
 * import { BackendReplyError } from 'rx-sync';
 *
 * const error = new BackendReplyError('redis', 'get', 'WRONGTYPE Operation against a key holding the wrong kind of value');
 * console.log(error.transient, error.message);
 * ```
 */
export class BackendReplyError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_BACKEND_REPLY';
  readonly code = BackendReplyError.code;
  override readonly name = 'BackendReplyError';
  readonly transient = false;

  /**
   * @param backend - The backend's name.
   * @param operation - The contract method that got the reply.
   * @param detail - What was wrong with the reply.
   */
  constructor(
    readonly backend: string,
    readonly operation: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `The ${backend} backend answered "${operation}" with an error or a reply rx-sync cannot use: ${detail}. Retrying will not help; if it persists, check the server's logs and that nothing else writes to rx-sync's keys.`,
      options,
    );
  }
}
