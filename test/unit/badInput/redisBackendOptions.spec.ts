import fc from 'fast-check';
import { Redis } from 'ioredis';
import { createRedisBackend, type RedisBackendOptions } from 'rx-sync/redis';
import {
  badName,
  badNumber,
  badOptionsObject,
  expectMisuse,
  notAString,
  NUM_RUNS,
  type Bad,
} from '../../support/badInput.js';

/**
 * `createRedisBackend` given one bad option at a time: each throws a TypeError or RangeError at
 * call time, naming the option, before it touches the client (no connection, no duplicate for
 * pub/sub). The clients here never connect (`lazyConnect`), so no server is needed;
 * test/redis/badInput.spec.ts runs the methods against a real one.
 */

const client = new Redis({ lazyConnect: true, enableOfflineQueue: false });
const others = [new Redis({ lazyConnect: true }), new Redis({ lazyConnect: true }), new Redis({ lazyConnect: true })];
const duplicate = jest.spyOn(client, 'duplicate');

afterAll(() => {
  for (const each of [client, ...others]) each.disconnect();
});

afterEach(() => {
  expect(duplicate).not.toHaveBeenCalled();
  expect(client.status).toBe('wait'); // never connected
});

function check(what: string, arbitrary: fc.Arbitrary<Bad>, options: (value: unknown) => unknown): void {
  fc.assert(
    fc.property(arbitrary, ({ value, error }) => {
      expectMisuse(() => createRedisBackend(options(value) as RedisBackendOptions), what, error);
    }),
    { numRuns: NUM_RUNS },
  );
}

const notAClient: fc.Arbitrary<Bad> = fc
  .oneof(notAString, fc.constant(undefined), fc.constant({ duplicate: () => ({}) }), fc.constant(createRedisBackend))
  .map((value) => ({ value, error: TypeError }));

it('options', () => {
  check('options', badOptionsObject, (value) => value);
  expectMisuse(() => createRedisBackend(undefined as never), 'options', TypeError);
});

it('client', () => check('client', notAClient, (value) => ({ client: value })));

it('quorum', () => {
  const badQuorum = fc.oneof(
    fc.oneof(notAString, fc.constant([]), fc.constant([others[0]])).map((value) => ({ value, error: TypeError })),
    notAClient.map(({ value }) => ({ value: [others[0], value], error: TypeError })),
    fc.constant({ value: [others[0], others[0]], error: TypeError }),
  );
  check('quorum', badQuorum, (value) => ({ client, quorum: value }));
  expectMisuse(
    () => createRedisBackend({ client, quorum: others, replicaAcknowledgement: {} }),
    'replicaAcknowledgement',
    TypeError,
  );
});

it('prefix: a name without braces (they would make a Redis hash tag); glob characters are allowed', () => {
  const badPrefix = fc.oneof(
    badName(1_024, { positional: false }),
    fc
      .tuple(fc.string({ maxLength: 5 }), fc.constantFrom('{', '}'), fc.string({ maxLength: 5 }))
      .map(([before, brace, after]) => ({ value: before + brace + after, error: TypeError })),
  );
  check('prefix', badPrefix, (value) => ({ client, prefix: value }));
});

it.each(['requestTimeout', 'counterLifetime', 'expiryCheckInterval'])('%s', (field) => {
  check(field, badNumber('positive'), (value) => ({ client, [field]: value }));
});

it('channelLinger: a duration, 0 allowed (unsubscribe at once)', () => {
  check('channelLinger', badNumber('nonNegative'), (value) => ({ client, channelLinger: value }));
  expect(() => createRedisBackend({ client, channelLinger: 0 })).not.toThrow();
});

it('replicaAcknowledgement', () => {
  check('replicaAcknowledgement', badOptionsObject, (value) => ({ client, replicaAcknowledgement: value }));
  check('replicaAcknowledgement.replicas', badNumber('count'), (value) => ({
    client,
    replicaAcknowledgement: { replicas: value },
  }));
  check(
    'replicaAcknowledgement.timeout',
    fc.oneof(badNumber('count'), fc.constantFrom({ value: 5_000 }, { value: 9_999 })),
    (value) => ({ client, replicaAcknowledgement: { timeout: value } }),
  );
});

it('limits', () => {
  check('limits', badOptionsObject, (value) => ({ client, limits: value }));
  const fields: Record<string, fc.Arbitrary<Bad>> = {
    maxNameLength: fc.oneof(badNumber('count'), fc.constantFrom({ value: 127 }, { value: 65_537 })),
    maxValueSize: fc.oneof(badNumber('count'), fc.constantFrom({ value: 1_023 }, { value: 512 * 1024 * 1024 + 1 })),
    minLeaseDuration: badNumber('positive'),
    maxLeaseDuration: badNumber('positive'),
  };
  for (const [field, arbitrary] of Object.entries(fields)) {
    check(`limits.${field}`, arbitrary, (value) => ({ client, limits: { [field]: value } }));
  }
  expectMisuse(
    () => createRedisBackend({ client, limits: { minLeaseDuration: 2_000, maxLeaseDuration: 1_000 } }),
    'limits.minLeaseDuration',
    RangeError,
  );
});
