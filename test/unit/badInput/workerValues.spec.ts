import { lastValueFrom, toArray, type Subscription } from 'rxjs';
import { submit, TaskFailedError, worker, type TaskContext, type TaskHandlers } from 'rx-sync';
import { createTestBackend, type TestBackend } from 'rx-sync/testing';

/**
 * What a worker does with values that only appear at run time, when a handler produces them: a
 * result or progress value that is too large or not JSON, an error whose name or message exceeds
 * the backend's limits. None may leave the task hanging until its lease lapses, and none may reach
 * the backend unchecked.
 */

const LIMITS = { maxNameLength: 128, maxValueSize: 1_024 };
/** Far longer than any of these tests: a task that waited for its lease to lapse would time the test out. */
const LEASE = { leaseDuration: 600_000, pollInterval: 5 };

let backend: TestBackend;
let running: Subscription | undefined;

beforeEach(() => {
  backend = createTestBackend({ limits: LIMITS });
});

afterEach(() => {
  running?.unsubscribe();
  running = undefined;
  expect(backend.inspect()).toEqual({ leasesHeld: 0, watchers: 0 });
  expect(backend.tasksRunning()).toBe(0);
});

function run(handlers: TaskHandlers): void {
  running = worker(backend, handlers, { ...LEASE, gracePeriod: 0 }).subscribe();
}

async function failureOf(name: string): Promise<TaskFailedError> {
  const error = await lastValueFrom(submit(backend, name, null, { attempts: 1 })).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(TaskFailedError);
  return error as TaskFailedError;
}

describe('a handler result', () => {
  it('larger than limits.maxValueSize fails the attempt with a RangeError naming `result`, at once', async () => {
    run({ big: () => 'x'.repeat(LIMITS.maxValueSize) }); // + 2 quotes as JSON
    const { lastError } = await failureOf('big');
    expect(lastError.name).toBe('RangeError');
    expect(lastError.message).toContain('`result`');
    expect(lastError.message).toContain('limits.maxValueSize');
  });

  it('that JSON cannot carry fails the attempt with a TypeError naming `result`', async () => {
    run({ dated: () => ({ at: new Date(0) }), counted: () => 10n });
    for (const name of ['dated', 'counted']) {
      const { lastError } = await failureOf(name);
      expect(lastError.name).toBe('TypeError');
      expect(lastError.message).toContain('`result');
    }
  });
});

describe('a progress value', () => {
  it('too large or not JSON throws at the call, inside the handler, and nothing is reported', async () => {
    const caught: unknown[] = [];
    run({
      report: (_input: unknown, context: TaskContext) => {
        for (const value of ['p'.repeat(LIMITS.maxValueSize), { at: new Date(0) }, [undefined]]) {
          try {
            context.progress(value);
          } catch (error: unknown) {
            caught.push(error);
          }
        }
        return 'done';
      },
    });
    const events = await lastValueFrom(submit(backend, 'report', null).pipe(toArray()));
    expect(events.map((event) => event.type)).not.toContain('progress');
    expect(events.at(-1)?.type).toBe('succeeded');
    expect(caught.map((error) => (error as Error).name)).toEqual(['RangeError', 'TypeError', 'TypeError']);
    for (const error of caught) expect((error as Error).message).toContain('`progress value');
  });
});

describe('a handler error', () => {
  it('with a message beyond limits.maxValueSize is stored cut to fit, and the task fails at once', async () => {
    run({
      loud: () => {
        throw new Error('m'.repeat(10 * LIMITS.maxValueSize));
      },
    });
    const { lastError } = await failureOf('loud');
    expect(lastError.name).toBe('Error');
    expect(Buffer.byteLength(lastError.message)).toBeLessThanOrEqual(LIMITS.maxValueSize);
    expect(lastError.message).toMatch(/^m+ … \(cut\)$/);
  });

  it('with a name beyond limits.maxNameLength, or of many-byte characters, is stored cut to fit', async () => {
    class VeryLongNamedError extends Error {
      override readonly name = 'E'.repeat(3 * LIMITS.maxNameLength);
    }
    run({
      named: () => {
        throw new VeryLongNamedError('short');
      },
      wide: () => {
        throw new Error('語'.repeat(LIMITS.maxValueSize));
      },
    });
    const named = await failureOf('named');
    expect(named.lastError.name).toBe('E'.repeat(LIMITS.maxNameLength));
    expect(named.lastError.message).toBe('short');
    const wide = await failureOf('wide');
    expect(Buffer.byteLength(wide.lastError.message)).toBeLessThanOrEqual(LIMITS.maxValueSize);
  });
});
