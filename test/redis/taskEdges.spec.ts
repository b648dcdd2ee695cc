/**
 * The task queue on a real redis-server, where the shared contract (test/redis/tasks.spec.ts) cannot
 * reach: a lost pub/sub connection, claims across names, ioredis `keyPrefix`, stalled claims judged
 * by the server clock, a data-losing restart, bad ids, retention down to the last key, and
 * `NonRetryableError`.
 */
import { lastValueFrom, toArray } from 'rxjs';
import {
  cancelTask,
  NonRetryableError,
  submit,
  task,
  TaskCancelledError,
  TaskFailedError,
  UnknownTaskError,
  worker,
  type TaskBackendEvent,
  type TaskContext,
  type TaskEvent,
  type TaskPolicy,
  type TaskRequest,
  type WorkerEvent,
  type WorkerOptions,
} from 'rx-sync';
import { RedisKeys } from '../../src/backends/redis/redisKeys.js';
import { decodeTaskEvent } from '../../src/backends/redis/tasks/taskEventMessage.js';
import { commandCalls, listening, ready, type Redis, Resources, useRedisServer } from '../support/redisTestKit.js';
import { randomName, randomPrefix, single, waitUntil } from '../support/testKit.js';

const server = useRedisServer();
let admin: Redis;
const resources = new Resources();

beforeEach(() => {
  admin = resources.client(server);
});
afterEach(() => resources.release());

/** A worker that renews often, polls often and aborts at once when unsubscribed. */
const WORKER: WorkerOptions = { leaseDuration: 3_000, pollInterval: 100, gracePeriod: 0 };
const POLICY: TaskPolicy = { attempts: 1, retryDelay: 10, maxRetryDelay: 10, retryJitter: 0, timeout: Infinity };

function request(name: string, overrides: Partial<TaskRequest> = {}): TaskRequest {
  return { name, input: 'null', policy: POLICY, retention: 60_000, ...overrides };
}

/** The task number of a `NAME:n` id. */
function numberOf(id: string): bigint {
  return BigInt(id.slice(id.lastIndexOf(':') + 1));
}

/** The Redis server's clock, in microseconds. */
async function serverMicroseconds(client: Redis): Promise<bigint> {
  const [seconds, microseconds] = await client.time();
  return BigInt(Number(seconds)) * 1_000_000n + BigInt(Number(microseconds));
}

/** Every key of the server that matches `pattern` (SCAN, no keyPrefix involved). */
async function scanAll(client: Redis, pattern: string): Promise<string[]> {
  const found = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    for (const key of batch) found.add(key);
    cursor = next;
  } while (cursor !== '0');
  return [...found].sort();
}

/** A promise the test resolves to let a handler go on. */
class Gate {
  readonly opened: Promise<void>;
  open!: () => void;
  constructor() {
    this.opened = new Promise<void>((resolve) => (this.open = resolve));
  }
}

/**
 * Resolves when `gate` opens, rejects with the abort reason when `signal` is aborted first (a
 * handler must never outlive its attempt, or it would outlive the test).
 */
