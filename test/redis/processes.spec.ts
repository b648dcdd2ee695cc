import { firstValueFrom, from, map, race, timer } from 'rxjs';
import { leadership, type SyncBackend } from 'rx-sync';
import { kill, killWorkers, line, startWorker, type Worker } from './support/childProcesses.js';
import { leaseKeys, listeningForTurns, type Redis, Resources, useRedisServer } from '../support/redisTestKit.js';
import { now, randomPrefix } from '../support/testKit.js';

const server = useRedisServer();
let admin: Redis;
const resources = new Resources();

beforeEach(() => {
  admin = resources.client(server);
});
afterEach(async () => {
  await killWorkers();
  await resources.release();
});

function exitCode(worker: Worker, within: number): Promise<number | string> {
  return firstValueFrom(race(from(worker.exited), timer(within).pipe(map(() => `no exit within ${within} ms`))));
}

describe('exclusion across separate Node processes', () => {
  it('keeps critical sections apart, fenced, with tokens increasing in acquisition order', async () => {
    const prefix = randomPrefix('procs');
    const workers = 4;
    const iterations = 15;
    const started = Array.from({ length: workers }, (_, index) =>
      startWorker('lockWorker.ts', [server.url, prefix, 'shared', String(iterations), String(index)]),
    );
    const codes = await Promise.all(started.map((worker) => exitCode(worker, 60_000)));
    const failures = started
      .filter((_, index) => codes[index] !== 0)
      .map((worker, index) => `worker ${index} (${String(codes[index])}):\n${worker.output()}`);
    expect(failures).toEqual([]);

    const total = workers * iterations;
    const log = await admin.lrange(`${prefix}:{resource}:log`, 0, -1);
    const entries = log.map((entry) => {
      const [kind, worker, token] = entry.split(' ');
      return { kind: kind!, worker: worker!, token: Number(token) };
    });
    expect(entries.filter((entry) => entry.kind === 'rejected')).toEqual([]);
    expect(entries).toHaveLength(2 * total);

    // The log is in the server's real order: every enter is followed by the exit of the same holder
    // before anybody else enters (critical sections never overlap).
    for (let index = 0; index < entries.length; index += 2) {
      const enter = entries[index]!;
      const exit = entries[index + 1]!;
      expect(enter.kind).toBe('enter');
      expect(exit).toEqual({ kind: 'exit', worker: enter.worker, token: enter.token });
    }
    // Tokens strictly increase in acquisition order.
    const tokens = entries.filter((entry) => entry.kind === 'enter').map((entry) => entry.token);
    for (let index = 1; index < tokens.length; index++) expect(tokens[index]).toBeGreaterThan(tokens[index - 1]!);
    // Every worker got its turns.
    for (let worker = 0; worker < workers; worker++) {
      expect(entries.filter((entry) => entry.kind === 'enter' && entry.worker === String(worker))).toHaveLength(
        iterations,
      );
    }

    const state = await admin.hgetall(`${prefix}:{resource}:state`);
    expect(Number(state['counter'])).toBe(total);
    expect(Number(state['highest'])).toBe(tokens[tokens.length - 1]);
    expect(state['rejected']).toBeUndefined();
  });

  it('elects another process after a leader process is killed with SIGKILL, once its lease expired, with a greater term', async () => {
    const prefix = randomPrefix('kill');
    const leaseDuration = 1_000;
    const keys = leaseKeys(prefix, 'leader', 'billing');
    const worker = startWorker('leaderWorker.ts', [server.url, prefix, 'billing', 'child', String(leaseDuration)]);
    const killedTerm = Number((await line(worker, /elected (\d+)/, 30_000))[1]);
    expect(await admin.hget(keys.lease, 'holder')).toBe('child');

    const backend: SyncBackend = resources.backend({ client: resources.client(server), prefix });
    const successor = resources.record(
      leadership(backend, 'billing', { candidate: 'parent', leaseDuration }),
      'successor',
      15_000,
    );
    // The successor is refused and listening for the leader's events.
    await listeningForTurns(admin, keys.turnsPrefix);
    expect(successor.stamped).toHaveLength(0);

    const readAt = now();
    const timeLeft = await admin.pttl(keys.lease); // renewals can only push the expiry further
    expect(timeLeft).toBeGreaterThan(0);
    const killedAt = now();
    await kill(worker.child);
    expect(await worker.exited).toBe('SIGKILL');

    const term = await successor.nth(0, 15_000);
    const electedAt = successor.stamped[0]!.at;
    expect(term.term).toBeGreaterThan(killedTerm);
    expect(term.candidate).toBe('parent');
    // Not before the killed leader's lease expired on the server ...
    expect(electedAt - readAt).toBeGreaterThanOrEqual(timeLeft - 20);
    // ... and within the lease, a retry delay (maxRetryDelay 1 s) and 2 s of slack after the kill.
    expect(electedAt - killedAt).toBeLessThan(leaseDuration + 1_000 + 2_000);
    expect(await admin.hget(keys.lease, 'holder')).toBe('parent');
  });
});

describe('shutdown', () => {
  it('a process that closes its backend while channels linger exits at once (no linger timer left)', async () => {
    const prefix = randomPrefix('linger');
    const worker = startWorker('closeWhileLingering.ts', [server.url, prefix]);
    await line(worker, /^lingering$/m, 30_000);
    // The channels linger for 10 minutes: a timer left behind would keep the process alive that long.
    expect({ code: await exitCode(worker, 30_000), output: worker.output() }).toEqual({
      code: 0,
      output: 'lingering\nclosed\n',
    });
  }, 70_000); // a bound, not a measure: starting the process may take 30 s on a busy machine
});
