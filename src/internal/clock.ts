import { asyncScheduler } from 'rxjs';

/**
 * Milliseconds on the clock that RxJS schedulers use, which `TestScheduler.run` replaces with
 * virtual time. Safety deadlines never rely on it alone: see the lease engine's guard timers.
 */
export function schedulerNow(): number {
  return asyncScheduler.now();
}