function passed(gate: Gate, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void gate.opened.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

describe('a lost pub/sub connection (CLIENT KILL TYPE pubsub)', () => {
  /** ACL users made for these tests, deleted once every client is closed (deleting one drops its connections). */
  const users: string[] = [];
  afterAll(async () => {
    const cleanup = resources.client(server);
    for (const user of users.splice(0)) await cleanup.call('ACL', 'DELUSER', user);
    await resources.release();
  });

  /**
   * A follower of a task (`submit`) and the worker running it share one backend, whose client logs in
   * as its own ACL user. Disabling that user keeps the established command connection working but
   * makes every reconnection of the subscriber connection fail, so the test decides how long each gap
   * lasts and what happens in it. Gap 1, while the handler runs: a progress report is lost. Gap 2: the
   * task succeeds, so its `succeeded` message is lost for good.
   */
  async function twoGaps() {
    const prefix = randomPrefix('gap');
    const user = randomName('user');
    users.push(user);
    await admin.call('ACL', 'SETUSER', user, 'on', '>secret', '~*', '&*', '+@all');
    const client = resources.client(server, { username: user, password: 'secret' });
    const backend = resources.backend({ client, prefix });
    const channel = new RedisKeys(prefix).taskChannel('job');
    /** Ends the subscriber connection and keeps it from coming back until `reconnect()`. */
    const cut = async (): Promise<void> => {
      await admin.call('ACL', 'SETUSER', user, 'off');
      expect(await admin.call('CLIENT', 'KILL', 'USER', user, 'TYPE', 'pubsub')).toBe(1);
      await listening(admin, channel, 0);
    };
    const reconnect = async (): Promise<void> => {
      await admin.call('ACL', 'SETUSER', user, 'on');
      await listening(admin, channel, 1, 15_000);
    };

    const inGap = new Gate();
    const finish = new Gate();
    const attempts: number[] = [];
    const pool = resources.record(
      worker(
        backend,
        {
          job: async (input: { n: number }, { attempt, progress, signal }: TaskContext) => {
            attempts.push(attempt);
            await passed(inGap, signal);
            progress('in the gap');
            await passed(finish, signal);
            return input.n * 2;
          },
        },
        { ...WORKER, name: 'w1', leaseDuration: 2_000 },
      ),
      'worker',
    );
    const follower = resources.record(submit<number>(backend, 'job', { n: 21 }, { attempts: 2 }), 'submit');
    await follower.until((r) => r.values.some((event) => event.type === 'started'), 'see the attempt start');
    const { id } = follower.values[0]!;
    await listening(admin, channel);

    await cut();
    inGap.open();
    await waitUntil(async () => (await single(backend.readTask(id)))?.seq === 3, 10_000, 'the progress to be stored');
    await reconnect();
    // The catch-up reads of the gap are queued before this read on the same connection: once it
    // answers, the follower and the worker have both seen the record of the running attempt.
    expect(await single(backend.readTask(id))).toMatchObject({ state: 'running', attempt: 1, seq: 3 });
    expect(pool.values.map((event) => event.type)).toEqual(['started']);

    await cut();
    finish.open();
    await pool.until((r) => r.values.some((event) => event.type === 'succeeded'), 'report success');
    expect(await single(backend.readTask(id))).toMatchObject({ state: 'succeeded', result: '42', attempt: 1 });
    expect(follower.ended).toBe(false); // its `succeeded` message went nowhere
    await admin.call('ACL', 'SETUSER', user, 'on');
    await follower.completion(15_000);
    return { id, follower, pool, attempts };
  }

  it('keeps a follower and a running worker going: the result comes from the record, the attempt is not abandoned', async () => {
    const { id, follower, pool, attempts } = await twoGaps();
    expect(follower.values.at(-1)).toEqual({ type: 'succeeded', id, result: 42 });
    expect(follower.values[0]).toEqual({ type: 'queued', id });
    for (const event of follower.values.slice(1, -1)) expect(event).toMatchObject({ type: 'started', id, attempt: 1 });
    expect(pool.values).toEqual([
      { type: 'started', id, name: 'job', attempt: 1 },
      { type: 'succeeded', id, name: 'job', attempt: 1 },
    ]);
    expect(attempts).toEqual([1]);
  });

  /*
   * Regression: after a gap in which only progress was reported, the catch-up found the record
   * newer than the last event heard and emitted `started` again for the running attempt, which
   * `submit` passed on. `followTask` now tells `started` once per attempt.
   */
  it('does not repeat `started` for an attempt after a gap in which only progress was lost', async () => {
    const { follower } = await twoGaps();
    expect(follower.values.map((event) => event.type)).toEqual(['queued', 'started', 'succeeded']);
  });
});

describe('a worker of several names', () => {
  it('claims the oldest task first across names and never runs more than `concurrency` at once', async () => {
    const prefix = randomPrefix('names');
    const backend = resources.backend({ client: resources.client(server), prefix });
    const names = ['alpha', 'beta', 'gamma'];
    const order = ['beta', 'alpha', 'gamma', 'gamma', 'alpha', 'beta', 'alpha', 'gamma'];
    const ids: string[] = [];
    for (const name of order) ids.push((await single(backend.enqueue(request(name)))).id);

    const started: string[] = [];
    const gates = new Map<string, Gate>();
    let running = 0;
    let mostRunning = 0;
    const handler = async (_input: null, { id, signal }: TaskContext): Promise<string> => {
      started.push(id);
      running++;
      mostRunning = Math.max(mostRunning, running);
      try {
        const gate = new Gate();
        gates.set(id, gate);
        await passed(gate, signal);
        return id;
      } finally {
        running--;
      }
    };
    const pool = resources.record(
      worker(backend, Object.fromEntries(names.map((name) => [name, handler])), { ...WORKER, concurrency: 2 }),
      'worker',
    );
    // Two run at a time; each time the older one finishes, the next claim must take the oldest left.
    for (let index = 0; index < ids.length; index++) {
      const expected = Math.min(index + 2, ids.length);
      await waitUntil(() => started.length >= expected, 10_000, `${expected} tasks to start`);
      gates.get(started[index]!)!.open();
    }
    await pool.until(
      (r) => r.values.filter((event) => event.type === 'succeeded').length === ids.length,
      'finish every task',
    );
    expect(started).toEqual(ids);
    expect(mostRunning).toBe(2);
    expect(pool.values.filter((event) => event.type === 'started').map((event) => event.id)).toEqual(ids);
  });

  it('hands out the oldest across names whatever order the names are given in, up to the limit', async () => {
    const prefix = randomPrefix('claim');
    const backend = resources.backend({ client: resources.client(server), prefix });
    const ids: string[] = [];
    for (const name of ['c', 'a', 'b', 'a', 'c', 'b']) ids.push((await single(backend.enqueue(request(name)))).id);
    const first = await single(backend.claim({ worker: 'w', names: ['b', 'c', 'a'], leaseDuration: 10_000, limit: 4 }));
    expect(first.map((claim) => claim.id)).toEqual(ids.slice(0, 4));
    expect(new Set(first.map((claim) => claim.token)).size).toBe(4);
    const rest = await single(
      backend.claim({ worker: 'w', names: ['a', 'a', 'b', 'c'], leaseDuration: 10_000, limit: 4 }),
    );
    expect(rest.map((claim) => claim.id)).toEqual(ids.slice(4));
    expect(
      await single(backend.claim({ worker: 'w', names: ['a', 'b', 'c'], leaseDuration: 10_000, limit: 4 })),
    ).toEqual([]);
  });
});

describe('task names with colons, braces and non-ASCII characters', () => {
  it('run end to end, and their ids lead back to their records', async () => {
    const prefix = randomPrefix('names');
    const backend = resources.backend({ client: resources.client(server), prefix });
    const names = ['img:{x}:v2', '}{', 'tâche 🙂'];
    const followers = names.map((name) => resources.record(submit<string>(backend, name, name), name));
    for (const follower of followers) await follower.nth(0);
    const pool = resources.record(
      worker(backend, Object.fromEntries(names.map((name) => [name, (input: string) => `done ${input}`])), WORKER),
      'worker',
    );
    for (const [index, follower] of followers.entries()) {
      await follower.completion();
      const { id } = follower.values[0]!;
      expect(id.startsWith(`${names[index]}:`)).toBe(true);
      expect(follower.last).toEqual({ type: 'succeeded', id, result: `done ${names[index]}` });
      expect(await single(task(backend, id))).toMatchObject({ id, name: names[index], state: 'succeeded' });
    }
    expect(pool.values.filter((event) => event.type === 'succeeded')).toHaveLength(names.length);
    // Each name keeps its keys under its own (escaped) tag.
    const keys = await scanAll(admin, `${prefix}:*`);
    for (const name of names) {
      const [, , , counter] = new RedisKeys(prefix).taskKeys(name);
      expect(keys).toContain(counter);
    }
  });
});

describe('a client with an ioredis keyPrefix', () => {
  it('runs tasks end to end, and every key it writes starts with the keyPrefix', async () => {
    const keyPrefix = `${randomPrefix('kp')}:`;
    const prefix = randomPrefix('tasks');
    const client = resources.client(server, { keyPrefix });
    const backend = resources.backend({ client, prefix });
    /** Keys of this test (the backend prefix), wherever they are. */
    const written = (): Promise<string[]> => scanAll(admin, `*${prefix}*`);
    const expectAllPrefixed = async (): Promise<string[]> => {
      const keys = await written();
      expect(keys.filter((key) => !key.startsWith(keyPrefix))).toEqual([]);
      return keys;
    };

    const options = { idempotencyKey: 'once', retryDelay: 50, retryJitter: 0 };
    // The submitter follows the task before a worker exists, so it sees every event.
    const first = resources.record(submit<number>(backend, 'double', 21, options), 'submit');
    await first.nth(0);
    await expectAllPrefixed();
    const second = new Gate();
    const pool = resources.record(
      worker(
        backend,
        {
          double: async (n: number, { attempt, signal }: TaskContext) => {
            if (attempt === 1) throw new Error('first attempt fails');
            await passed(second, signal);
            return n * 2;
          },
        },
        WORKER,
      ),
      'worker',
    );
    await first.until((r) => r.values.filter((event) => event.type === 'started').length === 2, 'start attempt 2');
    const { id } = first.values[0]!;
    const n = String(numberOf(id));
    const tag = `${keyPrefix}${prefix}:{task:double}`;
    // Running: the claim, the record, the counter and the idempotency key, all under the keyPrefix.
    expect(await expectAllPrefixed()).toEqual(
      [`${tag}:claims`, `${tag}:counter`, `${tag}:idempotency:once`, `${tag}:task:${n}`].sort(),
    );
    // The idempotency key is found through the keyPrefix: a second submit follows the first task.
    const again = resources.record(submit<number>(backend, 'double', 0, options), 'second submit');
    await again.until((r) => r.values.length > 0, 'follow the first task');
    expect(again.values[0]).toEqual({ type: 'queued', id });
    second.open();

    await first.completion();
    await again.completion();
    expect(first.values.map((event) => event.type)).toEqual(['queued', 'started', 'retrying', 'started', 'succeeded']);
    expect(first.last).toEqual({ type: 'succeeded', id, result: 42 });
    expect(again.last).toEqual({ type: 'succeeded', id, result: 42 });
    expect(await single(task(backend, id))).toMatchObject({ id, state: 'succeeded', result: 42, attempt: 2 });
    expect(pool.values.map((event) => event.type)).toEqual(['started', 'failed', 'started', 'succeeded']);
    expect(await expectAllPrefixed()).toEqual([`${tag}:counter`, `${tag}:idempotency:once`, `${tag}:task:${n}`].sort());
    expect(await client.exists(`${prefix}:{task:double}:task:${n}`)).toBe(1); // the client adds the keyPrefix itself
  });
});

describe('stalled claims', () => {
  it('are ended by the next claim once the lease passed on the server clock, without any timer of a worker', async () => {
    const prefix = randomPrefix('stall');
    const backend = resources.backend({ client: resources.client(server), prefix });
    const keys = new RedisKeys(prefix).taskKeys('job');
    const { id } = await single(backend.enqueue(request('job', { policy: { ...POLICY, attempts: 2 } })));
    const n = String(numberOf(id));
    // Heard on a raw subscription: an rx-sync follower would read the record when it hears nothing
    // for a while, and any access to the task ends a lapsed claim.
    const channel = new RedisKeys(prefix).taskChannel('job');
    const listener = resources.client(server);
    const heard: TaskBackendEvent[] = [];
    listener.on('message', (from: string, message: string) => {
      const event = from === channel ? decodeTaskEvent(message) : undefined;
      if (event) heard.push(event);
    });
    await listener.subscribe(channel);

    // A bare claim: nobody renews it, and no worker exists to time anything.
    const [first] = await single(backend.claim({ worker: 'stalled', names: ['job'], leaseDuration: 2_000, limit: 1 }));
    expect(first).toMatchObject({ id, attempt: 1 });
    const deadline = BigInt((await admin.zscore(keys[2], n))!) * 1_000n;
    expect(await single(backend.claim({ worker: 'other', names: ['job'], leaseDuration: 2_000, limit: 1 }))).toEqual(
      [],
    ); // still within the lease

    await waitUntil(
      async () => (await serverMicroseconds(admin)) > deadline,
      10_000,
      'the server clock to pass the lease',
    );
    // Nothing happens by itself: the record still says running, and nobody was told anything.
    expect(await admin.hget(`${keys[4]}${n}`, 'state')).toBe('running');
    expect(heard.map((event) => event.type)).toEqual(['started']);

    const [second] = await single(
      backend.claim({ worker: 'rescuer', names: ['job'], leaseDuration: 10_000, limit: 1 }),
    );
    expect(second).toMatchObject({ id, attempt: 2 });
    expect(second!.token).toBeGreaterThan(first!.token);
    await waitUntil(() => heard.length === 3, 10_000, 'the retry and the new start');
    expect(heard).toEqual<TaskBackendEvent[]>([
      { type: 'started', id, seq: 2, attempt: 1, worker: 'stalled' },
      {
        type: 'retrying',
        id,
        seq: 3,
        attempt: 1,
        error: { name: 'TaskStalledError', message: 'The lease of attempt 1 lapsed.' },
        delay: 0,
      },
      { type: 'started', id, seq: 4, attempt: 2, worker: 'rescuer' },
    ]);
    expect(await single(backend.renewTask(id, first!.token, 2_000))).toBe(false);
    expect(await single(backend.readTask(id))).toMatchObject({ state: 'running', attempt: 2, worker: 'rescuer' });
    expect(await single(backend.completeTask(id, second!.token, '"done"'))).toBe(true);
  });
});

describe('after a kill -9 and restart of a non-persistent redis-server', () => {
  /** A server of its own, so that the other tests never see it restart. */
  const own = useRedisServer();

  /** kill -9 and start again, empty; waits until `clients` are connected again. */
  async function crashAndRestart(...clients: Redis[]): Promise<void> {
    await own.stop('SIGKILL');
    await own.restart();
    for (const client of clients) await ready(client, 15_000);
    expect(await clients[0]!.dbsize()).toBe(0);
  }

  it('hands out task ids and tokens greater than before (the counter is floored by the server clock)', async () => {
    const ownAdmin = resources.client(own);
    const client = resources.client(own);
    const backend = resources.backend({ client, prefix: randomPrefix('restart') });

    const before: bigint[] = [];
    for (const name of ['job', 'job', 'other']) {
      const { id } = await single(backend.enqueue(request(name)));
      before.push(numberOf(id));
    }
    const claims = await single(
      backend.claim({ worker: 'w', names: ['job', 'other'], leaseDuration: 60_000, limit: 3 }),
    );
    expect(claims).toHaveLength(3);
    before.push(...claims.map((claim) => BigInt(claim.token)));
    const highest = before.reduce((a, b) => (a > b ? a : b));
    // A worker in the middle of an attempt when the data is lost.
    const pool = resources.record(
      worker(backend, { held: (_input: null, { signal }: TaskContext) => passed(new Gate(), signal) }, WORKER),
      'worker',
    );
    const held = await single(backend.enqueue(request('held')));
    await pool.nth(0);

    await crashAndRestart(ownAdmin, client);

    const clock = await serverMicroseconds(ownAdmin);
    const after = await single(backend.enqueue(request('job')), 15_000);
    const [claim] = await single(backend.claim({ worker: 'w', names: ['job'], leaseDuration: 60_000, limit: 1 }));
    expect(numberOf(after.id)).toBeGreaterThan(highest);
    expect(numberOf(after.id)).toBeGreaterThanOrEqual(clock);
    expect(BigInt(claim!.token)).toBeGreaterThan(numberOf(after.id));
    const other = await single(backend.enqueue(request('other')));
    expect(numberOf(other.id)).toBeGreaterThan(highest);
    // The worker's next renewal is refused (the claim is gone): it abandons the attempt.
    await pool.until((r) => r.values.length === 2, 'abandon the lost attempt', 15_000);
    expect(pool.values).toEqual<WorkerEvent[]>([
      { type: 'started', id: held.id, name: 'held', attempt: 1 },
      { type: 'abandoned', id: held.id, name: 'held', attempt: 1, reason: 'lease-lost' },
    ]);
  });

  /*
   * Regression: after a reconnect, the catch-up found no record (lost with the data) and emitted
   * nothing, so the submitter waited forever. It now hears `failed` with `TaskNotFoundError`.
   */
  it('ends a follower whose task was lost with the data', async () => {
    const ownAdmin = resources.client(own);
    const client = resources.client(own);
    const backend = resources.backend({ client, prefix: randomPrefix('lost') });
    const follower = resources.record(submit(backend, 'nobody', null), 'follower of a lost task');
    await follower.nth(0);
    await ready(ownAdmin);
    await crashAndRestart(ownAdmin, client);
    const error = await follower.failure(10_000);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ lastError: { name: 'TaskNotFoundError' } });
  }, 40_000);
});

