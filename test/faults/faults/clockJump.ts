import { hold, type Fault } from './fault.js';

/** Moves the expiry of every given key by ARGV[1] ms (PEXPIRETIME, PEXPIREAT), atomically. */
const SHIFT_EXPIRY = `
local shift = tonumber(ARGV[1])
local moved = 0
for _, key in ipairs(KEYS) do
  local at = redis.call('PEXPIRETIME', key)
  if at > 0 then
    redis.call('PEXPIREAT', key, at + shift)
    moved = moved + 1
  end
end
return moved`;

/**
 * The server clock jumps, emulated on the lease keys of the lock and the leadership: a jump
 * forward by 2× the lease brings their expiry 2× the lease earlier (they lapse at once, while
 * their holders still count on them); a jump back delays it by as much. Turns alternate.
 */
export const clockJump: Fault = {
  name: 'clock-jump',
  summary: 'server clock jump emulated on the lease keys (PEXPIRETIME/PEXPIREAT): 2× the lease forward, or back',
  scope: 'server',
  async inject({ environment, round, note }) {
    const jump = 2 * environment.leaseDuration;
    const shift = round % 2 === 0 ? -jump : jump;
    const keys = environment.leaseKeys();
    const moved = await environment.admin.eval(SHIFT_EXPIRY, keys.length, ...keys, String(shift));
    note(`clock ${shift < 0 ? 'forward' : 'back'} by ${jump} ms: ${String(moved)} lease(s) moved`);
    await hold(2 * environment.leaseDuration);
  },
};
