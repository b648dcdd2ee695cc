/**
 * Base class of every error rx-sync raises when it cannot carry out a request.
 *
 * @remarks
 * `transient` tells retry logic whether the same call may succeed later (a lock that is busy now,
 * a backend that cannot be reached) or will fail the same way again (a version conflict). Misuse of
 * the API (a negative duration, an empty key) is not a `SyncError`: it throws the built-in
 * `TypeError` or `RangeError` at call time.
 *
 * `code` names the class with a string that stays the same across versions
 * (`'RX_SYNC_LOCK_TIMEOUT'`, ...; each class also has it as a static `code`): compare it where a
 * class reference is out of reach, such as in logs or after serialization.
 *
 * `instanceof` works across copies of rx-sync: the ESM and CommonJS builds loaded side by side,
 * or two installed versions. Each error is branded, in a non-enumerable property, with a
 * `Symbol.for` symbol of the global registry for every class it belongs to (`rx-sync.error` for
 * `SyncError`, `rx-sync.error.<code>` for each class with a `code` of its own); `SyncError`'s
 * static `Symbol.hasInstance`, which every subclass inherits, accepts what ordinary `instanceof`
 * accepts and, besides, any object with the class's brand. So an error raised by one copy is an
 * `instanceof` the same class (and of `SyncError`) of the other; a plain `Error`, or an object
 * with the same `name` or `code`, is not. Everything else about the errors (`name`, `message`,
 * `cause`, `stack`, `Object.prototype.toString`) is what `Error` gives.
 *
 * @example
 * ```ts
 * import { retry } from 'rxjs';
 * import { lock, SyncError } from 'rx-sync';
 * import { createMemoryBackend } from 'rx-sync/memory';
 *
 * lock(createMemoryBackend(), 'jobs')
 *   .pipe(
 *     retry({
 *       count: 3,
 *       delay: (error: unknown) => {
 *         if (error instanceof SyncError && error.transient) return [0];
 *         console.error(error instanceof SyncError ? error.code : error); // RX_SYNC_LOCK_TIMEOUT, ...
 *         throw error;
 *       },
 *     }),
 *   )
 *   .subscribe();
 * ```
 */
export abstract class SyncError extends Error {
  /** A string naming the error's class, the same in every version of rx-sync (`'RX_SYNC_LOCK_TIMEOUT'`). */
  abstract readonly code: string;
  /** `true` when the same call may succeed later. */
  abstract readonly transient: boolean;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    for (let constructor: object = new.target; ; constructor = Object.getPrototypeOf(constructor) as object) {
      const brand = brandOf(constructor);
      if (brand !== undefined) Object.defineProperty(this, brand, { value: true });
      if (constructor === SyncError) break;
    }
  }

  /**
   * Whether `value` is an instance of this class, from this copy of rx-sync (ordinary
   * `instanceof`) or from another (it bears this class's brand).
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const brand = brandOf(this);
    return (
      brand !== undefined &&
      typeof value === 'object' &&
      value !== null &&
      (value as Partial<Record<symbol, unknown>>)[brand] === true
    );
  }
}

/**
 * The registry symbol that brands the instances of a class: `rx-sync.error` for `SyncError`,
 * `rx-sync.error.<code>` for a class with a static `code` of its own; none for a subclass without
 * one (a user's), which `instanceof` then checks the ordinary way.
 */
function brandOf(constructor: object): symbol | undefined {
  if (constructor === SyncError) return Symbol.for('rx-sync.error');
  if (!Object.hasOwn(constructor, 'code')) return undefined;
  const { code } = constructor as { readonly code?: unknown };
  return typeof code === 'string' ? Symbol.for(`rx-sync.error.${code}`) : undefined;
}
