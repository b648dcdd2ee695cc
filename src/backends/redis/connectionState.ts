import { types } from 'node:util';
import { defer, EMPTY, fromEvent, ignoreElements, merge, share, take, type Observable } from 'rxjs';
import type { RedisClient } from './redisScript.js';

/** What the backend knows of one client's connection. */
export interface ConnectionState {
  /** The client's last connection error since it was last ready, or `undefined`. */
  readonly lastError: () => Error | undefined;
  /**
   * Completes at once when the client is ready, has been ready before or has failed to connect;
   * else once it first is ready or fails: a request is not sent into a connection still being made
   * (a client without an offline queue would refuse it at once), while one to a master that went
   * down, or that refuses connections, meets the client's own policy (offline queue, retries) at once.
   */
  readonly firstReady: Observable<never>;
  /** Whether {@link ConnectionState.firstReady} would complete at once: a request may go out now. */
  readonly hasBeenReady: () => boolean;
  /** Stops listening (the backend was closed); the last user of a client removes the listeners. */
  readonly stop: () => void;
}

interface Watch {
  lastError: Error | undefined;
  wasReady: boolean;
  users: number;
  /** Completes at the client's next `ready` or `error`; one pair of listeners, however many wait. */
  readonly settling: Observable<never>;
  readonly stop: () => void;
}

/** One pair of listeners per client, however many backends share it (no MaxListenersExceeded warning). */
const watches = new WeakMap<RedisClient, Watch>();

/**
 * Watches `client`'s connection: its errors (`connect ECONNREFUSED 127.0.0.1:6379`, a refused
 * AUTH), which ioredis reports only as `error` events, so that a request that cannot be carried
 * out can say why; and whether it has ever been ready.
 *
 * Listening to `error` has one side effect in ioredis: with no listener, it prints each error as
 * `[ioredis] Unhandled error event: …`; with any listener, nothing. So while this is the client's
 * only `error` listener, it prints that same line, and users see what they saw without rx-sync.
 */
export function connectionState(client: RedisClient): ConnectionState {
  let watch = watches.get(client);
  if (!watch) {
    const onError = (error: unknown): void => {
      // A socket error is made by Node's own `Error`, which need not be this realm's (a test sandbox).
      if (!(error instanceof Error) && !types.isNativeError(error)) return;
      current.lastError = error;
      if (client.listenerCount('error') === 1) {
        console.error('[ioredis] Unhandled error event:', error.stack); // ioredis's own output when nobody else listens
      }
    };
    const onReady = (): void => {
      current.lastError = undefined;
      current.wasReady = true;
    };
    client.on('error', onError);
    client.on('ready', onReady);
    const current: Watch = {
      lastError: undefined,
      wasReady: client.status === 'ready',
      users: 0,
      settling: merge(fromEvent(client, 'ready'), fromEvent(client, 'error')).pipe(take(1), ignoreElements(), share()),
      stop: () => {
        client.off('error', onError);
        client.off('ready', onReady);
        watches.delete(client);
      },
    };
    watches.set(client, (watch = current));
  }
  const shared = watch;
  shared.users++;
  let stopped = false;
  const hasBeenReady = (): boolean => shared.wasReady || shared.lastError !== undefined || client.status === 'ready';
  return {
    lastError: () => shared.lastError,
    firstReady: defer(() => (hasBeenReady() ? EMPTY : shared.settling)),
    hasBeenReady,
    stop: () => {
      if (stopped) return;
      stopped = true;
      if (--shared.users === 0) shared.stop();
    },
  };
}

/**
 * `error` (what a request failed with), with the client's last connection error when there is one:
 * both, as an `AggregateError` whose message says them both.
 */
export function withConnectionError(error: unknown, connectionError: Error | undefined): unknown {
  if (!connectionError || error === connectionError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new AggregateError([error, connectionError], `${text}; last connection error: ${connectionError.message}`);
}
