import { SyncError } from './SyncError.js';

/**
 * Raised when a request cannot be carried out because its backend was closed (`close()` on the
 * Redis backend): a task's submitter that was still following it, for one. Watch streams
 * (`keyValue`, `changes`, `leader`) complete instead, as closing a backend is a normal shutdown.
 *
 * @example
 * ```ts
 * import { BackendClosedError } from 'rx-sync';
 *
 * const error = new BackendClosedError('redis', 'taskEvents');
 * console.log(error.transient, error.message);
 * ```
 */
export class BackendClosedError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_BACKEND_CLOSED';
  readonly code = BackendClosedError.code;
  override readonly name = 'BackendClosedError';
  readonly transient = false;

  /**
   * @param backend - The backend's name.
   * @param operation - What could not go on.
   */
  constructor(
    readonly backend: string,
    readonly operation: string,
    options?: ErrorOptions,
  ) {
    super(
      `The ${backend} backend was closed while "${operation}" was under way. Unsubscribe from its streams before closing it.`,
      options,
    );
  }
}
