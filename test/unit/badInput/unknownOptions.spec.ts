import fc from 'fast-check';
import { Redis } from 'ioredis';
import {
  backendClock,
  clock,
  createClock,
  createLeader,
  createLock,
  createStore,
  createTaskRunner,
  leadership,
  localClock,
  lock,
  schedule,
  submit,
  withLock,
  worker,
} from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';
import { ntpClock } from 'rx-sync/ntp';
import { createRedisBackend } from 'rx-sync/redis';
import { createTestBackend, type TestBackend } from 'rx-sync/testing';
import { editDistance } from '../../../src/internal/spelling.js';
import {
  expectUnknownOption,
  misspelling,
  NUM_RUNS,
  syncValue,
  unknownKey,
  type OptionsTarget,
} from '../../support/badInput.js';

/**
 * Every options object of every public function, nested ones included, given a key it does not
 * know: the call throws a TypeError at once that names the key, the function the user called and
 * every known option, and suggests the option that a one-character misspelling came from. Nothing
 * reaches the backend (and the Redis client never connects).
 */

const LEASE = [
  'leaseDuration',
  'renewInterval',
  'driftMargin',
  'acquireTimeout',
  'retryDelay',
  'maxRetryDelay',
  'retryJitter',
  'fair',
];
const LOCK = [...LEASE, 'wait', 'holder'];
const LEADERSHIP = [...LEASE, 'candidate', 'value'];
const SUBMIT = [
  'attempts',
  'retryDelay',
  'maxRetryDelay',
  'retryJitter',
  'timeout',
  'idempotencyKey',
  'retention',
  'knownTasks',
  'cancelOnUnsubscribe',
];
const WORKER = [
  'concurrency',
  'name',
  'leaseDuration',
  'renewInterval',
  'driftMargin',
  'pollInterval',
  'gracePeriod',
  'shutdown',
];
const CLOCK = [
  'refreshInterval',
  'sampleTimeout',
  'retryDelay',
  'maxSampleAge',
  'driftRate',
  'slewRate',
  'tickInterval',
];
const LIMITS = ['maxNameLength', 'maxValueSize', 'minLeaseDuration', 'maxLeaseDuration'];
const REDIS = [
  'client',
  'quorum',
  'prefix',
  'requestTimeout',
  'counterLifetime',
  'expiryCheckInterval',
  'channelLinger',
  'replicaAcknowledgement',
  'limits',
];

let backend: TestBackend;
const client = new Redis({ lazyConnect: true, enableOfflineQueue: false });
const duplicate = jest.spyOn(client, 'duplicate');
const handlers = { resize: () => 'done' };
const interval = 1_000;

beforeEach(() => {
  backend = createTestBackend();
});

afterEach(() => {
  expect(backend.inspect()).toEqual({ leasesHeld: 0, watchers: 0 });
  expect(syncValue(backend.list(''))).toEqual([]);
  expect(syncValue(backend.readTask('resize:1'))).toBeUndefined();
  expect(backend.tasksRunning()).toBe(0);
  expect(duplicate).not.toHaveBeenCalled();
  expect(client.status).toBe('wait'); // never connected
});

afterAll(() => client.disconnect());

/** An options object of a public function: where it goes, and a call that puts `options` there (the rest valid). */
interface Site extends OptionsTarget {
  readonly call: (backend: TestBackend, options: object) => unknown;
}

