import { EventEmitter } from 'node:events';
import { lastValueFrom, toArray } from 'rxjs';
import type { Redis } from 'ioredis';
import { connectionState, withConnectionError } from '../../../src/backends/redis/connectionState.js';

/** A stand-in for an ioredis client: an EventEmitter with a status. */
function fakeClient(status = 'ready'): Redis & EventEmitter {
  return Object.assign(new EventEmitter(), { status }) as unknown as Redis & EventEmitter;
}

describe('connectionState', () => {
  let printed: unknown[][];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    printed = [];
    spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void printed.push(args));
  });
  afterEach(() => spy.mockRestore());

  it('remembers the last connection error until the client is ready again', () => {
    const client = fakeClient();
    const state = connectionState(client);
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    client.emit('error', refused);
    expect(state.lastError()).toBe(refused);
    client.emit('ready');
    expect(state.lastError()).toBeUndefined();
    state.stop();
  });

  it("prints ioredis's own line while it is the only error listener, and nothing when the user listens too", () => {
    const client = fakeClient();
    const state = connectionState(client);
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    client.emit('error', refused);
    expect(printed).toEqual([['[ioredis] Unhandled error event:', refused.stack]]);
    const mine = (): void => undefined;
    client.on('error', mine);
    client.emit('error', refused);
    expect(printed).toHaveLength(1);
    client.off('error', mine);
    state.stop();
  });

  it('adds one pair of listeners per client however many backends share it, removed with the last', () => {
    const client = fakeClient();
    const states = Array.from({ length: 20 }, () => connectionState(client));
    expect([client.listenerCount('error'), client.listenerCount('ready')]).toEqual([1, 1]);
    for (const state of states) state.stop();
    states[0]!.stop(); // stopping twice changes nothing
    expect([client.listenerCount('error'), client.listenerCount('ready')]).toEqual([0, 0]);
  });

  it('listens once for however many requests wait for the first connection (no MaxListenersExceeded warning)', async () => {
    const fresh = fakeClient('connecting');
    const state = connectionState(fresh);
    const waiting = Array.from({ length: 20 }, () => lastValueFrom(state.firstReady.pipe(toArray())));
    expect([fresh.listenerCount('ready'), fresh.listenerCount('error')]).toEqual([2, 2]);
    fresh.emit('ready');
    expect(await Promise.all(waiting)).toEqual(waiting.map(() => []));
    expect([fresh.listenerCount('ready'), fresh.listenerCount('error')]).toEqual([1, 1]);
    state.stop();
  });

  it('waits for the first ready of a client that never was, and not for one that was', async () => {
    const fresh = fakeClient('connecting');
    const state = connectionState(fresh);
    let done = false;
    const waiting = lastValueFrom(state.firstReady.pipe(toArray())).then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    fresh.emit('ready');
    await waiting;
    (fresh as unknown as { status: string }).status = 'reconnecting';
    expect(await lastValueFrom(state.firstReady.pipe(toArray()))).toEqual([]); // it was ready once: no wait
    state.stop();
  });

  it("stops waiting at the first connection error: the request then meets the client's own policy", async () => {
    const refused = fakeClient('connecting');
    const state = connectionState(refused);
    const waiting = lastValueFrom(state.firstReady.pipe(toArray()));
    refused.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:1'));
    expect(await waiting).toEqual([]);
    expect(await lastValueFrom(state.firstReady.pipe(toArray()))).toEqual([]); // failed before: no wait
    state.stop();
  });
});

describe('withConnectionError', () => {
  it('joins the failure and the connection error, or leaves the failure alone', () => {
    const failure = new Error('no reply within 1000 ms');
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    const joined = withConnectionError(failure, refused) as AggregateError;
    expect(joined.message).toBe('no reply within 1000 ms; last connection error: connect ECONNREFUSED 127.0.0.1:6379');
    expect(joined.errors).toEqual([failure, refused]);
    expect(withConnectionError(failure, undefined)).toBe(failure);
  });
});
