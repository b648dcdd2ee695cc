import { hold, type Fault } from './fault.js';

/** The coordination Redis stops answering (SIGSTOP) for 2× the lease, then carries on (SIGCONT). */
export const redisPause: Fault = {
  name: 'redis-pause',
  summary: 'coordination redis-server paused with SIGSTOP for 2× the lease, then SIGCONT',
  scope: 'server',
  async inject({ environment, note }) {
    environment.redis.signal('SIGSTOP');
    note('redis paused');
    await hold(2 * environment.leaseDuration);
    environment.redis.signal('SIGCONT');
  },
};
