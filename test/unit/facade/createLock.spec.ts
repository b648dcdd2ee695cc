import { lastValueFrom, timer } from 'rxjs';
import {
  BackendUnavailableError,
  createLock,
  LockBusyError,
  LockTimeoutError,
  NotHeldError,
  type SyncBackend,
} from 'rx-sync';
import { createTestBackend, type TestBackend } from 'rx-sync/testing';
import { CLEAN } from '../../support/marbleHelpers';

// Real time: leases short enough to renew often, long enough that a busy event loop does not lose
// them; no assertion on how long anything took.
const OPTIONS = { leaseDuration: 400, renewInterval: 50, driftMargin: 10 };

/** Whether `promise` is still pending after a short while. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  const first = await Promise.race([
    promise.then(
      () => 'settled',
      () => 'settled',
    ),
    lastValueFrom(timer(40)).then(() => pending),
  ]);
  return first === pending;
}

describe('createLock', () => {
  let backend: TestBackend;

  beforeEach(() => {
    backend = createTestBackend();
  });

  afterEach(() => {
    expect(backend.inspect()).toEqual(CLEAN);
  });

  it('acquires and releases a lock: the lease, its fencing token, and a lost Promise that settles on release', async () => {
    const locker = createLock(backend, { ...OPTIONS, holder: 'node-a' });
    const held = await locker.acquire('id');
    expect(held).toMatchObject({ key: 'id', holder: 'node-a', token: 1 });
    expect(held.isValid()).toBe(true);
    expect(await isPending(held.lost)).toBe(true);
    await locker.release('id');
    await held.lost;
    expect(held.isValid()).toBe(false);
    expect((await locker.acquire('id')).token).toBe(2);
    await locker.release('id');
  });

  it('makes a second acquire of the same id wait until the first is released (a mutex)', async () => {
    const locker = createLock(backend, OPTIONS);
    const first = await locker.acquire('id');
    const second = locker.acquire('id');
    expect(await isPending(second)).toBe(true);
    await locker.release('id');
    await first.lost;
    expect((await second).token).toBe(2);
    await locker.release('id');
  });

  it('keeps locks of different ids apart', async () => {
    const locker = createLock(backend, OPTIONS);
    const a = await locker.acquire('a');
    const b = await locker.acquire('b');
    expect([a.token, b.token]).toEqual([1, 1]);
    await locker.release('a');
    expect(b.isValid()).toBe(true);
    await locker.release('b');
  });

  it('rejects release with NotHeldError for an id never acquired, or already released', async () => {
    const locker = createLock(backend, OPTIONS);
    await expect(locker.release('id')).rejects.toEqual(new NotHeldError('id'));
    await locker.acquire('id');
    await locker.release('id');
    await expect(locker.release('id')).rejects.toBeInstanceOf(NotHeldError);
  });

  it('settles lost when the lock is lost; release then rejects with NotHeldError', async () => {
    const locker = createLock(backend, OPTIONS);
    const held = await locker.acquire('id');
    expect(backend.expireLock('id')).toBe(true);
    await held.lost; // at its next renewal, which the backend refuses
    expect(held.isValid()).toBe(false);
    await expect(locker.release('id')).rejects.toBeInstanceOf(NotHeldError);
  });

  it('rejects acquire with LockBusyError when wait is false and another holds the lock', async () => {
    const owner = createLock(backend, { ...OPTIONS, holder: 'owner' });
    const impatient = createLock(backend, { ...OPTIONS, holder: 'other', wait: false });
    await owner.acquire('id');
    const refusal = impatient.acquire('id');
    await expect(refusal).rejects.toBeInstanceOf(LockBusyError);
    await expect(refusal).rejects.toMatchObject({ key: 'id', holder: 'owner' });
    await owner.release('id');
  });

  it('rejects acquire with LockTimeoutError when acquireTimeout runs out', async () => {
    const owner = createLock(backend, OPTIONS);
    const waiter = createLock(backend, { ...OPTIONS, acquireTimeout: 50 });
    await owner.acquire('id');
    await expect(waiter.acquire('id')).rejects.toEqual(new LockTimeoutError('id', 50));
    await owner.release('id');
  });

  it("rejects acquire with the backend's error", async () => {
    backend.failRequests('node-a');
    const locker = createLock(backend, { ...OPTIONS, holder: 'node-a' });
    await expect(locker.acquire('id')).rejects.toEqual(new BackendUnavailableError('memory', 'tryAcquire'));
    await expect(locker.release('id')).rejects.toBeInstanceOf(NotHeldError);
  });

  it('checks arguments at call time, synchronously', () => {
    const locker = createLock(backend, OPTIONS);
    expect(() => locker.acquire('')).toThrow(TypeError);
    expect(() => locker.acquire('')).toThrow(/`id`/);
    expect(() => locker.release('a\nb')).toThrow(/`id`/);
    expect(() => createLock(backend, { leaseDuration: -5 })).toThrow(RangeError);
    expect(() => createLock(backend, { wait: 1 as unknown as boolean })).toThrow(/`wait`/);
    expect(() => createLock({} as SyncBackend)).toThrow(/`backend`/);
    expect(Object.isFrozen(locker)).toBe(true);
  });
});
