import { firstValueFrom, lastValueFrom, take, takeWhile, tap, timeout, toArray, type Observable } from 'rxjs';
import {
  cancelTask,
  submit,
  task,
  TaskCancelledError,
  TaskFailedError,
  TaskTimeoutError,
  UnknownTaskError,
  worker,
  type TaskBackend,
  type TaskBackendEvent,
  type TaskContext,
  type TaskPolicy,
  type TaskRequest,
  type TaskSubmission,
} from 'rx-sync';

/** Options of {@link describeTaskBackendContract}. */
export interface TaskBackendContractOptions<B extends TaskBackend> {
  /** Called after each test with the backend `createBackend` gave for it. */
  readonly teardown?: (backend: B) => Promise<void> | void;
  /** Multiplies every lease duration and wait of the suite (a remote backend may want 2 or 3). @defaultValue 1 */
  readonly timeScale?: number;
}

const POLICY: TaskPolicy = { attempts: 2, retryDelay: 10, maxRetryDelay: 10, retryJitter: 0, timeout: Infinity };

/**
 * The behaviour every {@link TaskBackend} must have, on the real clock: the atomic steps (enqueue
 * with idempotency, claim with tokens, token-checked renew, progress, complete and fail, cancel,
 * read, events in `seq` order, wake-up signals, stalled-claim recovery, retention) and, on top of
 * them, `submit` and `worker` end to end (retries, timeout, cancellation, errors, results).
 */
