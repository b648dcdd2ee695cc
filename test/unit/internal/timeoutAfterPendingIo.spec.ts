import { createServer, connect, type Server, type Socket } from 'node:net';
import { firstValueFrom, fromEvent, map, NEVER, take, TimeoutError } from 'rxjs';
import { timeoutAfterPendingIo } from '../../../src/internal/timeoutAfterPendingIo.js';

/** Blocks the event loop for `duration` ms, as a long garbage collection or a compile would. */
function blockEventLoop(duration: number): void {
  const until = performance.now() + duration;
  while (performance.now() < until) {
    // busy
  }
}

describe('timeoutAfterPendingIo', () => {
  let server: Server;
  let serverSide: Socket;
  let client: Socket;

  beforeEach(async () => {
    server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    client = connect(port, '127.0.0.1');
    serverSide = await accepted;
  });

  afterEach(async () => {
    client.destroy();
    serverSide.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('lets a reply in that arrived before the deadline while the event loop was blocked past it', async () => {
    const reply = firstValueFrom(fromEvent(client, 'data').pipe(take(1), map(String), timeoutAfterPendingIo(20)));
    serverSide.write('pong'); // in this process's socket buffer within microseconds
    blockEventLoop(60); // the deadline passes while the reply waits to be read
    await expect(reply).resolves.toBe('pong');
  });

  it('errors with TimeoutError when nothing came', async () => {
    await expect(firstValueFrom(NEVER.pipe(timeoutAfterPendingIo(10)))).rejects.toBeInstanceOf(TimeoutError);
  });
});
