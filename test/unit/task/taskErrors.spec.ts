import { SyncError, TaskCancelledError, TaskFailedError, TaskTimeoutError, UnknownTaskError } from 'rx-sync';

describe('task error classes', () => {
  it.each([
    {
      error: new TaskFailedError('task-1', 'resize', 3, { name: 'TypeError', message: 'bad size.' }),
      name: 'TaskFailedError',
      transient: false,
      fields: { id: 'task-1', task: 'resize', attempts: 3, lastError: { name: 'TypeError', message: 'bad size.' } },
      message: 'Task "resize" (task-1) failed after 3 attempts: TypeError: bad size. Raise "attempts" to retry more.',
    },
    {
      error: new TaskCancelledError('task-2', 'report'),
      name: 'TaskCancelledError',
      transient: false,
      fields: { id: 'task-2', task: 'report' },
      message: 'Task "report" (task-2) was cancelled.',
    },
    {
      error: new TaskTimeoutError('task-3', 'slow', 5_000),
      name: 'TaskTimeoutError',
      transient: true,
      fields: { id: 'task-3', task: 'slow', timeout: 5_000 },
      message: 'Task "slow" (task-3) ran longer than 5000 ms and was aborted. Raise "timeout" if it needs more.',
    },
    {
      error: new UnknownTaskError('resise', ['resize', 'report']),
      name: 'UnknownTaskError',
      transient: false,
      fields: { task: 'resise', knownTasks: ['resize', 'report'] },
      message:
        'No handler is known for task "resise" (known: "resize", "report"). Check the name, or register a handler in a worker and list it in "knownTasks".',
    },
  ])(
    '$name has a fixed name, its payload and a message that says what to do',
    ({ error, name, transient, fields, message }) => {
      expect(error).toBeInstanceOf(SyncError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error.transient).toBe(transient);
      expect(error).toMatchObject(fields);
      expect(error.message).toBe(message);
    },
  );

  it('TaskFailedError rebuilds the last error as its cause', () => {
    const error = new TaskFailedError('task-1', 'resize', 1, { name: 'TaskTimeoutError', message: 'too slow' });
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).name).toBe('TaskTimeoutError');
    expect((error.cause as Error).message).toBe('too slow');
    expect(new TaskFailedError('t', 'n', 1, { name: 'E', message: 'm' }).message).toContain('after 1 attempt:');
  });
});
