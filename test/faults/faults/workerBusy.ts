import type { Primitive, StallPoint, WorkerLine } from '../support/scenario.js';
import { hold, type Fault } from './fault.js';

/** Where to block, by focus, taking turns (the worst case first): at once, or at a point of the primitive's code. */
const POINTS: Record<Primitive, readonly StallPoint[]> = {
  lock: ['lock-after-check', 'now', 'lock-before-check'],
  leadership: ['leader-after-check', 'now'],
  task: ['task', 'now'],
  store: ['now'],
};

/**
 * A worker's event loop blocked by a busy loop for 1.5× the lease while it holds: no timer, no
 * renewal, no socket read runs meanwhile (a long synchronous computation, a GC pause). The stall
 * is placed at once or inside a critical section: between the fenced read and `isValid()`, or
 * between `isValid()` and the fenced write, where only fencing can help.
 */
export const workerBusy: Fault = {
  name: 'worker-busy-loop',
  summary:
    "the holder's event loop blocked by a busy loop for 1.5× the lease (at once, or inside the critical section)",
  scope: 'worker',
  async inject({ environment, target, focus, round, note }) {
    const duration = 1.5 * environment.leaseDuration;
    const points = POINTS[focus];
    const point = points[round % points.length]!;
    const within = 5 * environment.leaseDuration;
    const stalled = target
      .next(
        (line: WorkerLine): line is Extract<WorkerLine, { type: 'stalled' }> => line.type === 'stalled',
        within + 1_000,
        'stall',
      )
      .then(
        () => true,
        () => false,
      );
    target.send({ type: 'busy', duration, point, within });
    const ran = await stalled;
    note(`${target.id} busy at ${point}${ran ? '' : ' (not reached)'}`);
    if (ran) await hold(duration);
  },
};
