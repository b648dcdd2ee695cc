import type { Cluster, Redis } from 'ioredis';
import { Observable } from 'rxjs';

/** A client the backend can send commands and scripts to. */
export type RedisClient = Redis | Cluster;

/** How a script publishes: classic pub/sub, or sharded pub/sub on Redis Cluster (Redis 7 or newer). */
export type PublishCommand = 'PUBLISH' | 'SPUBLISH';

/** Whether `client` is an ioredis `Cluster`. */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as { isCluster?: unknown }).isCluster === true;
}

/** The client's ioredis `keyPrefix` (put before every key it sends), or `''`. */
export function clientKeyPrefix(client: RedisClient): string {
  const options = client.options as { keyPrefix?: string; redisOptions?: { keyPrefix?: string } } | undefined;
  return options?.keyPrefix ?? options?.redisOptions?.keyPrefix ?? '';
}

/**
 * One Lua script, typed for its KEYS, ARGV and reply. Registered once per client with ioredis
 * `defineCommand`, so ioredis handles EVALSHA, NOSCRIPT, `keyPrefix` and pipelines.
 */
export interface RedisScript<Keys extends readonly string[], Args extends readonly (string | number)[], Reply> {
  /** Command name for `defineCommand`, prefixed `rxSync`. */
  readonly name: string;
  /**
   * The script only reads: registered read-only, so that a client with `scaleReads` may send it
   * to a replica. Only for advisory reads (a stale answer delays, it never misleads a decision).
   */
  readonly readOnly?: true;
  readonly numberOfKeys: Keys['length'];
  /** How many ARGV the script takes (with {@link RedisScript.argsPerItem}: before its items). */
  readonly numberOfArgs: Args['length'];
  /** The script takes, after its `numberOfArgs`, any number of items of this many ARGV each. */
  readonly argsPerItem?: number;
  readonly lua: string;
  /** Turns the raw reply into the typed one, checking its shape. */
  readonly parse: (reply: unknown) => Reply;
}

type ScriptCommand = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

const registered = new WeakMap<RedisClient, Set<string>>();

/**
 * Runs `script` on `client`, registering it on first use. Cold: nothing is sent before
 * subscription. Errors with the client's error (the caller maps it to a typed error).
 */
export function runScript<Keys extends readonly string[], Args extends readonly (string | number)[], Reply>(
  client: RedisClient,
  script: RedisScript<Keys, Args, Reply>,
  keys: Keys,
  args: Args,
): Observable<Reply> {
  return new Observable<Reply>((subscriber) => {
    let sent: Promise<unknown>;
    try {
      sent = send(client, script, keys, args);
    } catch (error) {
      subscriber.error(error);
      return;
    }
    sent.then(
      (reply) => {
        let parsed: Reply;
        try {
          parsed = script.parse(reply);
        } catch (error) {
          subscriber.error(error);
          return;
        }
        subscriber.next(parsed);
        subscriber.complete();
      },
      (error: unknown) => subscriber.error(error),
    );
  });
}

/** Sends `script` to `client` (EVALSHA, or EVAL when the server does not know it yet), registering it on first use. */
function send<Keys extends readonly string[], Args extends readonly (string | number)[], Reply>(
  client: RedisClient,
  script: RedisScript<Keys, Args, Reply>,
  keys: Keys,
  args: Args,
): Promise<unknown> {
  const items = script.argsPerItem;
  const argsFit =
    items === undefined
      ? args.length === script.numberOfArgs
      : args.length >= script.numberOfArgs && (args.length - script.numberOfArgs) % items === 0;
  if (keys.length !== script.numberOfKeys || !argsFit) {
    throw new TypeError(
      `Script "${script.name}" takes ${script.numberOfKeys} keys and ${script.numberOfArgs} arguments${items === undefined ? '' : `, then items of ${items}`}.`,
    );
  }
  let names = registered.get(client);
  if (!names) registered.set(client, (names = new Set()));
  if (!names.has(script.name)) {
    client.defineCommand(script.name, {
      numberOfKeys: script.numberOfKeys,
      lua: script.lua,
      ...(script.readOnly && { readOnly: true }),
    });
    names.add(script.name);
  }
  const command = (client as unknown as Record<string, ScriptCommand>)[script.name];
  if (typeof command !== 'function')
    throw new TypeError(`Script "${script.name}" could not be registered on the client.`);
  return command.call(client, ...keys, ...args);
}

/** Reads an integer reply (ioredis returns numbers, or strings with `stringNumbers`). */
export function toInteger(reply: unknown, what: string): number {
  const value = typeof reply === 'string' || Buffer.isBuffer(reply) ? Number(String(reply)) : reply;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new ReplyShapeError(what, reply);
  return value;
}

/** Reads a bulk string reply, or `undefined` for nil. */
export function toOptionalString(reply: unknown, what: string): string | undefined {
  if (reply === null || reply === undefined) return undefined;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (typeof reply !== 'string') throw new ReplyShapeError(what, reply);
  return reply;
}

/** Reads a bulk string reply that must be there. */
export function toString(reply: unknown, what: string): string {
  const value = toOptionalString(reply, what);
  if (value === undefined) throw new ReplyShapeError(what, reply);
  return value;
}

/** Reads an array reply. */
export function toArray(reply: unknown, what: string): unknown[] {
  if (!Array.isArray(reply)) throw new ReplyShapeError(what, reply);
  return reply as unknown[];
}

/** A script reply of an unexpected shape; mapped to `BackendReplyError` by the backend. */
export class ReplyShapeError extends Error {
  override readonly name = 'ReplyShapeError';

  constructor(what: string, reply: unknown) {
    super(`unexpected ${what}: ${JSON.stringify(reply) ?? String(reply)}`);
  }
}