export function describeTaskBackendContract<B extends TaskBackend>(
  name: string,
  createBackend: () => B | Promise<B>,
  options: TaskBackendContractOptions<B> = {},
): void {
  const scale = options.timeScale ?? 1;
  const ms = (value: number): number => value * scale;
  const sleep = (value: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms(value)));
  const request = (overrides: Partial<TaskRequest> = {}): TaskRequest => ({
    name: 'job',
    input: '{"n":1}',
    policy: POLICY,
    retention: ms(60_000),
    ...overrides,
  });
  const one = <T>(source: Observable<T>): Promise<T> => firstValueFrom(source);
  /**
   * Asks `read` again every 10 ms until `done` holds for an answer, and returns every answer with
   * the time (performance.now) it came; fails after a generous overall deadline.
   */
  const poll = async <T>(
    read: () => Observable<T>,
    done: (answer: T) => boolean,
    what: string,
  ): Promise<{ answer: T; at: number }[]> => {
    const answers: { answer: T; at: number }[] = [];
    const deadline = performance.now() + ms(30_000);
    for (;;) {
      const answer = await one(read());
      answers.push({ answer, at: performance.now() });
      if (done(answer)) return answers;
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(10);
    }
  };
  /** Redis and the memory backend count in whole ms: a deadline may pass up to 1 ms early on this clock. */
  const RESOLUTION = 2;

  describe(`TaskBackend contract: ${name}`, () => {
    let backend: B;

    beforeEach(async () => {
      backend = await createBackend();
    });

    afterEach(async () => {
      await options.teardown?.(backend);
    });

    describe('enqueue and read', () => {
      it('stores a queued task and reads it back', async () => {
        const { id, created } = await one(backend.enqueue(request()));
        expect(created).toBe(true);
        const record = await one(backend.readTask(id));
        expect(record).toMatchObject({
          id,
          name: 'job',
          input: '{"n":1}',
          state: 'queued',
          attempt: 0,
          policy: POLICY,
        });
        expect(await one(backend.readTask('no-such-task'))).toBeUndefined();
      });

      it('returns the existing task for a taken idempotency key', async () => {
        const first = await one(backend.enqueue(request({ idempotencyKey: 'k1' })));
        const second = await one(backend.enqueue(request({ idempotencyKey: 'k1', input: '2' })));
        expect(second).toEqual({ id: first.id, created: false });
        const other = await one(backend.enqueue(request({ idempotencyKey: 'k2' })));
        expect(other.id).not.toBe(first.id);
        // Keys are per task name: another name's task with the same key is another task.
        const otherName = await one(backend.enqueue(request({ name: 'other', idempotencyKey: 'k1' })));
        expect(otherName.created).toBe(true);
        expect(otherName.id).not.toBe(first.id);
      });

      it('is cold', async () => {
        backend.enqueue(request());
        expect(await one(backend.claim({ worker: 'w', names: ['job'], leaseDuration: ms(1_000), limit: 10 }))).toEqual(
          [],
        );
      });
    });

    describe('claim', () => {
      it('hands due tasks of the given names out oldest first, each once, with growing tokens', async () => {
        const a = await one(backend.enqueue(request()));
        const b = await one(backend.enqueue(request({ name: 'other' })));
        const c = await one(backend.enqueue(request()));
        const claims = await one(backend.claim({ worker: 'w1', names: ['job'], leaseDuration: ms(1_000), limit: 1 }));
        expect(claims).toEqual([
          { id: a.id, name: 'job', input: '{"n":1}', policy: POLICY, attempt: 1, token: expect.any(Number) },
        ]);
        const more = await one(
          backend.claim({ worker: 'w2', names: ['job', 'other'], leaseDuration: ms(1_000), limit: 10 }),
        );
        expect(more.map((claim) => claim.id)).toEqual([b.id, c.id]);
        expect(
          await one(backend.claim({ worker: 'w3', names: ['job', 'other'], leaseDuration: ms(1_000), limit: 10 })),
        ).toEqual([]);
        expect(await one(backend.readTask(a.id))).toMatchObject({ state: 'running', attempt: 1, worker: 'w1' });
      });

      it('hands a lapsed claim out again, with the next attempt and a greater token; the old token is refused', async () => {
        const { id } = await one(backend.enqueue(request()));
        const [first] = await one(backend.claim({ worker: 'w1', names: ['job'], leaseDuration: ms(50), limit: 1 }));
        await sleep(120);
        const [second] = await one(backend.claim({ worker: 'w2', names: ['job'], leaseDuration: ms(1_000), limit: 1 }));
        expect(second).toMatchObject({ id, attempt: 2 });
        expect(second!.token).toBeGreaterThan(first!.token);
        expect(await one(backend.renewTask(id, first!.token, ms(1_000)))).toBe(false);
        expect(await one(backend.completeTask(id, first!.token, '"stale"'))).toBe(false);
        expect(await one(backend.reportProgress(id, first!.token, '1'))).toBe(false);
        expect(await one(backend.failTask(id, first!.token, { name: 'E', message: 'm' }, 0))).toBe(false);
        expect(await one(backend.completeTask(id, second!.token, '"fresh"'))).toBe(true);
        expect(await one(backend.readTask(id))).toMatchObject({ state: 'succeeded', result: '"fresh"', attempt: 2 });
      });

      it('puts a task handed back (lapsed, or failed with delay 0) in its first place in line', async () => {
        const a = await one(backend.enqueue(request()));
        const b = await one(backend.enqueue(request()));
        const [first] = await one(backend.claim({ worker: 'w1', names: ['job'], leaseDuration: ms(40), limit: 1 }));
        expect(first?.id).toBe(a.id);
        await sleep(100);
        const [again] = await one(backend.claim({ worker: 'w2', names: ['job'], leaseDuration: ms(1_000), limit: 1 }));
        expect(again).toMatchObject({ id: a.id, attempt: 2 });
        expect(await one(backend.failTask(a.id, again!.token, { name: 'WorkerStoppedError', message: 'm' }, 0))).toBe(
          true,
        );
        const [third] = await one(backend.claim({ worker: 'w3', names: ['job'], leaseDuration: ms(1_000), limit: 1 }));
        expect(third?.id).toBe(a.id);
        expect(
          (await one(backend.claim({ worker: 'w3', names: ['job'], leaseDuration: ms(1_000), limit: 1 })))[0]?.id,
        ).toBe(b.id);
      });

      it('fails a task whose claim lapsed on its last attempt', async () => {
        const { id } = await one(backend.enqueue(request({ policy: { ...POLICY, attempts: 1 } })));
        await one(backend.claim({ worker: 'w1', names: ['job'], leaseDuration: ms(30), limit: 1 }));
        await sleep(80);
        expect(await one(backend.readTask(id))).toMatchObject({ state: 'failed', error: { name: 'TaskStalledError' } });
      });

      it('keeps a renewed claim', async () => {
        // Renewed every 50 ms, 16 times (the last for a minute), the claim outlives its first lease
        // twice over. The claim's deadline is at least the send time of the request that last
        // extended it plus the lease, so a renewal answered within a lease of that must succeed.
        // Only a machine stalled for most of a lease may answer later; the claim may then rightly
        // have lapsed, and it must be handed out again instead.
        const lease = ms(400);
        const { id } = await one(backend.enqueue(request()));
        let extendedAt = performance.now();
        const [claim] = await one(backend.claim({ worker: 'w1', names: ['job'], leaseDuration: lease, limit: 1 }));
        for (let i = 1; i <= 16; i++) {
          await sleep(50);
          const sentAt = performance.now();
          const renewed = await one(backend.renewTask(id, claim!.token, i === 16 ? ms(60_000) : lease));
          if (!renewed && performance.now() - extendedAt >= lease) {
            const [again] = await one(
              backend.claim({ worker: 'w2', names: ['job'], leaseDuration: ms(60_000), limit: 1 }),
            );
            expect(again).toMatchObject({ id, attempt: 2 });
            expect(await one(backend.completeTask(id, again!.token, undefined))).toBe(true); // no claim left running
            return;
          }
          expect(renewed).toBe(true);
          extendedAt = sentAt;
        }
        expect(await one(backend.claim({ worker: 'w2', names: ['job'], leaseDuration: ms(60), limit: 1 }))).toEqual([]);
        expect(await one(backend.completeTask(id, claim!.token, undefined))).toBe(true);
      });
    });

    describe('completeTasks (optional)', () => {
      it('completes tasks, each token-checked, and claims the next ones of their name in the same step', async () => {
        const completeTasks = backend.completeTasks?.bind(backend);
        if (!completeTasks) return; // the backend has no fast path: workers complete, then claim
        const ids: string[] = [];
        for (let n = 0; n < 4; n++) ids.push((await one(backend.enqueue(request()))).id);
        const claimed = await one(backend.claim({ worker: 'w', names: ['job'], leaseDuration: ms(1_000), limit: 2 }));
        expect(claimed.map(({ id }) => id)).toEqual(ids.slice(0, 2));
        const next = { worker: 'w', names: ['job'], leaseDuration: ms(1_000), limit: 2 };
        const reply = await one(
          completeTasks(
            [
              { id: claimed[0]!.id, token: claimed[0]!.token, result: '"a"' },
              { id: claimed[1]!.id, token: claimed[1]!.token + 1, result: '"stale"' }, // not its claim
              { id: claimed[1]!.id, token: claimed[1]!.token, result: undefined },
            ],
            next,
          ),
        );
        expect(reply.completed).toEqual([true, false, true]);
        expect(reply.claims?.map(({ id, attempt }) => ({ id, attempt }))).toEqual([
          { id: ids[2], attempt: 1 },
          { id: ids[3], attempt: 1 },
        ]);
        expect(reply.claims![0]!.token).toBeGreaterThan(claimed[1]!.token);
        expect(await one(backend.readTask(ids[0]!))).toMatchObject({ state: 'succeeded', result: '"a"' });
        expect(await one(backend.readTask(ids[1]!))).toMatchObject({ state: 'succeeded' });
        expect((await one(backend.readTask(ids[1]!)))?.result).toBeUndefined();
        // Done already: completes nothing; without `next`, claims nothing and says so.
        expect(
          await one(completeTasks([{ id: ids[0]!, token: claimed[0]!.token, result: '"again"' }], undefined)),
        ).toEqual({
          completed: [false],
        });
      });
    });

    describe('events and signals', () => {
      it('publishes every step of a task in seq order', async () => {
        const { id } = await one(backend.enqueue(request()));
        // Up to the last event: on a remote backend it may arrive after the step's own reply (another connection).
        const events = lastValueFrom(
          backend.taskEvents(id).pipe(
            takeWhile((event) => event.type !== 'succeeded', true),
            toArray(),
            timeout(ms(5_000)),
          ),
        );
        const [first] = await one(backend.claim({ worker: 'w1', names: ['job'], leaseDuration: ms(1_000), limit: 1 }));
        expect(await one(backend.reportProgress(id, first!.token, '0.5'))).toBe(true);
        expect(await one(backend.failTask(id, first!.token, { name: 'Error', message: 'boom' }, ms(10)))).toBe(true);
        await sleep(30);
        const [second] = await one(backend.claim({ worker: 'w2', names: ['job'], leaseDuration: ms(1_000), limit: 1 }));
        expect(await one(backend.completeTask(id, second!.token, '42'))).toBe(true);
        const seen: TaskBackendEvent[] = await events;
        expect(seen.map(({ type }) => type)).toEqual(['started', 'progress', 'retrying', 'started', 'succeeded']);
        expect(seen.map(({ seq }) => seq)).toEqual([2, 3, 4, 5, 6]);
        expect(seen[2]).toMatchObject({ attempt: 1, error: { name: 'Error', message: 'boom' }, delay: ms(10) });
        expect(seen[4]).toEqual({ type: 'succeeded', id, seq: 6, result: '42' });
        expect(await one(backend.readTask(id))).toMatchObject({ seq: 6 });
      });

      it('enqueueAndFollow: the reply first, then every event of the task it created from queued on, and of an existing one from then on', async () => {
        const upTo = (type: TaskBackendEvent['type']) => (signal: TaskSubmission) => signal.type !== type;
        // A claim that answers the reply at once: on a remote backend its `started` may well be
        // published before the reply reaches this process (another connection).
        const heard = lastValueFrom(
          backend.enqueueAndFollow(request({ idempotencyKey: 'f' })).pipe(
            tap((signal) => {
              if (signal.type === 'enqueued') {
                void one(backend.claim({ worker: 'w1', names: ['job'], leaseDuration: ms(1_000), limit: 1 })).then(
                  ([claim]) => one(backend.completeTask(signal.id, claim!.token, '7')),
                );
              }
            }),
            takeWhile(upTo('succeeded'), true),
            toArray(),
            timeout(ms(5_000)),
          ),
        );
        const signals = await heard;
        const id = signals[0]?.type === 'enqueued' ? signals[0].id : '';
        expect(signals).toEqual([
          { type: 'enqueued', id, created: true },
          { type: 'queued', id, seq: 1 },
          { type: 'started', id, seq: 2, attempt: 1, worker: 'w1' },
          { type: 'succeeded', id, seq: 3, result: '7' },
        ]);
        // The same idempotency key: the existing task, and nothing enqueued.
        const again = await lastValueFrom(
          backend.enqueueAndFollow(request({ idempotencyKey: 'f' })).pipe(take(1), timeout(ms(5_000))),
        );
        expect(again).toEqual({ type: 'enqueued', id, created: false });
        expect(await one(backend.claim({ worker: 'w1', names: ['job'], leaseDuration: ms(1_000), limit: 1 }))).toEqual(
          [],
        );
      });

      it('does not hand out a retry before its delay', async () => {
        // Claims from the moment the failure is sent: the retry is due at least `delay` after it, so
        // the claim that gets it cannot have been answered sooner (whatever the machine's speed).
        const delay = ms(200);
        const { id } = await one(backend.enqueue(request()));
        const [claim] = await one(backend.claim({ worker: 'w1', names: ['job'], leaseDuration: ms(60_000), limit: 1 }));
        const failedAt = performance.now();
        await one(backend.failTask(id, claim!.token, { name: 'E', message: 'm' }, delay));
        const claims = await poll(
          () => backend.claim({ worker: 'w1', names: ['job'], leaseDuration: ms(60_000), limit: 1 }),
          (claimed) => claimed.length > 0,
          'the retry',
        );
        const handedOut = claims.at(-1)!;
        expect(handedOut.answer).toMatchObject([{ id, attempt: 2 }]);
        expect(handedOut.at - failedAt).toBeGreaterThanOrEqual(delay - RESOLUTION);
        // No claim left running (on memory its lease timer would keep the process alive for a minute).
        expect(await one(backend.completeTask(id, handedOut.answer[0]!.token, undefined))).toBe(true);
      });

      it('signals idle workers of the name when a task is enqueued or due again', async () => {
        const signals = lastValueFrom(backend.taskSignals(['job']).pipe(take(2), toArray()));
        const { id } = await one(backend.enqueue(request()));
        await one(backend.enqueue(request({ name: 'other' })));
        const [claim] = await one(backend.claim({ worker: 'w1', names: ['job'], leaseDuration: ms(1_000), limit: 1 }));
        await one(backend.failTask(id, claim!.token, { name: 'E', message: 'm' }, ms(10)));
        expect(await signals).toHaveLength(2);
      });
    });

    describe('cancel and retention', () => {
      it('cancels a queued task, which is then never claimed', async () => {
        const { id } = await one(backend.enqueue(request()));
        expect(await one(backend.cancelTask(id))).toBe(true);
        expect(await one(backend.cancelTask(id))).toBe(false);
        expect(await one(backend.claim({ worker: 'w', names: ['job'], leaseDuration: ms(1_000), limit: 1 }))).toEqual(
          [],
        );
        expect(await one(backend.readTask(id))).toMatchObject({ state: 'cancelled' });
      });

      it('cancels a running task: its claim ends', async () => {
        const { id } = await one(backend.enqueue(request()));
        const [claim] = await one(backend.claim({ worker: 'w', names: ['job'], leaseDuration: ms(1_000), limit: 1 }));
        expect(await one(backend.cancelTask(id))).toBe(true);
        expect(await one(backend.renewTask(id, claim!.token, ms(1_000)))).toBe(false);
        expect(await one(backend.completeTask(id, claim!.token, '1'))).toBe(false);
      });

      it('forgets a finished task, and frees its idempotency key, after its retention', async () => {
        // Reads from the moment the completion is sent: the record is kept at least `retention`
        // after it, so until it is gone every read shows it succeeded, and the read that finds it
        // gone cannot have been answered sooner (whatever the machine's speed).
        const retention = ms(200);
        const { id } = await one(backend.enqueue(request({ idempotencyKey: 'r', retention })));
        const [claim] = await one(backend.claim({ worker: 'w', names: ['job'], leaseDuration: ms(60_000), limit: 1 }));
        const completedAt = performance.now();
        await one(backend.completeTask(id, claim!.token, '1'));
        const reads = await poll(
          () => backend.readTask(id),
          (record) => record === undefined,
          'the record to be forgotten',
        );
        expect(reads.slice(0, -1).map(({ answer }) => answer?.state)).toEqual(
          reads.slice(0, -1).map(() => 'succeeded'),
        );
        expect(reads.at(-1)!.at - completedAt).toBeGreaterThanOrEqual(retention - RESOLUTION);
        expect(await one(backend.enqueue(request({ idempotencyKey: 'r' })))).toMatchObject({ created: true });
      });
    });

    describe('submit and worker on this backend', () => {
      const options = { leaseDuration: ms(1_000), pollInterval: ms(50), gracePeriod: ms(100) };

      it('runs a task to its result, with progress, retrying a failed attempt', async () => {
        const pool = worker(
          backend,
          {
            flaky: (input: { n: number }, context: TaskContext) => {
              context.progress(context.attempt);
              if (context.attempt === 1) throw new Error('first attempt fails');
              return { doubled: input.n * 2 };
            },
          },
          options,
        ).subscribe();
        const events = await lastValueFrom(
          submit(backend, 'flaky', { n: 21 }, { retryDelay: ms(10), retryJitter: 0 }).pipe(toArray()),
        );
        pool.unsubscribe();
        expect(events.map(({ type }) => type)).toEqual([
          'queued',
          'started',
          'progress',
          'retrying',
          'started',
          'progress',
          'succeeded',
        ]);
        expect(events.at(-1)).toMatchObject({ type: 'succeeded', result: { doubled: 42 } });
      });

      it('shows a submitter every event of its task, even when a worker that is already running finishes each attempt at once', async () => {
        // Regression: the submitter followed only once its enqueue had replied, so on memory the
        // first attempt's `started` and `retrying` never reached it, and on Redis often no `started`.
        const pool = worker(
          backend,
          {
            twiceBroken: (_input: null, context: TaskContext) => {
              if (context.attempt < 3) throw new Error(`attempt ${context.attempt} fails`);
              return 'third time lucky';
            },
          },
          options,
        ).subscribe();
        for (let round = 0; round < 5; round++) {
          const events = await lastValueFrom(
            submit(backend, 'twiceBroken', null, { attempts: 3, retryDelay: ms(5), retryJitter: 0 }).pipe(toArray()),
          );
          expect(events.map((event) => ('attempt' in event ? `${event.type}#${event.attempt}` : event.type))).toEqual([
            'queued',
            'started#1',
            'retrying#1',
            'started#2',
            'retrying#2',
            'started#3',
            'succeeded',
          ]);
        }
        pool.unsubscribe();
      });

      it('errors with TaskFailedError after the last attempt, and TaskCancelledError when cancelled', async () => {
        const pool = worker(
          backend,
          {
            broken: () => {
              throw new TypeError('sync throw');
            },
          },
          options,
        ).subscribe();
        await expect(lastValueFrom(submit(backend, 'broken', null, { attempts: 1 }))).rejects.toBeInstanceOf(
          TaskFailedError,
        );
        const queued = await one(submit(backend, 'nobody', null, { idempotencyKey: 'n' }));
        await one(cancelTask(backend, queued.id));
        await expect(lastValueFrom(submit(backend, 'nobody', null, { idempotencyKey: 'n' }))).rejects.toBeInstanceOf(
          TaskCancelledError,
        );
        pool.unsubscribe();
        const first = await one(task(backend, queued.id));
        expect(first).toMatchObject({ state: 'cancelled', name: 'nobody' });
      });

      it('aborts an attempt that outlives its timeout and fails the task with TaskTimeoutError as its cause', async () => {
        let aborted: unknown;
        const pool = worker(
          backend,
          {
            stuck: (_input: null, { signal }: TaskContext) =>
              new Promise((_resolve, reject) =>
                signal.addEventListener('abort', () => {
                  aborted = signal.reason;
                  reject(signal.reason as Error);
                }),
              ),
          },
          options,
        ).subscribe();
        const failure = await lastValueFrom(submit(backend, 'stuck', null, { attempts: 1, timeout: ms(50) })).catch(
          (error: unknown) => error,
        );
        pool.unsubscribe();
        expect(failure).toBeInstanceOf(TaskFailedError);
        expect((failure as TaskFailedError).lastError).toMatchObject({ name: 'TaskTimeoutError' });
        expect(aborted).toBeInstanceOf(TaskTimeoutError);
      });

      it('refuses bad input at call time and an unknown name at subscription, enqueuing nothing', async () => {
        expect(() => submit(backend, 'job', { at: new Date() })).toThrow(TypeError);
        expect(() => submit(backend, 'job', { n: 1n })).toThrow(TypeError);
        expect(() => submit(backend, '', null)).toThrow(TypeError);
        await expect(lastValueFrom(submit(backend, 'job', null, { knownTasks: ['other'] }))).rejects.toBeInstanceOf(
          UnknownTaskError,
        );
        expect(await one(backend.claim({ worker: 'w', names: ['job'], leaseDuration: ms(1_000), limit: 10 }))).toEqual(
          [],
        );
      });
    });
  });
}
