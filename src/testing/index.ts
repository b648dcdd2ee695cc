/* Testing: a memory backend with fault controls for marble tests */
export { createTestBackend } from './createTestBackend.js';
export type { TestBackend } from './createTestBackend.js';
