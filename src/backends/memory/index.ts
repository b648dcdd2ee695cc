/* Memory backend: the embedded default */
export { createMemoryBackend } from './createMemoryBackend.js';
