import { appliedOffset, retarget } from '../../../src/engine/clockTimeline';

describe('clock timeline', () => {
  it('starts at the first target offset', () => {
    const timeline = retarget(undefined, 1_000, 250, 0.5);
    expect(appliedOffset(timeline, 1_000)).toBe(250);
    expect(appliedOffset(timeline, 9_000)).toBe(250);
  });

  it('steps a forward correction at once', () => {
    const timeline = retarget(retarget(undefined, 0, 100, 0.5), 50, 300, 0.5);
    expect(timeline).toEqual({ anchorLocal: 50, anchorOffset: 300, targetOffset: 300, slewRate: 0.5 });
    expect(appliedOffset(timeline, 50)).toBe(300);
  });

  it('slews a backward correction at slewRate per local millisecond until the target', () => {
    const timeline = retarget(retarget(undefined, 0, 5_000, 0.5), 1_000, -3_000, 0.5);
    expect(appliedOffset(timeline, 1_000)).toBe(5_000);
    expect(appliedOffset(timeline, 3_000)).toBe(4_000);
    expect(appliedOffset(timeline, 17_000)).toBe(-3_000); // 8 s of correction take 16 s at 0.5
    expect(appliedOffset(timeline, 99_000)).toBe(-3_000);
  });

  it('never maps a later local instant to an earlier synchronized time', () => {
    let timeline = retarget(undefined, 0, 0, 0.25);
    let last = -Infinity;
    const offsets = [0, 500, -2_000, 40, 40, -700, 3_000, -3_000, 10, -1];
    for (let local = 0; local <= 100_000; local += 7) {
      if (local % 10_003 < 7) timeline = retarget(timeline, local, offsets[(local / 10_003) | 0] ?? 0, 0.25);
      const time = local + appliedOffset(timeline, local);
      expect(time).toBeGreaterThanOrEqual(last);
      last = time;
    }
  });

  it('continues a slew in progress from the offset applied at the new sample', () => {
    const slewing = retarget(retarget(undefined, 0, 100, 0.5), 0, 0, 0.5);
    const again = retarget(slewing, 100, 20, 0.5);
    expect(again).toEqual({ anchorLocal: 100, anchorOffset: 50, targetOffset: 20, slewRate: 0.5 });
  });

  it('holds when the local clock steps back before the anchor (the engine floor does the rest)', () => {
    const timeline = retarget(retarget(undefined, 0, 100, 0.5), 1_000, 0, 0.5);
    expect(appliedOffset(timeline, 900)).toBe(100);
  });
});
