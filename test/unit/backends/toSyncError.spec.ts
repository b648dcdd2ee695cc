import { inspect } from 'node:util';
import { ReplyError as AnyReplyError } from 'ioredis';
import { BackendReplyError, BackendUnavailableError } from 'rx-sync';
import { toSyncError } from '../../../src/backends/redis/toSyncError.js';

/** ioredis's reply error class (typed `any` by ioredis). */
const ReplyError = AnyReplyError as new (message: string) => Error;

const PASSWORD = 'pw-9f8e7d6c5b4a';

/** An error as ioredis makes it when AUTH fails: the command, password included, attached. */
function authError(): Error & { command: { name: string; args: string[] } } {
  const error = new ReplyError('WRONGPASS invalid username-password pair or user is disabled.') as Error & {
    command: { name: string; args: string[] };
  };
  error.command = { name: 'auth', args: ['app', PASSWORD] };
  return error;
}

describe('toSyncError', () => {
  it('keeps the driver error as cause, with its command name but not its arguments', () => {
    const original = authError();
    const error = toSyncError('get', original);
    expect(error).toBeInstanceOf(BackendReplyError);
    expect(error.message).toMatch(/WRONGPASS/);
    const cause = error.cause as Error & { command: unknown };
    expect(cause).toBeInstanceOf(ReplyError);
    expect(cause.message).toBe(original.message);
    expect(cause.stack).toBe(original.stack);
    expect(cause.command).toEqual({ name: 'auth' });
    expect(inspect(error, { depth: Infinity, showHidden: true })).not.toContain(PASSWORD);
    expect(inspect(error)).toMatch(/\[cause\]: ReplyError: WRONGPASS/);
    // The driver's own object is left as it was.
    expect(original.command.args).toEqual(['app', PASSWORD]);
  });

  it('strips the errors a cause holds (an AggregateError, a cause chain)', () => {
    const wrapped = new Error('Connection is closed.', { cause: authError() });
    const error = toSyncError('put', new AggregateError([authError(), wrapped], 'all failed'));
    expect(error).toBeInstanceOf(BackendUnavailableError);
    const cause = error.cause as AggregateError;
    expect(cause).toBeInstanceOf(AggregateError);
    expect(cause.errors).toHaveLength(2);
    expect(inspect(error, { depth: Infinity, showHidden: true })).not.toContain(PASSWORD);
  });

  it("strips the cause of the backend's own errors (quorum mode's AggregateError of the masters' errors)", () => {
    const own = new BackendUnavailableError('redis', 'tryAcquire', {
      cause: new AggregateError([authError(), authError()], 'quorum not reached'),
    });
    const error = toSyncError('tryAcquire', own);
    expect(error).toBe(own);
    expect((error.cause as AggregateError).message).toBe('quorum not reached');
    expect(inspect(error, { depth: Infinity, showHidden: true })).not.toContain(PASSWORD);
  });

  it('leaves an error without a command as it is', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    const error = toSyncError('get', refused);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.cause).toBe(refused);
  });
});
