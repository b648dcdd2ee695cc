import { createMemoryBackend } from 'rx-sync/memory';
import { createTestBackend } from 'rx-sync/testing';
import { describeBackendContract } from './backendContract.js';

describeBackendContract('memory', createMemoryBackend);

describeBackendContract('memory with fault controls (createTestBackend)', createTestBackend, {
  teardown: (backend) => {
    // Nothing may outlive a test: no lease held, no watcher attached.
    expect(backend.inspect()).toEqual({ leasesHeld: 0, watchers: 0 });
  },
});
