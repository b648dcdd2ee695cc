import { clientKill, clientKillPubsub } from './clientKill.js';
import { clockJump } from './clockJump.js';
import type { Fault } from './fault.js';
import { latency } from './latency.js';
import { partition } from './partition.js';
import { redisPause } from './redisPause.js';
import { redisRestartAof, redisRestartVolatile } from './redisRestart.js';
import { workerBusy } from './workerBusy.js';
import { workerStop } from './workerStop.js';

/** Every fault, in report order. */
export const FAULTS: readonly Fault[] = [
  redisPause,
  workerStop,
  workerBusy,
  clientKill,
  clientKillPubsub,
  redisRestartVolatile,
  redisRestartAof,
  partition,
  latency,
  clockJump,
];

export type { Fault, FaultContext } from './fault.js';
