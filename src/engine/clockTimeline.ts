/**
 * How synchronized time follows the local clock: a piecewise-linear map that never goes backwards.
 *
 * From `anchorLocal` on, the applied offset starts at `anchorOffset` and, when that is above
 * `targetOffset` (a backward correction), falls by `slewRate` per local millisecond until it
 * reaches the target; synchronized time is `local + appliedOffset(local)`, so it advances at
 * `1 - slewRate` of the local rate while slewing, and never falls. A forward correction steps at
 * once (`anchorOffset === targetOffset`).
 */
export interface ClockTimeline {
  readonly anchorLocal: number;
  readonly anchorOffset: number;
  readonly targetOffset: number;
  readonly slewRate: number;
}

/** The offset applied at local instant `local`: the anchor's, slewed toward the target. */
export function appliedOffset(timeline: ClockTimeline, local: number): number {
  const { anchorLocal, anchorOffset, targetOffset, slewRate } = timeline;
  if (anchorOffset <= targetOffset) return targetOffset;
  const elapsed = Math.max(0, local - anchorLocal);
  return Math.max(targetOffset, anchorOffset - slewRate * elapsed);
}

/**
 * The timeline after a new sample measured `targetOffset` at local instant `local`: forward (or no)
 * corrections step at once, backward ones slew from the offset applied now.
 */
export function retarget(
  timeline: ClockTimeline | undefined,
  local: number,
  targetOffset: number,
  slewRate: number,
): ClockTimeline {
  const current = timeline === undefined ? targetOffset : appliedOffset(timeline, local);
  return { anchorLocal: local, anchorOffset: Math.max(current, targetOffset), targetOffset, slewRate };
}