describe('bad input', () => {
  const notIds = ['job', 'job:', 'job:0', 'job:007', 'job:-1', 'job:1.5', 'job:1e3', 'job:x', ':5', ':'];

  it('answers readTask, cancelTask and renewTask for ids not of the form NAME:n without a request to Redis', async () => {
    const prefix = randomPrefix('bad');
    const client = resources.client(server);
    const backend = resources.backend({ client, prefix });
    await ready(client);
    const commands = ['evalsha', 'eval', 'hgetall', 'subscribe', 'publish'];
    const calls = await commandCalls(admin, commands);
    for (const id of notIds) {
      expect(await single(backend.readTask(id))).toBeUndefined();
      expect(await single(backend.cancelTask(id))).toBe(false);
      expect(await single(backend.renewTask(id, 1, 1_000))).toBe(false);
      expect(await single(backend.reportProgress(id, 1, '1'))).toBe(false);
      expect(await single(backend.completeTask(id, 1, '1'))).toBe(false);
      expect(await single(backend.failTask(id, 1, { name: 'E', message: 'm' }, undefined))).toBe(false);
      expect(await single(task(backend, id))).toBeUndefined();
      expect(await single(cancelTask(backend, id))).toBe(false);
    }
    expect(await commandCalls(admin, commands)).toBe(calls);
    expect(await scanAll(admin, `*${prefix}*`)).toEqual([]);
  });

  it('emits nothing from taskEvents on such an id, while tasks of that name come and go', async () => {
    const prefix = randomPrefix('bad');
    const backend = resources.backend({ client: resources.client(server), prefix });
    const silent = notIds.map((id) => resources.record(backend.taskEvents(id), `taskEvents(${id})`));
    const { id } = await single(backend.enqueue(request('job')));
    const real = resources.record(backend.taskEvents(id), 'taskEvents of a real task');
    // A task whose number another id could be mistaken for, under another name.
    const otherName = resources.record(backend.taskEvents(`other:${numberOf(id)}`), 'taskEvents of another name');
    await listening(admin, new RedisKeys(prefix).taskChannel('job'));
    const [claim] = await single(backend.claim({ worker: 'w', names: ['job'], leaseDuration: 10_000, limit: 1 }));
    await single(backend.reportProgress(id, claim!.token, '1'));
    await single(backend.completeTask(id, claim!.token, '2'));
    await real.until((r) => r.values.some((event) => event.type === 'succeeded'), 'see the task succeed');
    for (const recorder of [...silent, otherName]) {
      expect(recorder.values).toEqual([]);
      expect(recorder.ended).toBe(false);
    }
    expect(await single(backend.readTask(`other:${numberOf(id)}`))).toBeUndefined();
    expect(await single(backend.cancelTask(`other:${numberOf(id)}`))).toBe(false);
  });

  it('throws TypeError at call time for an input that is not a JSON value, and writes nothing', async () => {
    const prefix = randomPrefix('json');
    const backend = resources.backend({ client: resources.client(server), prefix });
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    const inputs: unknown[] = [
      { f: () => 1 },
      { missing: undefined },
      [1, undefined],
      Number.NaN,
      Infinity,
      10n,
      new Date(0),
      new Map([[1, 2]]),
      Symbol('s'),
      cycle,
      { nested: { deep: [() => 1] } },
    ];
    for (const input of inputs) expect(() => submit(backend, 'job', input)).toThrow(TypeError);
    expect(await scanAll(admin, `*${prefix}*`)).toEqual([]);
  });

  it('errors with UnknownTaskError for a name not in knownTasks, and writes nothing', async () => {
    const prefix = randomPrefix('unknown');
    const backend = resources.backend({ client: resources.client(server), prefix });
    const events: TaskEvent[] = [];
    const failure = lastValueFrom(
      submit(backend, 'resise', { w: 64 }, { knownTasks: ['resize'], idempotencyKey: 'k' }).pipe(toArray()),
    ).then(
      (values) => {
        events.push(...values);
        return undefined;
      },
      (error: unknown) => error,
    );
    const error = await failure;
    expect(error).toBeInstanceOf(UnknownTaskError);
    expect(error).toMatchObject({ task: 'resise', knownTasks: ['resize'] });
    expect(events).toEqual([]);
    expect(await scanAll(admin, `*${prefix}*`)).toEqual([]);
  });
});

