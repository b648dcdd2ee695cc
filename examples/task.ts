/**
 * Tasks on the memory backend: a worker pool with concurrency, a task's life (queued, started,
 * progress, result), a retry after a failure, a timeout that aborts the handler, cancellation,
 * an idempotency key, a leader-gated schedule, and go-sync's `task.Run` through the Promise facade.
 *
 * Run it: npx tsx --tsconfig examples/tsconfig.json examples/task.ts
 */
import { lastValueFrom, take, tap } from 'rxjs';
import {
  cancelTask,
  createTaskRunner,
  schedule,
  submit,
  TaskCancelledError,
  TaskFailedError,
  worker,
  type TaskContext,
} from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';

const started = performance.now();
function log(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(3).padStart(7)}s] ${message}`);
}
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });

async function main(): Promise<void> {
  const backend = createMemoryBackend();

  // 1. A worker is a stream: subscribing starts a pool of 3 that claims tasks of these names.
  const handlers = {
    thumbnail: async (input: { image: string }, { progress, signal, attempt, token }: TaskContext) => {
      for (const step of [25, 50, 75]) {
        await sleep(30, signal);
        progress(step);
      }
      return { image: input.image, size: '64x64', attempt, token };
    },
    flaky: async (input: { failures: number }, { attempt }: TaskContext) => {
      await sleep(10);
      if (attempt <= input.failures) throw new Error(`attempt ${attempt} failed`);
      return `succeeded on attempt ${attempt}`;
    },
    slow: (_: null, { signal }: TaskContext) => sleep(10_000, signal).then(() => 'never'),
  };
  const pool = worker(backend, handlers, { concurrency: 3, name: 'pool-1' }).subscribe((event) =>
    log(`worker: ${event.type} ${event.name} ${event.id} (attempt ${event.attempt})`),
  );

  // 2. Submitting returns the task's life as an Observable; the result is a value.
  await lastValueFrom(
    submit(backend, 'thumbnail', { image: 'cat.png' }).pipe(tap((event) => log(`thumbnail: ${JSON.stringify(event)}`))),
  );

  // 3. Retries with backoff: two failures, then success on the third attempt.
  await lastValueFrom(
    submit(backend, 'flaky', { failures: 2 }, { attempts: 3, retryDelay: 50, retryJitter: 0 }).pipe(
      tap((event) => {
        if (event.type === 'retrying') log(`flaky: retrying in ${event.delay} ms after "${event.error.message}"`);
        if (event.type === 'succeeded') log(`flaky: ${String(event.result)}`);
      }),
    ),
  );

  // 4. A timeout aborts the handler through its AbortSignal; with no attempt left, the task fails.
  try {
    await lastValueFrom(submit(backend, 'slow', null, { timeout: 100, attempts: 1 }));
  } catch (error) {
    if (error instanceof TaskFailedError) log(`slow: ${error.message}`);
  }

  // 5. Cancelling a running task aborts it; the submitter gets TaskCancelledError.
  const cancelled = lastValueFrom(
    submit(backend, 'slow', null).pipe(
      tap((event) => {
        if (event.type === 'started') cancelTask(backend, event.id).subscribe();
      }),
    ),
  ).catch((error: unknown) =>
    log(`slow again: ${error instanceof TaskCancelledError ? error.message : String(error)}`),
  );
  await cancelled;

  // 6. An idempotency key: the second submit runs nothing and gets the first task's result.
  const first = await lastValueFrom(submit(backend, 'flaky', { failures: 0 }, { idempotencyKey: 'order-42' }));
  const second = await lastValueFrom(submit(backend, 'flaky', { failures: 0 }, { idempotencyKey: 'order-42' }));
  log(`idempotent: ${first.id} and ${second.id} are the same task`);

  // 7. A schedule: only the leader of "cron" submits, once per tick, whatever the number of nodes.
  await lastValueFrom(
    schedule(backend, 'cron', 'flaky', {
      interval: 100,
      input: { failures: 0 },
      leadership: { candidate: 'node-a' },
    }).pipe(
      take(3),
      tap((tick) => log(`schedule: tick ${tick.tick} submitted as ${tick.id}`)),
    ),
  );
  pool.unsubscribe(); // stops claiming; running tasks get the grace period

  // 8. go-sync's task.Run(Command{Name, Func}) with WithPool(10): the Promise facade.
  const runner = createTaskRunner(backend, {
    handlers: { add: (input: { a: number; b: number }) => input.a + input.b },
    concurrency: 10,
  });
  const sums = await Promise.all([1, 2, 3].map((a) => runner.run<number>({ name: 'add', input: { a, b: 100 } })));
  log(`runner: ${sums.join(', ')}`);
  await runner.close();

  log('done: every worker stopped, nothing left running');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
