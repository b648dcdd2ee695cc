import { hold, type Fault } from './fault.js';

/** A worker process frozen with SIGSTOP for 1.5× the lease while it holds the lock or leads. */
export const workerStop: Fault = {
  name: 'worker-sigstop',
  summary: 'the holder (lock holder, leader, a task worker) frozen with SIGSTOP for 1.5× the lease, then SIGCONT',
  scope: 'worker',
  async inject({ environment, target, note }) {
    target.pause();
    note(`${target.id} stopped`);
    await hold(1.5 * environment.leaseDuration);
    target.resume();
  },
};