describe('retention', () => {
  it('leaves no key of a finished task once its retention ran out, only the name’s counter', async () => {
    const prefix = randomPrefix('retain');
    const backend = resources.backend({ client: resources.client(server), prefix });
    const pool = resources.record(
      worker(
        backend,
        {
          job: async (input: string, { attempt, signal }: TaskContext) => {
            if (input === 'fail') throw new Error('fails');
            if (input === 'flaky' && attempt === 1) throw new Error('fails once');
            if (input === 'hang') await passed(new Gate(), signal);
            return input;
          },
        },
        WORKER,
      ),
      'worker',
    );
    const options = { retention: 300, retryDelay: 30, retryJitter: 0 };
    const outcome = (input: string, attempts: number): Promise<unknown> =>
      lastValueFrom(submit(backend, 'job', input, { ...options, attempts, idempotencyKey: input })).then(
        (event) => event,
        (error: unknown) => error,
      );
    const succeeded = outcome('ok', 1);
    const retried = outcome('flaky', 2);
    const failed = outcome('fail', 1);
    const hanging = resources.record(submit(backend, 'job', 'hang', { ...options, idempotencyKey: 'hang' }), 'hang');
    await hanging.until((r) => r.values.some((event) => event.type === 'started'), 'start the hanging task');
    const hangId = hanging.values[0]!.id;
    expect(await single(cancelTask(backend, hangId))).toBe(true);

    expect(await succeeded).toMatchObject({ type: 'succeeded', result: 'ok' });
    expect(await retried).toMatchObject({ type: 'succeeded', result: 'flaky' });
    expect(await failed).toBeInstanceOf(TaskFailedError);
    expect(await hanging.failure()).toBeInstanceOf(TaskCancelledError);
    await pool.until((r) => r.values.some((event) => event.type === 'abandoned'), 'abandon the cancelled task');
    const ids = [...new Set(pool.values.map((event) => event.id))];
    expect(ids).toHaveLength(4);

    for (const id of ids)
      await waitUntil(async () => (await single(backend.readTask(id))) === undefined, 10_000, `${id} to be forgotten`);
    await waitUntil(
      async () => (await scanAll(admin, `*${prefix}*`)).length === 1,
      10_000,
      'the idempotency keys to expire',
    );
    expect(await scanAll(admin, `*${prefix}*`)).toEqual([`${prefix}:{task:job}:counter`]);
    // The keys are free again: the same key makes a new task.
    expect(await single(backend.enqueue(request('job', { idempotencyKey: 'ok' })))).toMatchObject({ created: true });
  });
});