const SITES: Readonly<Record<string, Site>> = {
  lock: { caller: 'lock', names: LOCK, call: (b, o) => lock(b, 'k', o) },
  withLock: { caller: 'withLock', names: LOCK, call: (b, o) => withLock(b, 'k', o) },
  createLock: { caller: 'createLock', names: LOCK, call: (b, o) => createLock(b, o) },
  leadership: { caller: 'leadership', names: LEADERSHIP, call: (b, o) => leadership(b, 'g', o) },
  createLeader: {
    caller: 'createLeader',
    names: [...LEASE, 'value', 'group'],
    call: (b, o) => createLeader(b, { group: 'g', ...o }),
  },
  schedule: {
    caller: 'schedule',
    names: ['interval', 'input', 'catchUp', 'leadership', 'task'],
    call: (b, o) => schedule(b, 'g', 'resize', { interval, ...o }),
  },
  'schedule leadership': {
    caller: 'schedule',
    path: 'leadership',
    names: LEADERSHIP,
    call: (b, o) => schedule(b, 'g', 'resize', { interval, leadership: o }),
  },
  'schedule task': {
    caller: 'schedule',
    path: 'task',
    names: ['attempts', 'retryDelay', 'maxRetryDelay', 'retryJitter', 'timeout', 'retention'],
    call: (b, o) => schedule(b, 'g', 'resize', { interval, task: o }),
  },
  submit: { caller: 'submit', names: SUBMIT, call: (b, o) => submit(b, 'resize', null, o) },
  worker: { caller: 'worker', names: WORKER, call: (b, o) => worker(b, handlers, o) },
  createTaskRunner: {
    caller: 'createTaskRunner',
    names: [...WORKER, 'handlers'],
    call: (b, o) => createTaskRunner(b, o),
  },
  'createTaskRunner run': {
    caller: 'run',
    path: 'command',
    names: [...SUBMIT, 'name', 'input'],
    call: (b, o) => createTaskRunner(b, { handlers }).run({ name: 'resize', ...o }),
  },
  clock: { caller: 'clock', names: CLOCK, call: (_b, o) => clock(localClock(), o) },
  createClock: { caller: 'createClock', names: CLOCK, call: (_b, o) => createClock(localClock(), o) },
  backendClock: { caller: 'backendClock', names: ['resolution'], call: (b, o) => backendClock(b, o) },
  ntpClock: {
    caller: 'ntpClock',
    names: ['servers', 'requestsPerServer', 'replyTimeout'],
    call: (_b, o) => ntpClock(o),
  },
  createMemoryBackend: { caller: 'createMemoryBackend', names: ['limits'], call: (_b, o) => createMemoryBackend(o) },
  'createMemoryBackend limits': {
    caller: 'createMemoryBackend',
    path: 'limits',
    names: LIMITS,
    call: (_b, o) => createMemoryBackend({ limits: o }),
  },
  createTestBackend: { caller: 'createTestBackend', names: ['limits'], call: (_b, o) => createTestBackend(o) },
  'createTestBackend limits': {
    caller: 'createTestBackend',
    path: 'limits',
    names: LIMITS,
    call: (_b, o) => createTestBackend({ limits: o }),
  },
  createRedisBackend: {
    caller: 'createRedisBackend',
    names: REDIS,
    call: (_b, o) => createRedisBackend({ client, ...o }),
  },
  'createRedisBackend limits': {
    caller: 'createRedisBackend',
    path: 'limits',
    names: LIMITS,
    call: (_b, o) => createRedisBackend({ client, limits: o }),
  },
  'createRedisBackend replicaAcknowledgement': {
    caller: 'createRedisBackend',
    path: 'replicaAcknowledgement',
    names: ['replicas', 'timeout'],
    call: (_b, o) => createRedisBackend({ client, replicaAcknowledgement: o }),
  },
  'backend put': { caller: 'put', names: ['ifVersion', 'timeToLive'], call: (b, o) => b.put('k', 'v', o) },
  'createStore put': {
    caller: 'put',
    names: ['ifVersion', 'timeToLive'],
    call: (b, o) => createStore(b).put('k', 'v', o),
  },
  'backend delete': { caller: 'delete', names: ['ifVersion'], call: (b, o) => b.delete('k', o) },
  'createStore delete': { caller: 'delete', names: ['ifVersion'], call: (b, o) => createStore(b).delete('k', o) },
};

describe.each(Object.entries(SITES))('%s', (_label, site) => {
  it('refuses a key it does not know, whatever its value (undefined too), naming the key, the function and every option', () => {
    fc.assert(
      fc.property(unknownKey(site.names), fc.anything(), (key, value) => {
        expectUnknownOption(() => site.call(backend, Object.fromEntries([[key, value]])), key, site);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it.each(site.names)('suggests `%s` for a one-character misspelling of it', (name) => {
    fc.assert(
      fc.property(misspelling(name), fc.anything(), (typo, value) => {
        // Skip a typo that is as near to another option (`mixLeaseDuration`: one edit from min… and max…).
        const near = (other: string): number => editDistance(typo.toLowerCase(), other.toLowerCase());
        fc.pre(site.names.every((other) => other === name || near(other) > near(name)));
        expectUnknownOption(() => site.call(backend, Object.fromEntries([[typo, value]])), typo, site, name);
      }),
      { numRuns: 20 },
    );
  });
});
