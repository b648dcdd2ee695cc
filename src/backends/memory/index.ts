/* Memory backend: the embedded default */
export { createMemoryBackend } from './createMemoryBackend.js';
export type { MemoryBackend } from './createMemoryBackend.js';
export type { MemoryBackendOptions } from './memoryBackendOptions.js';
