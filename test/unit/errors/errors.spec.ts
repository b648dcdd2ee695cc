import {
  BackendReplyError,
  BackendUnavailableError,
  LockBusyError,
  LockTimeoutError,
  NotHeldError,
  SyncError,
  VersionConflictError,
} from 'rx-sync';

describe('error classes', () => {
  const cause = new Error('ECONNREFUSED 127.0.0.1:6379');

  it.each([
    {
      error: new LockTimeoutError('jobs', 5_000, { cause }),
      name: 'LockTimeoutError',
      transient: true,
      fields: { key: 'jobs', acquireTimeout: 5_000 },
      message: 'Could not acquire "jobs" within 5000 ms. Raise "acquireTimeout" or check who holds it.',
    },
    {
      error: new LockBusyError('jobs', 'node-a', 1_234, { cause }),
      name: 'LockBusyError',
      transient: true,
      fields: { key: 'jobs', holder: 'node-a', expiresIn: 1_234 },
      message:
        'Lock "jobs" is held by "node-a" (lease ends in 1234 ms unless renewed). Set "wait: true" to wait for it.',
    },
    {
      error: new VersionConflictError('config', 7, 9, { cause }),
      name: 'VersionConflictError',
      transient: false,
      fields: { key: 'config', expectedVersion: 7, actualVersion: 9 },
      message:
        'Version conflict on "config": expected version 7, found version 9. Read it again and retry with its version.',
    },
    {
      error: new BackendUnavailableError('redis', 'tryAcquire', { cause }),
      name: 'BackendUnavailableError',
      transient: true,
      fields: { backend: 'redis', operation: 'tryAcquire' },
      message:
        'The redis backend could not carry out "tryAcquire": ECONNREFUSED 127.0.0.1:6379. Check the connection; the call may be retried.',
    },
    {
      error: new BackendReplyError('redis', 'get', 'WRONGTYPE', { cause }),
      name: 'BackendReplyError',
      transient: false,
      fields: { backend: 'redis', operation: 'get', detail: 'WRONGTYPE' },
      message:
        'The redis backend answered "get" with an error or a reply rx-sync cannot use: WRONGTYPE. Retrying will not help; if it persists, check the server\'s logs and that nothing else writes to rx-sync\'s keys.',
    },
    {
      error: new NotHeldError('jobs', { cause }),
      name: 'NotHeldError',
      transient: false,
      fields: { key: 'jobs' },
      message: '"jobs" is not held here: it was never acquired, was already released, or was lost.',
    },
  ])('$name: name, transient, fields, message and cause', ({ error, name, transient, fields, message }) => {
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(SyncError);
    expect(error.name).toBe(name);
    expect(error.transient).toBe(transient);
    expect(error).toMatchObject(fields);
    expect(error.message).toBe(message);
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe(`${name}: ${message}`);
    expect(error.stack).toContain(name);
  });

  it('VersionConflictError says "no item" for version 0 (create-only, or a missing key)', () => {
    expect(new VersionConflictError('k', 0, 3).message).toBe(
      'Version conflict on "k": expected no item, found version 3. Read it again and retry with its version.',
    );
    expect(new VersionConflictError('k', 2, 0).message).toContain('expected version 2, found no item');
  });

  it('BackendUnavailableError leaves the cause out of the message unless it is an Error', () => {
    expect(new BackendUnavailableError('memory', 'renew').message).toBe(
      'The memory backend could not carry out "renew". Check the connection; the call may be retried.',
    );
    const withTextCause = new BackendUnavailableError('memory', 'renew', { cause: 'timeout' });
    expect(withTextCause.message).not.toContain('timeout');
    expect(withTextCause.cause).toBe('timeout');
  });

  it('has no cause unless given one', () => {
    expect('cause' in new NotHeldError('k')).toBe(false);
  });
});
