import { createHash } from 'node:crypto';
import { defer, type Observable } from 'rxjs';
import { isCluster, toInteger, type RedisClient, type RedisScript } from './redisScript.js';

/** Replica acknowledgement settings, resolved (see `RedisBackendOptions.replicaAcknowledgement`). */
export interface ReplicaAcknowledgementSettings {
  /** How many replicas must have received the write. */
  readonly replicas: number;
  /** How long the master waits for them, in ms (`WAIT`'s timeout). */
  readonly timeout: number;
}

/** A script's reply and how many replicas acknowledged the connection's writes up to it. */
export interface AcknowledgedReply<Reply> {
  readonly reply: Reply;
  readonly replicas: number;
}

/**
 * A grant or renewal that fewer replicas than asked acknowledged in time: a failover could lose it.
 * Mapped to `BackendUnavailableError` (transient), with this as its cause.
 */
export class ReplicaAcknowledgementError extends Error {
  override readonly name = 'ReplicaAcknowledgementError';

  constructor(
    readonly step: string,
    readonly acknowledged: number,
    readonly settings: ReplicaAcknowledgementSettings,
  ) {
    super(
      `the ${step} reached ${acknowledged} of ${settings.replicas} replica(s) within ${settings.timeout} ms, so a failover could lose it ("replicaAcknowledgement")`,
    );
  }
}

type Reply = [error: Error | null, result: unknown];

const shas = new WeakMap<object, string>();

/**
 * Runs `script` and then `WAIT replicas timeout` in one pipeline, so both go down the same
 * connection to the master that owns the script's keys (ioredis sends a Cluster pipeline to the
 * node of its keys; `WAIT` has none), and `WAIT` counts the replicas that received everything this
 * connection wrote up to and including the script. If the connection breaks in between, ioredis
 * sends both again, in order, on the new connection, so the count still covers the script.
 *
 * The script goes as `EVALSHA`, and as `EVAL` when the server does not know it (`NOSCRIPT`: the
 * script did not run, so the pair is simply sent again). On a Cluster, a `MOVED` or `ASK` reply
 * (the script did not run there) refreshes the slot table and sends the pair again, once. Cold;
 * errors with the client's error.
 */
export function runScriptAcknowledged<Keys extends readonly string[], Args extends readonly (string | number)[], R>(
  client: RedisClient,
  script: RedisScript<Keys, Args, R>,
  keys: Keys,
  args: Args,
  settings: ReplicaAcknowledgementSettings,
): Observable<AcknowledgedReply<R>> {
  return defer(async () => {
    let sha = shas.get(script);
    if (sha === undefined) shas.set(script, (sha = createHash('sha1').update(script.lua).digest('hex')));
    const send = async (loaded: boolean): Promise<Reply[]> => {
      const pipeline = client.pipeline();
      if (loaded) pipeline.evalsha(sha, script.numberOfKeys, ...keys, ...args);
      else pipeline.eval(script.lua, script.numberOfKeys, ...keys, ...args);
      pipeline.wait(settings.replicas, settings.timeout);
      return (await pipeline.exec()) ?? [];
    };
    let replies = await send(true);
    if (replies[0]?.[0]?.message.startsWith('NOSCRIPT')) replies = await send(false);
    if (isCluster(client) && /^(MOVED|ASK) /.test(replies[0]?.[0]?.message ?? '')) {
      // The slot moved (a failover): ioredis redirects a Cluster pipeline only when all its replies
      // failed the same way, and WAIT's did not, so learn the new owner and send the pair there.
      await new Promise<void>((resolve) => client.refreshSlotsCache(() => resolve()));
      replies = await send(true);
      if (replies[0]?.[0]?.message.startsWith('NOSCRIPT')) replies = await send(false);
    }
    const [scriptReply, waitReply] = replies;
    if (!scriptReply || !waitReply) throw new Error('the pipeline of a script and WAIT was cut short');
    if (scriptReply[0]) throw scriptReply[0];
    if (waitReply[0]) throw waitReply[0];
    return { reply: script.parse(scriptReply[1]), replicas: toInteger(waitReply[1], 'WAIT reply') };
  });
}
