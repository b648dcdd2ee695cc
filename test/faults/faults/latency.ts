import { hold, type Fault } from './fault.js';

/** Fractions of the lease added to every chunk, each way, taking turns (0.6: no renewal gets through in time). */
const DELAYS = [0.6, 0.1, 0.3];

/** Latency added between one worker and Redis for 4× the lease. */
export const latency: Fault = {
  name: 'latency',
  summary: '0.6, 0.1 or 0.3× the lease added each way between the holder and Redis, for 4× the lease',
  scope: 'worker',
  async inject({ environment, target, round, note }) {
    const delay = Math.round(DELAYS[round % DELAYS.length]! * environment.leaseDuration);
    target.proxy.delay(delay);
    note(`${target.id} delayed by ${delay} ms each way`);
    await hold(4 * environment.leaseDuration);
    target.proxy.heal();
  },
};
