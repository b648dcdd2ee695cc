import { createMemoryBackend } from 'rx-sync/memory';
import { createTestBackend } from 'rx-sync/testing';
import { describeTaskBackendContract } from './taskBackendContract.js';

describeTaskBackendContract('memory', createMemoryBackend);

describeTaskBackendContract('memory with fault controls (createTestBackend)', createTestBackend, {
  teardown: (backend) => {
    // Nothing may outlive a test: no watcher attached (a queued task may stay queued).
    expect(backend.inspect()).toEqual({ leasesHeld: 0, watchers: 0 });
  },
});
