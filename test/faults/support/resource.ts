import type { Redis } from 'ioredis';

/**
 * The guarded resource of the fault suite: fenced registers on a Redis server of their own (never
 * faulted), used as the README tells users to use fencing tokens. Every operation carries the
 * token of the lease it runs under; the register remembers the highest token it has seen and, in
 * the same atomic step, rejects any read or write with a lower one. Every operation, accepted or
 * rejected, is appended to the register's log in the server's real order, stamped with the
 * server's clock, so the checkers judge what the resource saw, not what clients believe.
 */

/** Operation kinds: a lock section's read and write, a leader's heartbeat, a task's start and effect. */
export type OperationKind = 'R' | 'W' | 'H' | 'S' | 'E';

/** The log a register kind appends to (one per primitive). */
export type LogName = 'lock' | 'leader' | 'task';

/** One entry of a resource log. */
export interface Operation {
  readonly kind: OperationKind;
  /** The register (`lock`, `leader`, `task:<id>`). */
  readonly register: string;
  readonly token: number;
  /** Who sent it: a lock contender, a candidate, or `worker#attempt` for a task run. */
  readonly who: string;
  readonly accepted: boolean;
  /** The register's value before the operation. */
  readonly before: string;
  /** The value written, or `undefined` for a read or a rejected operation. */
  readonly written: string | undefined;
  /** Server time of the operation, in microseconds. */
  readonly at: number;
}

/**
 * KEYS: [highest tokens hash, values hash, log list]. ARGV: [register, kind, token, who, value to
 * write ('' for a read)]. Reply: {1 accepted | 0 rejected, value before}.
 */
const FENCED_OPERATION = `
local highestKey = KEYS[1]
local valuesKey = KEYS[2]
local logKey = KEYS[3]
local register = ARGV[1]
local kind = ARGV[2]
local token = tonumber(ARGV[3])
local who = ARGV[4]
local value = ARGV[5]
local time = redis.call('TIME')
local at = time[1] .. string.format('%06d', tonumber(time[2]))
local highest = tonumber(redis.call('HGET', highestKey, register) or '0')
local before = redis.call('HGET', valuesKey, register) or '0'
if token < highest then
  redis.call('RPUSH', logKey, table.concat({kind, register, ARGV[3], who, '0', before, '-', at}, ' '))
  return {0, before}
end
if token > highest then redis.call('HSET', highestKey, register, ARGV[3]) end
local written = '-'
if value ~= '' then
  redis.call('HSET', valuesKey, register, value)
  written = value
end
redis.call('RPUSH', logKey, table.concat({kind, register, ARGV[3], who, '1', before, written, at}, ' '))
return {1, before}`;

/** The fenced registers, through one client of the resource server. */
export class Resource {
  constructor(private readonly client: Redis) {}

  /** One fenced operation; `write` is the value to store ('' or undefined: a read). */
  async operate(
    log: LogName,
    register: string,
    kind: OperationKind,
    token: number,
    who: string,
    write?: string,
  ): Promise<{ readonly accepted: boolean; readonly before: string }> {
    const reply = (await this.client.eval(
      FENCED_OPERATION,
      3,
      `${log}:highest`,
      `${log}:values`,
      `${log}:log`,
      register,
      kind,
      String(token),
      who,
      write ?? '',
    )) as [number, string];
    return { accepted: Number(reply[0]) === 1, before: String(reply[1]) };
  }

  /** The value of a register ('0' when never written). */
  async value(log: LogName, register: string): Promise<string> {
    return (await this.client.hget(`${log}:values`, register)) ?? '0';
  }

  /** How many operations a log holds. */
  length(log: LogName): Promise<number> {
    return this.client.llen(`${log}:log`);
  }

  /** The whole log, in the server's order, read in pages. */
  async read(log: LogName): Promise<Operation[]> {
    const entries: Operation[] = [];
    const page = 10_000;
    for (let start = 0; ; start += page) {
      const lines = await this.client.lrange(`${log}:log`, start, start + page - 1);
      for (const line of lines) entries.push(parseOperation(line));
      if (lines.length < page) return entries;
    }
  }
}

function parseOperation(line: string): Operation {
  const [kind, register, token, who, accepted, before, written, at] = line.split(' ');
  if (at === undefined) throw new Error(`malformed resource log entry: ${line}`);
  return {
    kind: kind as OperationKind,
    register: register!,
    token: Number(token),
    who: who!,
    accepted: accepted === '1',
    before: before!,
    written: written === '-' ? undefined : written,
    at: Number(at),
  };
}
