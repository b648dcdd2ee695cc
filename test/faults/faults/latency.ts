import { hold, type Fault } from './fault.js';

/** Fractions of the lease added to every chunk, each way, taking turns. */
const DELAYS = [0.1, 0.3, 0.6];

/** Latency added between one worker and Redis for 3× the lease. */
export const latency: Fault = {
  name: 'latency',
  summary: "0.1, 0.3 or 0.6× the lease added each way between the holder and Redis, for 3× the lease",
  scope: 'worker',
  async inject({ environment, target, round, note }) {
    const delay = Math.round(DELAYS[round % DELAYS.length]! * environment.leaseDuration);
    target.proxy.delay(delay);
    note(`${target.id} delayed by ${delay} ms each way`);
    await hold(3 * environment.leaseDuration);
    target.proxy.heal();
  },
};
