import { hold, type Fault } from './fault.js';

/** Traffic between one worker and Redis held in both directions for 2× the lease (then delivered). */
export const partition: Fault = {
  name: 'partition',
  summary: 'the holder cut off from Redis (TCP proxy holds every byte both ways) for 2× the lease, then healed',
  scope: 'worker',
  async inject({ environment, target, note }) {
    target.proxy.partition();
    note(`${target.id} partitioned`);
    await hold(2 * environment.leaseDuration);
    target.proxy.heal();
  },
};
