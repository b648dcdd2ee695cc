/**
 * The watcher process of scenario 4 (started by changeStream.ts, not run by hand): watches the
 * store with rx-sync's `changes()` and a raw ioredis subscriber, and reports to its parent, over
 * the IPC channel, the monotonic time at which each change or message reached it.
 * Arguments: host port prefix channel.
 */
import { Redis } from 'ioredis';
import { changes } from 'rx-sync';
import { createRedisBackend } from 'rx-sync/redis';

/** What the watcher tells its parent. */
export type WatcherMessage =
  { readonly kind: 'ready' } | { readonly kind: 'rx-sync' | 'floor'; readonly at: string; readonly body: string };

const [host = '127.0.0.1', port = '6379', prefix = 'bench', channel = 'bench:floor'] = process.argv.slice(2);
const send = (message: WatcherMessage): void => void process.send?.(message);

const client = new Redis({ host, port: Number(port) });
const subscriber = new Redis({ host, port: Number(port) });
const backend = createRedisBackend({ client, prefix });

const watching = changes(backend, 'watched/').subscribe((event) =>
  send({ kind: 'rx-sync', at: String(process.hrtime.bigint()), body: event.type === 'put' ? event.item.value : '' }),
);
subscriber.on('message', (_channel: string, message: string) =>
  send({ kind: 'floor', at: String(process.hrtime.bigint()), body: message }),
);

void subscriber.subscribe(channel).then(() => send({ kind: 'ready' }));

process.on('disconnect', () => {
  watching.unsubscribe();
  void backend.close().then(() => {
    client.disconnect();
    subscriber.disconnect();
  });
});
