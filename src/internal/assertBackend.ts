import type { SyncBackend } from '../backend.js';

const METHODS = [
  'tryAcquire',
  'renew',
  'release',
  'updateLease',
  'readLease',
  'leaseEvents',
  'vacancies',
  'get',
  'put',
  'delete',
  'list',
  'changes',
] as const;

/** Throws `TypeError` unless `value` looks like a {@link SyncBackend}. */
export function assertBackend(value: unknown): asserts value is SyncBackend {
  const candidate = value as Partial<Record<string, unknown>> | null | undefined;
  const missing = METHODS.filter((method) => typeof candidate?.[method] !== 'function');
  if (typeof value !== 'object' || value === null || missing.length > 0) {
    throw new TypeError(
      `Expected \`backend\` to be a SyncBackend (from createMemoryBackend() or createRedisBackend())${missing.length > 0 && typeof value === 'object' && value !== null ? `, but it lacks ${missing.join(', ')}` : ''}.`,
    );
  }
}
