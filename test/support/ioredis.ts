import { createRequire } from 'node:module';
import type * as Ioredis from 'ioredis';

/**
 * ioredis for the processes that specs spawn (fixtures, workers): the major the spawning spec runs
 * on, `ioredis` (5.x) or `ioredis6` when `RX_SYNC_TEST_IOREDIS` says so (see useIoredis6.ts). In
 * jest itself the `-ioredis6` projects map `ioredis` by `moduleNameMapper` instead.
 */
const ioredis = createRequire(__filename)(process.env['RX_SYNC_TEST_IOREDIS'] ?? 'ioredis') as typeof Ioredis;

export const { Redis, Cluster } = ioredis;
export type Redis = Ioredis.Redis;
export type Cluster = Ioredis.Cluster;
