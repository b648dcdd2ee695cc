import { firstValueFrom, fromEvent, map, race, timer } from 'rxjs';
import { assertBoolean, assertOptionsObject, assertPositiveDuration, optionNames } from '../../internal/validate.js';
import type { RedisClient } from './redisScript.js';

/** Options of `RedisBackend.close()`. */
export interface CloseOptions {
  /**
   * Also close the clients given to `createRedisBackend` (`client` and every `quorum` client): each
   * is sent QUIT (commands sent before it are answered first) and dropped if it has not closed
   * within `timeout`, or at once when it is not connected (a QUIT would wait for a reconnect), so
   * that the shutdown settles, Redis reachable or not. @defaultValue false (the clients are yours)
   */
  readonly quitClients?: boolean;
  /** How long the releases in flight may take, and then each QUIT before its connection is dropped, in ms. @defaultValue 1_000 */
  readonly timeout?: number;
}

const CLOSE_OPTION_NAMES = optionNames<CloseOptions>({ quitClients: true, timeout: true });

/** The defaults of {@link CloseOptions}. */
export const DEFAULT_CLOSE_OPTIONS = Object.freeze({ quitClients: false, timeout: 1_000 });

/** Applies defaults and checks each value; throws `TypeError` or `RangeError` naming the option. */
export function resolveCloseOptions(options: CloseOptions | undefined): Required<CloseOptions> {
  assertOptionsObject(options, { names: CLOSE_OPTION_NAMES, caller: 'close' });
  const { quitClients = DEFAULT_CLOSE_OPTIONS.quitClients, timeout = DEFAULT_CLOSE_OPTIONS.timeout } = options ?? {};
  assertBoolean(quitClients, 'quitClients');
  assertPositiveDuration(timeout, 'timeout');
  return Object.freeze({ quitClients, timeout });
}

/**
 * Closes `client` within `timeout` ms: a connected client is sent QUIT (what was sent before it is
 * answered first), any other is dropped at once (a QUIT would wait for a reconnect); either is
 * dropped if it has not ended in time. Never rejects.
 */
export async function quitWithin(client: RedisClient, timeout: number): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'reconnecting' || client.status === 'wait') {
    // Nothing in flight: dropped, it never connects again (ioredis 5 keeps the status, not the timer).
    client.disconnect();
    return;
  }
  const ended = firstValueFrom(
    race(fromEvent(client, 'end').pipe(map(() => true)), timer(timeout).pipe(map(() => false))),
  );
  if (client.status === 'ready')
    client.quit().catch(() => undefined); // its outcome is the 'end' event
  else client.disconnect();
  if (!(await ended)) client.disconnect();
}
