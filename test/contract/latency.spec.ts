import { createMemoryBackend } from 'rx-sync/memory';
import { withLatency } from '../support/contractLatency.js';
import { describeBackendContract } from './backendContract.js';

// The memory backend behind a simulated network (replies a few ms late, watches live only after a
// SUBSCRIBE round trip): the asynchronous paths a networked backend takes, without a server.
describeBackendContract('memory behind simulated latency', () =>
  withLatency(createMemoryBackend(), { request: 1, reply: 1, watch: 5 }),
);
