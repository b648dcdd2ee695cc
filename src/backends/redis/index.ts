/* Redis backend: Redlock locks and leadership with fencing tokens, a versioned store with change streams */
export { createRedisBackend } from './createRedisBackend.js';
export type { RedisBackend } from './createRedisBackend.js';
export { DEFAULT_REDIS_BACKEND_OPTIONS, DEFAULT_REPLICA_ACKNOWLEDGEMENT_OPTIONS } from './redisBackendOptions.js';
export type { RedisBackendOptions, ReplicaAcknowledgementOptions } from './redisBackendOptions.js';
export { DEFAULT_CLOSE_OPTIONS } from './closeOptions.js';
export type { CloseOptions } from './closeOptions.js';
