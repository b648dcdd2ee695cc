import type { Redis } from 'ioredis';

/** The holder and token of a lease at one moment of the server's clock. */
export interface LeaseSample {
  readonly kind: 'lock' | 'leader';
  readonly holder: string;
  readonly token: number;
  /** Server time (ms), from `TIME` in the same script. */
  readonly at: number;
}

/** KEYS: lease hashes. Reply: {TIME seconds, TIME µs, holder1, token1, holder2, token2, …} (false when absent). */
const SAMPLE = `
local time = redis.call('TIME')
local reply = {time[1], time[2]}
for _, key in ipairs(KEYS) do
  local fields = redis.call('HMGET', key, 'holder', 'token')
  table.insert(reply, fields[1] or false)
  table.insert(reply, fields[2] or false)
end
return reply`;

/**
 * Reads who holds the lock's and the leadership's leases every `every` ms, stamped with the
 * server's clock, on the runner's administration connection: how long the server kept each grant
 * alive, whoever renewed it.
 */
export class LeaseSampler {
  readonly samples: LeaseSample[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(admin: Redis, keys: { readonly lock: string; readonly leader: string }, every: number) {
    this.done = (async () => {
      while (this.running) {
        try {
          const reply = (await admin.eval(SAMPLE, 2, keys.lock, keys.leader)) as (string | null)[];
          const at = Number(reply[0]) * 1000 + Number(reply[1]) / 1000;
          const kinds = ['lock', 'leader'] as const;
          kinds.forEach((kind, index) => {
            const holder = reply[2 + 2 * index];
            const token = reply[3 + 2 * index];
            if (holder && token) this.samples.push({ kind, holder, token: Number(token), at });
          });
        } catch {
          // The server is paused or restarting: no sample.
        }
        await new Promise((resolve) => setTimeout(resolve, every));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/**
 * Grants that the server kept alive for more than `limit` ms of its own clock before their
 * contender ever held them (`heldAt`: wall-clock ms of the first use of each token, if any). A
 * grant that reaches its contender in time is used within one lease; one whose reply was lost is
 * asked for again once, idempotently, and used then. A grant kept alive longer than that, while
 * its contender could not use it, locks every other contender out for nothing.
 */
export function unusedGrantsKept(
  samples: readonly LeaseSample[],
  kind: LeaseSample['kind'],
  heldAt: ReadonlyMap<number, number>,
  limit: number,
): { count: number; longest: number } {
  const spans = new Map<number, { first: number; last: number }>();
  for (const sample of samples) {
    if (sample.kind !== kind) continue;
    const used = heldAt.get(sample.token);
    if (used !== undefined && sample.at > used) continue;
    const span = spans.get(sample.token);
    if (span) span.last = Math.max(span.last, sample.at);
    else spans.set(sample.token, { first: sample.at, last: sample.at });
  }
  let count = 0;
  let longest = 0;
  for (const { first, last } of spans.values()) {
    longest = Math.max(longest, last - first);
    if (last - first > limit) count++;
  }
  return { count, longest };
}