describe('NonRetryableError', () => {
  it('fails the task at its first attempt of 3, thrown or as a plain object of that name', async () => {
    const prefix = randomPrefix('final');
    const backend = resources.backend({ client: resources.client(server), prefix });
    const cases = [
      { input: 'class', message: 'Width must be positive.' },
      { input: 'named', message: 'From another copy.' },
    ];
    // Both submitters follow their task before any worker exists, so they see every event.
    const followers = cases.map(({ input }) =>
      resources.record(submit(backend, 'job', input, { attempts: 3, retryDelay: 10, retryJitter: 0 }), input),
    );
    for (const follower of followers) await follower.nth(0);
    const calls: string[] = [];
    const pool = resources.record(
      worker(
        backend,
        {
          job: (input: string) => {
            calls.push(input);
            if (input === 'class') throw new NonRetryableError('Width must be positive.', { cause: new Error('w') });
            throw Object.assign(new Error('From another copy.'), { name: 'NonRetryableError' });
          },
        },
        WORKER,
      ),
      'worker',
    );
    for (const [index, { message }] of cases.entries()) {
      const follower = followers[index]!;
      const { id } = follower.values[0]!;
      const error = await follower.failure();
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).toMatchObject({ id, attempts: 1, lastError: { name: 'NonRetryableError', message } });
      expect(follower.values).toEqual<TaskEvent[]>([
        { type: 'queued', id },
        { type: 'started', id, attempt: 1, worker: expect.any(String) as string },
      ]);
      expect(await single(backend.readTask(id))).toMatchObject({
        state: 'failed',
        attempt: 1,
        error: { name: 'NonRetryableError', message },
      });
      await pool.until(
        (r) => r.values.some((event) => event.type === 'failed' && event.id === id),
        'report the failure',
      );
      expect(pool.values.filter((event) => event.id === id)).toEqual<WorkerEvent[]>([
        { type: 'started', id, name: 'job', attempt: 1 },
        { type: 'failed', id, name: 'job', attempt: 1, error: { name: 'NonRetryableError', message }, retry: false },
      ]);
    }
    expect(calls.sort()).toEqual(['class', 'named']);
    // Nothing is left to claim: no retry was queued.
    expect(await single(backend.claim({ worker: 'probe', names: ['job'], leaseDuration: 1_000, limit: 10 }))).toEqual(
      [],
    );
  });
});
