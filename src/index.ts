/* Backend contract */
export type {
  ChangeEvent,
  DeleteOptions,
  Item,
  LeaseAttempt,
  LeaseClaim,
  LeaseEvent,
  LeaseGrant,
  LeaseHolder,
  PutOptions,
  SyncBackend,
  Vacancy,
} from './backend.js';
export { DEFAULT_BACKEND_LIMITS } from './limits.js';
export type { BackendLimits, BackendLimitsOptions } from './limits.js';

/* Observables */
export { lock } from './observables/lock.js';
export { DEFAULT_LOCK_OPTIONS } from './observables/lockOptions.js';
export type { LockOptions } from './observables/lockOptions.js';
export type { Lease } from './observables/Lease.js';
export { DEFAULT_LEASE_OPTIONS } from './observables/leaseOptions.js';
export type { LeaseOptions } from './observables/leaseOptions.js';
export { leadership } from './observables/leadership.js';
export { DEFAULT_LEADERSHIP_OPTIONS } from './observables/leadershipOptions.js';
export type { LeadershipOptions } from './observables/leadershipOptions.js';
export type { Term } from './observables/Term.js';
export { leader } from './observables/leader.js';
export type { Leader } from './observables/leader.js';
export { keyValue } from './observables/keyValue.js';
export { changes } from './observables/changes.js';

/* Operators */
export { withLock } from './operators/withLock.js';
export { whileLeader } from './operators/whileLeader.js';
export { whileHeld } from './operators/whileHeld.js';

/* Promise facade (go-sync's API) */
export { createLock } from './facade/createLock.js';
export type { HeldLock, Locker } from './facade/createLock.js';
export { createLeader } from './facade/createLeader.js';
export type { Elected, Elector, LeaderOptions } from './facade/createLeader.js';
export { createStore } from './facade/createStore.js';
export type { Store } from './facade/createStore.js';

/* Errors */
export { SyncError } from './errors/SyncError.js';
export { LockTimeoutError } from './errors/LockTimeoutError.js';
export { LockBusyError } from './errors/LockBusyError.js';
export { VersionConflictError } from './errors/VersionConflictError.js';
export { BackendUnavailableError } from './errors/BackendUnavailableError.js';
export { BackendClosedError } from './errors/BackendClosedError.js';
export { NotHeldError } from './errors/NotHeldError.js';
export { BackendReplyError } from './errors/BackendReplyError.js';

/* Time */
export { clock } from './observables/clock.js';
export { DEFAULT_CLOCK_OPTIONS } from './observables/clockOptions.js';
export type { ClockOptions } from './observables/clockOptions.js';
export type { ClockReading } from './time/ClockReading.js';
export type { ClockSample, ClockSource } from './time/ClockSource.js';
export { localClock } from './time/localClock.js';
export { backendClock } from './time/backendClock.js';
export type { BackendClockOptions } from './time/backendClock.js';
export { createClock } from './facade/createClock.js';
export type { Clock } from './facade/createClock.js';
export { ClockSourceError } from './errors/ClockSourceError.js';

/* Task */
export type {
  ClaimRequest,
  CompletedTasks,
  Enqueued,
  TaskBackend,
  TaskBackendEvent,
  TaskClaim,
  TaskCompletion,
  TaskErrorInfo,
  TaskPolicy,
  TaskRecord,
  TaskRequest,
  TaskState,
  TaskSubmission,
} from './taskBackend.js';
export { submit } from './observables/submit.js';
export { DEFAULT_SUBMIT_OPTIONS } from './observables/submitOptions.js';
export type { SubmitOptions } from './observables/submitOptions.js';
export { worker } from './observables/worker.js';
export { DEFAULT_WORKER_OPTIONS } from './observables/workerOptions.js';
export type { WorkerOptions } from './observables/workerOptions.js';
export type {
  TaskContext,
  TaskEvent,
  TaskHandler,
  TaskHandlers,
  TaskInfo,
  WorkerEvent,
} from './observables/TaskEvent.js';
export { task } from './observables/task.js';
export { cancelTask } from './observables/cancelTask.js';
export { schedule } from './observables/schedule.js';
export type { ScheduledTick, ScheduleOptions } from './observables/schedule.js';
export { createTaskRunner } from './facade/createTaskRunner.js';
export type { Command, TaskRunner, TaskRunnerOptions } from './facade/createTaskRunner.js';
export { TaskFailedError } from './errors/TaskFailedError.js';
export { TaskCancelledError } from './errors/TaskCancelledError.js';
export { TaskTimeoutError } from './errors/TaskTimeoutError.js';
export { TaskStalledError } from './errors/TaskStalledError.js';
export { UnknownTaskError } from './errors/UnknownTaskError.js';
export { NonRetryableError } from './errors/NonRetryableError.js';
