import { DEFAULT_REPLICA_ACKNOWLEDGEMENT_OPTIONS, type RedisBackendOptions } from 'rx-sync/redis';
import { resolveRedisBackendOptions } from '../../../src/backends/redis/redisBackendOptions';

/** Just enough of an ioredis client for the option checks. */
function fakeClient(): RedisBackendOptions['client'] {
  const noop = (): void => undefined;
  return { defineCommand: noop, duplicate: noop, publish: noop } as unknown as RedisBackendOptions['client'];
}

describe('resolveRedisBackendOptions: replicaAcknowledgement', () => {
  it('is off by default, and fills in the defaults when given', () => {
    expect(resolveRedisBackendOptions({ client: fakeClient() }).replicaAcknowledgement).toBeUndefined();
    expect(
      resolveRedisBackendOptions({ client: fakeClient(), replicaAcknowledgement: {} }).replicaAcknowledgement,
    ).toEqual(DEFAULT_REPLICA_ACKNOWLEDGEMENT_OPTIONS);
    expect(DEFAULT_REPLICA_ACKNOWLEDGEMENT_OPTIONS).toEqual({ replicas: 1, timeout: 50 });
    expect(
      resolveRedisBackendOptions({ client: fakeClient(), replicaAcknowledgement: { replicas: 2, timeout: 200 } })
        .replicaAcknowledgement,
    ).toEqual({ replicas: 2, timeout: 200 });
  });

  it.each([
    [{ replicas: 0 }, RangeError, /replicas/],
    [{ replicas: 1.5 }, RangeError, /replicas/],
    [{ timeout: 0 }, RangeError, /timeout/],
    [{ timeout: 12.5 }, RangeError, /timeout/],
    [{ timeout: 5_000 }, RangeError, /shorter than `requestTimeout`/],
    ['fast', TypeError, /options object/],
  ])('rejects %p at call time', (replicaAcknowledgement, type, message) => {
    const options = { client: fakeClient(), replicaAcknowledgement } as unknown as RedisBackendOptions;
    expect(() => resolveRedisBackendOptions(options)).toThrow(type);
    expect(() => resolveRedisBackendOptions(options)).toThrow(message);
  });

  it('is not combined with quorum, whose masters are independent', () => {
    expect(() =>
      resolveRedisBackendOptions({
        client: fakeClient(),
        quorum: [fakeClient(), fakeClient(), fakeClient()] as unknown as NonNullable<RedisBackendOptions['quorum']>,
        replicaAcknowledgement: {},
      }),
    ).toThrow(/without `quorum`/);
  });
});
