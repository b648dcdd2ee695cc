import { concatMap, EMPTY, forkJoin, map, merge, mergeMap, NEVER, type Observable, of, timer } from 'rxjs';
import type {
  ClaimRequest,
  CompletedTasks,
  Enqueued,
  TaskBackend,
  TaskClaim,
  TaskCompletion,
  TaskRecord,
  TaskRequest,
} from '../../../taskBackend.js';
import type { RedisSubscriber } from '../pubsub/redisSubscriber.js';
import type { RedisKeys, TaskKeys } from '../redisKeys.js';
import type { RedisRequest } from '../redisRequest.js';
import { runScript, type PublishCommand, type RedisClient, type RedisScript } from '../redisScript.js';
import {
  ReplicaAcknowledgementError,
  runScriptAcknowledged,
  type ReplicaAcknowledgementSettings,
} from '../replicaAcknowledgement.js';
import { cancelTask } from './scripts/cancelTask.js';
import { claimTasks } from './scripts/claimTasks.js';
import { completeTasks } from './scripts/completeTasks.js';
import { enqueueTask } from './scripts/enqueueTask.js';
import { failTask } from './scripts/failTask.js';
import { peekTasks } from './scripts/peekTasks.js';
import { readTask } from './scripts/readTask.js';
import { renewTaskClaim } from './scripts/renewTaskClaim.js';
import { reportTaskProgress } from './scripts/reportTaskProgress.js';
import { followSubmission } from './followSubmission.js';
import { TaskEventHub } from './taskEventHub.js';
import { decodeTaskEvent } from './taskEventMessage.js';
import {
  encodePolicy,
  orderOf,
  parseTaskId,
  toClaim,
  toRecord,
  withoutOrder,
  withoutOrders,
  type TaskAddress,
} from './taskRecordCodec.js';
import { watchTaskEvents } from './watchTaskEvents.js';

/** What the task queue needs from the Redis backend that hosts it. */
export interface RedisTaskContext {
  readonly client: RedisClient;
  readonly keys: RedisKeys;
  readonly subscriber: RedisSubscriber;
  readonly publishCommand: PublishCommand;
  /** When set, an enqueue and a completion count only once this many replicas received them. */
  readonly replicaAcknowledgement: ReplicaAcknowledgementSettings | undefined;
  /** Runs one request of the backend (see {@link RedisRequest}). */
  readonly request: RedisRequest;
}

/**
 * The task queue of the Redis backend: one Lua script per step, on the keys of one task name (see
 * `RedisKeys.taskKeys`), events published by the same script on the name's channel. Task ids are
 * `NAME:n`, so every call finds the task's keys (and its Cluster slot) from the id alone. Arguments
 * are checked by the backend around these methods (`withTaskArgumentChecks`), within its limits.
 *
 * @remarks
 * Why sorted sets and pub/sub rather than a stream consumer group: a claim here is a lease with a
 * per-claim duration, renewed only by its owner and checked by fencing token, and the queue must
 * also hold delayed retries and let a queued task be cancelled. A consumer group's pending list
 * would be a second record of ownership to keep consistent with the task's own (idle time that
 * any `XCLAIM` resets is not an owner's lease), and blocked `XREADGROUP`s need a connection per
 * waiting worker; here one script claims a batch, ends lapsed claims and queues due retries in
 * the same atomic step, and idle workers are woken through the backend's one pub/sub connection.
 */
