import { NonRetryableError, SyncError, TaskFailedError } from 'rx-sync';

describe('NonRetryableError', () => {
  it('has a fixed name, is not transient, and keeps the message as written and its cause', () => {
    const cause = new Error('w = -1');
    const error = new NonRetryableError('Width must be positive.', { cause });
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error).toBeInstanceOf(SyncError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('NonRetryableError');
    expect(error.transient).toBe(false);
    expect(error.message).toBe('Width must be positive.');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('NonRetryableError: Width must be positive.');
    expect(error.stack).toContain('NonRetryableError');
  });

  it('needs no options', () => {
    const error = new NonRetryableError('no');
    expect(error.message).toBe('no');
    expect('cause' in error).toBe(false);
  });

  it('makes TaskFailedError say that the handler ruled out a retry, not to raise "attempts"', () => {
    const failed = new TaskFailedError('task-1', 'resize', 1, { name: 'NonRetryableError', message: 'bad size.' });
    expect(failed.message).toBe(
      'Task "resize" (task-1) failed after 1 attempt: NonRetryableError: bad size. The handler marked it as not retryable.',
    );
    expect(failed.cause).toMatchObject({ name: 'NonRetryableError', message: 'bad size.' });
  });
});
