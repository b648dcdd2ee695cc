import { defer, EMPTY, map, repeat, switchMap, take, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { lock, type LeaseClaim } from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';
import { lockLeaseKey } from '../../../src/internal/leaseKeys';
import { TIMING } from '../../support/marbleHelpers';

// Fair waiting (`fair`, the default), in virtual time: the line of waiters on the backend decides
// who is next, whatever the order in which contenders happen to ask again.

describe('lock: fair waiting', () => {
  const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

  it('serves 10 contenders that ask again at once in turn, over 10,000 acquisitions (no starvation)', () => {
    scheduler().run(({ flush }) => {
      const backend = createMemoryBackend();
      const contenders = 10;
      const total = 10_000;
      const served: number[] = [];
      for (let who = 0; who < contenders; who++) {
        defer(() => lock(backend, 'k', { ...TIMING, holder: `c${who}` }).pipe(take(1)))
          .pipe(
            map(() => served.push(who)),
            // Each asks again one frame after its release, while the others are in line.
            repeat({ delay: () => (served.length < total ? timer(1) : EMPTY) }),
          )
          .subscribe();
      }
      flush();
      const counts = Array.from({ length: contenders }, (_, who) => served.filter((one) => one === who).length);
      expect(served.length).toBeGreaterThanOrEqual(total);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      // Round robin: between two turns of one contender, every other contender had exactly one.
      for (let index = contenders; index < served.length; index++) {
        expect(served[index]).toBe(served[index - contenders]);
      }
    });
  });

  it('skips a waiter that died within its place duration: the next in line gets the lock', () => {
    scheduler().run(({ expectObservable, cold }) => {
      const backend = createMemoryBackend();
      const options = { ...TIMING, maxRetryDelay: 5 }; // places last min(leaseDuration, 3 × 5) = 15 frames
      const holder = lock(backend, 'k', { ...options, holder: 'holder' });
      // A contender that took a place and then died (it never asks again, and never leaves the line).
      const dead: LeaseClaim = { owner: 'dead-secret', holder: 'dead', leaseDuration: 20, placeDuration: 15 };
      const waiter = lock(backend, 'k', { ...options, holder: 'waiter' }).pipe(map((lease) => lease.holder));
      expectObservable(holder.pipe(map((lease) => lease.holder)), '^ 9ms !').toBe('h', { h: 'holder' });
      expectObservable(
        cold('1ms x').pipe(
          switchMap(() => backend.tryAcquire(lockLeaseKey('k'), dead)),
          map((reply) => reply.granted),
        ),
        '^',
      ).toBe('-x', { x: false });
      // The holder releases at 10; the dead waiter's place (taken at 1) lapses at 16.
      expectObservable(waiter, '2ms ^ 30ms !').toBe('2ms --------------w', { w: 'waiter' });
    });
  });
});
