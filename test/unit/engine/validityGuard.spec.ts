import { TestScheduler } from 'rxjs/testing';
import { ValidityGuard, type PendingValidity } from '../../../src/engine/validityGuard';
import { atFrame } from '../../support/marbleHelpers';

describe('ValidityGuard', () => {
  let scheduler: TestScheduler;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  /** Runs `setup` in virtual time and records `isValid()` at each of `frames` (checked before anything else of that frame). */
  function validityAt(frames: number[], setup: (guard: ValidityGuard, expired: number[]) => void) {
    const samples: [number, boolean][] = [];
    const expired: number[] = [];
    scheduler.run(() => {
      const guard = new ValidityGuard(10);
      for (const frame of frames) atFrame(frame, () => samples.push([frame, guard.isValid()]));
      guard.whenExpired(() => expired.push(scheduler.now()));
      setup(guard, expired);
    });
    return { samples, expired };
  }

  it('is not valid before a request is confirmed', () => {
    const { samples, expired } = validityAt([0, 5, 20], (guard) => {
      guard.begin();
    });
    expect(samples).toEqual([
      [0, false],
      [5, false],
      [20, false],
    ]);
    expect(expired).toEqual([]); // an unconfirmed request never ends the lease
  });

  it('is valid from confirmation until the request start + validity, and calls onExpire exactly then', () => {
    const { samples, expired } = validityAt([4, 5, 11, 12], (guard) => {
      let pending: PendingValidity | undefined;
      atFrame(2, () => (pending = guard.begin()));
      atFrame(4, () => expect(pending && guard.confirm(pending)).toBe(true)); // a reply after 2 frames
    });
    expect(samples).toEqual([
      [4, false], // sampled before the reply of frame 4
      [5, true],
      [11, true],
      [12, false], // 2 + 10: the reply's delay is not added
    ]);
    expect(expired).toEqual([12]);
  });

  it('moves the deadline to the start of the last confirmed request', () => {
    const { samples, expired } = validityAt([13, 16, 17], (guard) => {
      atFrame(0, () => guard.confirm(guard.begin()));
      atFrame(7, () => guard.confirm(guard.begin()));
    });
    expect(samples).toEqual([
      [13, true],
      [16, true],
      [17, false],
    ]);
    expect(expired).toEqual([17]);
  });

  it('refuses a confirmation that comes after the request’s own validity ran out', () => {
    const answers: boolean[] = [];
    const { samples, expired } = validityAt([9, 12], (guard) => {
      let late: PendingValidity | undefined;
      atFrame(0, () => guard.confirm(guard.begin())); // valid until 10
      atFrame(1, () => (late = guard.begin())); // its clock runs out at 11
      atFrame(11, () => late && answers.push(guard.confirm(late)));
    });
    expect(answers).toEqual([false]);
    expect(samples).toEqual([
      [9, true],
      [12, false],
    ]);
    expect(expired).toEqual([10]);
  });

  it('a discarded request stops its clock and changes nothing', () => {
    const { samples, expired } = validityAt([15, 25], (guard) => {
      atFrame(0, () => guard.confirm(guard.begin()));
      atFrame(5, () => guard.discard(guard.begin()));
      atFrame(8, () => guard.confirm(guard.begin()));
    });
    expect(samples).toEqual([
      [15, true],
      [25, false],
    ]);
    expect(expired).toEqual([18]);
  });

  it('reads the clock: at the deadline it is not valid even before its timer has fired', () => {
    const samples: boolean[] = [];
    scheduler.run(() => {
      atFrame(10, () => samples.push(guard.isValid())); // scheduled before the guard's own timer
      const guard = new ValidityGuard(10);
      guard.confirm(guard.begin());
    });
    expect(samples).toEqual([false]);
  });

  it('end() makes it invalid for good, stops every clock and never calls onExpire', () => {
    const answers: boolean[] = [];
    const { samples, expired } = validityAt([4, 6, 30], (guard) => {
      let pending: PendingValidity | undefined;
      atFrame(0, () => guard.confirm(guard.begin()));
      atFrame(3, () => (pending = guard.begin()));
      atFrame(5, () => guard.end());
      atFrame(6, () => pending && answers.push(guard.confirm(pending)));
    });
    expect(samples).toEqual([
      [4, true],
      [6, false],
      [30, false],
    ]);
    expect(answers).toEqual([false]);
    expect(expired).toEqual([]);
  });

  it('calls onExpire once', () => {
    const { expired } = validityAt([], (guard) => {
      atFrame(0, () => guard.confirm(guard.begin()));
      atFrame(20, () => guard.confirm(guard.begin())); // refused: the guard has ended
    });
    expect(expired).toEqual([10]);
  });
});
