import { createMemoryBackend } from 'rx-sync/memory';
import { createTestBackend } from 'rx-sync/testing';
import { assertBackend } from '../../../src/internal/assertBackend';

describe('assertBackend', () => {
  it('accepts the memory and test backends', () => {
    expect(() => assertBackend(createMemoryBackend())).not.toThrow();
    expect(() => assertBackend(createTestBackend())).not.toThrow();
  });

  it.each([undefined, null, 'redis', 42])('rejects %p with a TypeError naming `backend`', (value) => {
    expect(() => assertBackend(value)).toThrow(
      new TypeError('Expected `backend` to be a SyncBackend (from createMemoryBackend() or createRedisBackend()).'),
    );
  });

  it('lists the methods an object lacks', () => {
    const { get: _get, changes: _changes, ...partial } = createMemoryBackend();
    expect(() => assertBackend(partial)).toThrow(/, but it lacks get, changes\.$/);
    expect(() => assertBackend({})).toThrow(
      /lacks tryAcquire, renew, release, updateLease, readLease, leaseEvents, vacancies, get, put, delete, list, changes\.$/,
    );
  });
});
