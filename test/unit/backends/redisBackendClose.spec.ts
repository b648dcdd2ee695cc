import { EventEmitter } from 'node:events';
import { createRedisBackend, type RedisBackendOptions } from 'rx-sync/redis';

/**
 * `close()` of a Redis backend, against a stand-in client (no server). History, a bug seen when
 * running the contract suite against redis-server with a backend per test
 * (src/backends/redis/pubsub/redisSubscriber.ts, `connect()`): the first watch makes the pub/sub
 * connection and registers `client.once('end', () => this.close())` on the client the user gave, and
 * `close()` did not remove that listener. Every backend made and closed on one client left a listener
 * (and, through it, the closed backend's subscriber) on the client for good; at 11 ioredis warned
 * "MaxListenersExceededWarning: Possible EventEmitter memory leak detected".
 */
describe('createRedisBackend: close() on a client the user gave', () => {
  /** Just enough of an ioredis client for a backend that only watches (no server needed). */
  class FakeConnection extends EventEmitter {
    subscribe(): Promise<number> {
      return Promise.resolve(1);
    }
    unsubscribe(): Promise<number> {
      return Promise.resolve(0);
    }
    quit(): Promise<'OK'> {
      return Promise.resolve('OK');
    }
    disconnect(): void {}
  }
  class FakeClient extends FakeConnection {
    defineCommand(): void {}
    publish(): Promise<number> {
      return Promise.resolve(0);
    }
    duplicate(): FakeConnection {
      return new FakeConnection();
    }
  }

  it('removes the "end" listener its first watch added: backends made, used and closed on one client leave none behind', async () => {
    const client = new FakeClient();
    for (let i = 0; i < 3; i++) {
      const backend = createRedisBackend({ client: client as unknown as RedisBackendOptions['client'] });
      backend.leaseEvents('k').subscribe().unsubscribe(); // the first watch opens the pub/sub connection
      await backend.close();
    }
    // Before the fix: 3, one per closed backend.
    expect(client.listenerCount('end')).toBe(0);
  });
});
