/**
 * A submitter sees every event of its own task when the worker is another process. Regression: the
 * submitter followed its task only once the enqueue had replied, so a worker in another process
 * could claim the task first, and 1 to 4 submits in 5 saw `queued`, then `succeeded`, without
 * `started`.
 */
import { submit, type TaskEvent } from 'rx-sync';
import { killWorkers, line, startWorker } from './support/childProcesses.js';
import { Resources, useRedisServer } from '../support/redisTestKit.js';
import { randomPrefix } from '../support/testKit.js';

const server = useRedisServer();
const resources = new Resources();

afterEach(async () => {
  await killWorkers();
  await resources.release();
});

it('shows 100 submitters, one after the other, queued, started and succeeded from a quick worker in another process', async () => {
  const prefix = randomPrefix('own');
  await line(startWorker('quickWorker.ts', [server.url, prefix]), /^ready$/m, 30_000);
  const backend = resources.backend({ client: resources.client(server), prefix });
  for (let n = 0; n < 100; n++) {
    const submitter = resources.record(submit<number>(backend, 'square', n), `submit ${n}`, 20_000);
    await submitter.completion();
    expect({ n, events: submitter.values.map((event: TaskEvent<number>) => event.type) }).toEqual({
      n,
      events: ['queued', 'started', 'succeeded'],
    });
    expect(submitter.last).toMatchObject({ type: 'succeeded', result: n * n });
  }
}, 120_000); // a bound, not a measure: starting the worker may take 30 s on a busy machine, and 100 tasks follow
