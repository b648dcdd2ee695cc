import { SyncError } from './SyncError.js';

/**
 * Raised by a conditional write (`ifVersion`) when the item's version is not the expected one.
 *
 * @remarks
 * `actualVersion` is `0` when the key does not exist. Read the item again and retry the write
 * with its version: the same call would fail the same way, so `transient` is `false`.
 *
 * @example
 * ```ts
 * import { VersionConflictError } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * createMemoryBackend().put('config', 'v2', { ifVersion: 7 }).subscribe({
 *   error: (error: unknown) => {
 *     if (error instanceof VersionConflictError) console.log(`now at version ${error.actualVersion}`);
 *   },
 * });
 * ```
 */
export class VersionConflictError extends SyncError {
  /** This class's {@link SyncError.code}, stable across versions. */
  static readonly code = 'RX_SYNC_VERSION_CONFLICT';
  readonly code = VersionConflictError.code;
  override readonly name = 'VersionConflictError';
  readonly transient = false;

  /**
   * @param key - The key written.
   * @param expectedVersion - The `ifVersion` given (`0`: the key must not exist).
   * @param actualVersion - The version found (`0`: the key does not exist).
   */
  constructor(
    readonly key: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
    options?: ErrorOptions,
  ) {
    super(
      `Version conflict on "${key}": expected ${describe(expectedVersion)}, found ${describe(actualVersion)}. Read it again and retry with its version.`,
      options,
    );
  }
}

function describe(version: number): string {
  return version === 0 ? 'no item' : `version ${version}`;
}
