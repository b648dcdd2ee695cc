import { SyncError } from './SyncError.js';

/**
 * Raised when a backend cannot be reached or does not answer; `cause` holds the driver's error.
 *
 * @example
 * ```ts
 * import { BackendUnavailableError } from 'rx-sync';
 *
 * const error = new BackendUnavailableError('redis', 'tryAcquire', { cause: new Error('ECONNREFUSED') });
 * console.log(error.transient, error.message);
 * ```
 */
export class BackendUnavailableError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_BACKEND_UNAVAILABLE';
  readonly code = BackendUnavailableError.code;
  override readonly name = 'BackendUnavailableError';
  readonly transient = true;

  /**
   * @param backend - The backend's name.
   * @param operation - The contract method that failed.
   */
  constructor(
    readonly backend: string,
    readonly operation: string,
    options?: ErrorOptions,
  ) {
    super(
      `The ${backend} backend could not carry out "${operation}"${causeText(options)}. Check the connection; the call may be retried.`,
      options,
    );
  }
}

function causeText(options: ErrorOptions | undefined): string {
  return options?.cause instanceof Error ? `: ${options.cause.message}` : '';
}
