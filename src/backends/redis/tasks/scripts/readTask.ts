import type { TaskKeys } from '../../redisKeys.js';
import { toArray, toString, type PublishCommand, type RedisScript } from '../../redisScript.js';
import { LUA_TASK_HELPERS } from './luaTaskHelpers.js';

/**
 * Reads a task's record (its fields, as stored), after ending its claim if that lapsed.
 *
 * KEYS: the name's {@link TaskKeys}. ARGV: [publish command, channel, task number].
 * Reply: the record's fields by name, or `undefined` when there is none.
 */
export const readTask: RedisScript<
  TaskKeys,
  [publishCommand: PublishCommand, channel: string, n: string],
  ReadonlyMap<string, string> | undefined
> = {
  name: 'rxSyncReadTask',
  numberOfKeys: 6,
  numberOfArgs: 3,
  lua: `${LUA_TASK_HELPERS}
local n = ARGV[3]
lapseIfDue(n, nowMilliseconds())
return redis.call('HGETALL', TASK_BASE .. n)`,
  parse: (reply) => {
    const flat = toArray(reply, 'task record');
    if (flat.length === 0) return undefined;
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(toString(flat[i], 'field'), toString(flat[i + 1], 'value'));
    return fields;
  },
};
