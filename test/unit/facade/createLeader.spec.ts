import { firstValueFrom, lastValueFrom, timer } from 'rxjs';
import {
  BackendUnavailableError,
  createLeader,
  leader,
  LockTimeoutError,
  NotHeldError,
  type LeaderOptions,
  type SyncBackend,
} from 'rx-sync';
import { createTestBackend, type TestBackend } from 'rx-sync/testing';
import { CLEAN } from '../../support/marbleHelpers';

// Real time: leases short enough to renew often, long enough that a busy event loop does not lose
// them; no assertion on how long anything took.
const OPTIONS = { group: 'g', leaseDuration: 400, renewInterval: 50, driftMargin: 10 };

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

describe('createLeader', () => {
  let backend: TestBackend;

  beforeEach(() => {
    backend = createTestBackend();
  });

  afterEach(() => {
    expect(backend.inspect()).toEqual(CLEAN);
  });

  it('elects, renews in the background, and resigns: revoked settles on resign', async () => {
    const elected = await createLeader(backend, { ...OPTIONS, value: '10.0.0.7' }).elect('node-a');
    expect(elected.term).toMatchObject({ group: 'g', candidate: 'node-a', term: 1, value: '10.0.0.7' });
    expect(elected.term.isValid()).toBe(true);
    expect(await firstValueFrom(leader(backend, 'g'))).toEqual({
      group: 'g',
      candidate: 'node-a',
      term: 1,
      value: '10.0.0.7',
    });
    expect(await isPending(elected.revoked)).toBe(true);
    await elected.resign();
    await elected.revoked;
    expect(elected.term.isValid()).toBe(false);
    expect(await firstValueFrom(leader(backend, 'g'))).toBeUndefined();
  });

  it('lets a second candidate wait until the leader resigns, then elects it in a higher term', async () => {
    const elector = createLeader(backend, OPTIONS);
    const first = await elector.elect('node-a');
    const second = elector.elect('node-b');
    expect(await isPending(second)).toBe(true);
    await first.resign();
    const next = await second;
    expect(next.term).toMatchObject({ candidate: 'node-b', term: 2 });
    await next.resign();
  });

  it('proclaims a new value through the term', async () => {
    const elected = await createLeader(backend, OPTIONS).elect('node-a');
    expect(await firstValueFrom(elected.term.proclaim('ready'))).toBe(true);
    expect(await firstValueFrom(leader(backend, 'g'))).toMatchObject({ candidate: 'node-a', value: 'ready' });
    await elected.resign();
  });

  it('rejects resign with NotHeldError once resigned', async () => {
    const elected = await createLeader(backend, OPTIONS).elect('node-a');
    await elected.resign();
    await expect(elected.resign()).rejects.toEqual(new NotHeldError('g'));
  });

  it('settles revoked when leadership is lost; resign then rejects with NotHeldError', async () => {
    const elected = await createLeader(backend, OPTIONS).elect('node-a');
    expect(backend.expireLeadership('g')).toBe(true);
    await elected.revoked; // at its next renewal, which the backend refuses
    expect(elected.term.isValid()).toBe(false);
    await expect(elected.resign()).rejects.toBeInstanceOf(NotHeldError);
  });

  it('rejects elect with LockTimeoutError when acquireTimeout runs out', async () => {
    const leading = await createLeader(backend, OPTIONS).elect('node-a');
    await expect(createLeader(backend, { ...OPTIONS, acquireTimeout: 50 }).elect('node-b')).rejects.toEqual(
      new LockTimeoutError('g', 50),
    );
    await leading.resign();
  });

  it("rejects elect with the backend's error", async () => {
    backend.failRequests('node-a');
    await expect(createLeader(backend, OPTIONS).elect('node-a')).rejects.toEqual(
      new BackendUnavailableError('memory', 'tryAcquire'),
    );
  });

  it('checks group and options when created, and the id of each campaign', async () => {
    expect(() => createLeader(backend, { ...OPTIONS, group: '' })).toThrow(/`group`/);
    expect(() => createLeader(backend, undefined as unknown as LeaderOptions)).toThrow(/`group`/);
    expect(() => createLeader(backend, 'g' as unknown as LeaderOptions)).toThrow(/`options`/);
    expect(() => createLeader(backend, { ...OPTIONS, leaseDuration: 0 })).toThrow(RangeError);
    expect(() => createLeader(backend, { ...OPTIONS, value: 3 as unknown as string })).toThrow(/`value`/);
    expect(() => createLeader({} as SyncBackend, OPTIONS)).toThrow(/`backend`/);
    const elector = createLeader(backend, OPTIONS);
    expect(Object.isFrozen(elector)).toBe(true);
    // A thrown TypeError and a rejected Promise both count: elect is async.
    await expect((async () => elector.elect(''))()).rejects.toThrow(/`id`/);
  });
});