export function redisTasks(context: RedisTaskContext): Omit<TaskBackend, 'name'> {
  const { client, keys, subscriber, publishCommand, request, replicaAcknowledgement: acknowledgement } = context;
  /**
   * Runs a script whose write a failover must not lose (an enqueue, a completion): with replica
   * acknowledgement, fails with `ReplicaAcknowledgementError` when too few replicas received it
   * (the write stands on the master; an enqueue is then safely repeated with the same idempotency key).
   */
  const durable = <R>(
    step: string,
    script: RedisScript<TaskKeys, readonly (string | number)[], R>,
    name: string,
    args: readonly (string | number)[],
  ): Observable<R> => {
    if (!acknowledgement) return runScript(client, script, keys.taskKeys(name), args);
    return runScriptAcknowledged(client, script, keys.taskKeys(name), args, acknowledgement).pipe(
      map(({ reply, replicas }) => {
        if (replicas < acknowledgement.replicas) throw new ReplicaAcknowledgementError(step, replicas, acknowledgement);
        return reply;
      }),
    );
  };
  /** Every step waits for pending subscriptions, so that "watch, then act" never misses the act's event. */
  const ordered = <T>(operation: string, work: () => Observable<T>): Observable<T> => request(operation, work, true);
  const hub = new TaskEventHub(subscriber);
  const head = (name: string): [PublishCommand, string] => [publishCommand, keys.published(keys.taskChannel(name))];

  const claimFrom = (worker: string, name: string, leaseDuration: number, limit: number): Observable<TaskClaim[]> =>
    runScript(client, claimTasks, keys.taskKeys(name), [...head(name), worker, leaseDuration, limit]).pipe(
      map((claimed) => claimed.map((entry) => toClaim(name, entry))),
    );

  /** Claims across names oldest first: peeks at each name's queue, then claims each name's share. */
  const claimAcross = (
    worker: string,
    names: readonly string[],
    leaseDuration: number,
    limit: number,
  ): Observable<TaskClaim[]> =>
    forkJoin(names.map((name) => runScript(client, peekTasks, keys.taskKeys(name), [...head(name), limit]))).pipe(
      concatMap((queues) => {
        const oldest = queues
          .flatMap((orders, index) => orders.map((order) => ({ order, index })))
          .sort((a, b) => a.order - b.order)
          .slice(0, limit);
        const shares = names.map((_, index) => oldest.filter((entry) => entry.index === index).length);
        const claims = names.flatMap((name, index) =>
          shares[index]! > 0 ? [claimFrom(worker, name, leaseDuration, shares[index]!)] : [],
        );
        return claims.length === 0 ? of([]) : forkJoin(claims);
      }),
      map((batches) => batches.flat().sort((a, b) => orderOf(a) - orderOf(b))),
      map((claims) => claims.map(withoutOrder)),
    );

  /** One `completeTasks` script for completions of one name, with the claims of `next` when given. */
  const completeOfName = (
    name: string,
    completions: readonly { readonly n: string; readonly completion: TaskCompletion }[],
    next: ClaimRequest | undefined,
  ): Observable<CompletedTasks> =>
    ordered('completeTasks', () =>
      durable('completion', completeTasks, name, [
        ...head(name),
        next?.worker ?? '',
        next?.leaseDuration ?? 0,
        next?.limit ?? 0,
        ...completions.flatMap(({ n, completion: { token, result } }) => [
          n,
          String(token),
          result === undefined ? 0 : 1,
          result ?? '',
        ]),
      ]).pipe(
        map(({ completed, claims }) => ({
          completed,
          ...(next && { claims: claims.map((entry) => withoutOrder(toClaim(name, entry))) }),
        })),
      ),
    );

  /**
   * Completions grouped by name, one script per name (one script reaches one name's keys). The
   * claims of `next` come with the completions of its one name, and not with replica
   * acknowledgement, whose failure would strand the claims the script made.
   */
  const complete = (
    completions: readonly TaskCompletion[],
    next: ClaimRequest | undefined,
  ): Observable<CompletedTasks> => {
    const completed: boolean[] = completions.map(() => false);
    const byName = new Map<string, { n: string; completion: TaskCompletion; index: number }[]>();
    completions.forEach((completion, index) => {
      const address = parseTaskId(completion.id);
      if (!address) return; // no task here can have this id: not completed
      const group = byName.get(address.name) ?? [];
      group.push({ n: address.n, completion, index });
      byName.set(address.name, group);
    });
    const fusedName = !acknowledgement && next?.names.length === 1 ? next.names[0] : undefined;
    const steps = [...byName].map(([name, group]) =>
      completeOfName(name, group, name === fusedName ? next : undefined).pipe(
        map((reply) => {
          group.forEach(({ index }, i) => (completed[index] = reply.completed[i] ?? false));
          return reply.claims;
        }),
      ),
    );
    const claimed = fusedName !== undefined && byName.has(fusedName);
    if (steps.length === 0) return of({ completed });
    return forkJoin(steps).pipe(
      map((claims) => (claimed ? { completed, claims: claims.flatMap((batch) => batch ?? []) } : { completed })),
    );
  };

  /** One script on one task's keys; `false` without a request for an id no task here can have. */
  const taskStep = (
    operation: string,
    id: string,
    script: RedisScript<TaskKeys, readonly (string | number)[], boolean>,
    ...args: (string | number)[]
  ): Observable<boolean> => {
    const address = parseTaskId(id);
    if (!address) return of(false);
    return ordered(operation, () =>
      runScript(client, script, keys.taskKeys(address.name), [...head(address.name), address.n, ...args]),
    );
  };

  const enqueue = (task: TaskRequest, ref: string): Observable<Enqueued> => {
    const { name, input, policy, retention, idempotencyKey } = task;
    return ordered('enqueue', () =>
      durable('enqueue', enqueueTask, name, [
        ...head(name),
        name,
        input,
        encodePolicy(policy),
        policy.attempts,
        Math.ceil(retention),
        idempotencyKey ?? '',
        ref,
      ]),
    );
  };

  const readRecord = (address: TaskAddress): Observable<TaskRecord | undefined> =>
    runScript(client, readTask, keys.taskKeys(address.name), [...head(address.name), address.n]).pipe(
      map((fields) => fields && toRecord(fields)),
    );

  return {
    enqueue(task) {
      return enqueue(task, '');
    },
    enqueueAndFollow(task) {
      return followSubmission({
        hub,
        channel: keys.taskChannel(task.name),
        enqueue: (ref) => enqueue(task, ref),
        read: (address) => request('readTask', () => readRecord(address), true),
      });
    },
    claim({ worker, names, leaseDuration, limit }) {
      const distinct = [...new Set(names)];
      return ordered('claim', () => {
        if (distinct.length === 0) return of([]);
        if (distinct.length === 1)
          return claimFrom(worker, distinct[0]!, leaseDuration, limit).pipe(map(withoutOrders));
        return claimAcross(worker, distinct, leaseDuration, limit);
      });
    },
    renewTask(id, token, leaseDuration) {
      return taskStep('renewTask', id, renewTaskClaim, String(token), leaseDuration);
    },
    reportProgress(id, token, value) {
      return taskStep('reportProgress', id, reportTaskProgress, String(token), value);
    },
    completeTask(id, token, result) {
      return complete([{ id, token, result }], undefined).pipe(map(({ completed }) => completed[0]!));
    },
    completeTasks(completions, next) {
      return complete(completions, next);
    },
    failTask(id, token, error, retryDelay) {
      const errorJson = JSON.stringify({ name: error.name, message: error.message });
      return taskStep('failTask', id, failTask, String(token), errorJson, retryDelay ?? '');
    },
    cancelTask(id) {
      return taskStep('cancelTask', id, cancelTask);
    },
    readTask(id) {
      const address = parseTaskId(id);
      if (!address) return of(undefined);
      return request('readTask', () => readRecord(address), true);
    },
    taskEvents(id) {
      const address = parseTaskId(id);
      if (!address) return NEVER;
      return watchTaskEvents(hub.follow(keys.taskChannel(address.name), id), id, () =>
        request('readTask', () => readRecord(address), true),
      );
    },
    taskSignals(names) {
      return merge(...[...new Set(names)].map((name) => wakeUps(subscriber, keys.taskChannel(name))));
    },
  };
}

/**
 * Wake-ups of a name's idle workers: a task queued, a retry queued at once or (on a timer) due,
 * and every gap (a message may have been missed). Each worker claims when woken; the claim script
 * hands a task to one of them.
 */
function wakeUps(subscriber: RedisSubscriber, channel: string): Observable<void> {
  return subscriber.channel(channel).pipe(
    mergeMap((signal) => {
      if (signal.kind === 'gap') return of(undefined);
      const event = decodeTaskEvent(signal.message);
      if (event?.type === 'queued') return of(undefined);
      if (event?.type !== 'retrying') return EMPTY;
      // The script queues a due retry when it runs; one millisecond later than due covers rounding.
      return event.delay > 0 ? timer(Math.ceil(event.delay) + 1).pipe(map(() => undefined)) : of(undefined);
    }),
  );
}
