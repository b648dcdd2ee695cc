/**
 * Locks on the memory backend: a lease and its fencing token, a busy lock with `wait: false`, a
 * waiter woken by the release, a stale write rejected at the resource by its token, and
 * `withLock` around a job.
 *
 * Run it: npx tsx --tsconfig examples/tsconfig.json examples/lock.ts
 */
import { defer, lastValueFrom, map, merge, tap, timer } from 'rxjs';
import { lock, LockBusyError, withLock, type Lease } from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';

const started = performance.now();
function log(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(3).padStart(7)}s] ${message}`);
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The resource the lock guards, guarding itself with fencing tokens: it remembers the highest
 * token it has seen and rejects writes that carry a lower one. A lock alone cannot stop a holder
 * that was paused (GC, swap, a slow network) past the end of its lease; this check can.
 */
class InvoiceLedger {
  private highestToken = 0;

  write(token: number, line: string): void {
    if (token < this.highestToken) {
      throw new Error(`rejected "${line}": token ${token} is older than token ${this.highestToken}`);
    }
    this.highestToken = token;
    log(`ledger: wrote "${line}" (token ${token})`);
  }
}

async function main(): Promise<void> {
  const backend = createMemoryBackend();
  const ledger = new InvoiceLedger();

  // 1. Subscribing acquires. The lease carries the fencing token minted with the grant.
  let workerOneLease: Lease | undefined;
  const workerOne = lock(backend, 'invoices', { holder: 'worker-1', leaseDuration: 2_000 }).subscribe({
    next: (lease) => {
      workerOneLease = lease;
      log(`worker-1 holds "${lease.key}", fencing token ${lease.token}`);
      if (lease.isValid()) ledger.write(lease.token, 'invoice #1 by worker-1');
    },
    complete: () => log('worker-1 lost the lock'),
  });
  await sleep(100);

  // 2. A contender that will not wait fails at once with LockBusyError, which names the holder.
  lock(backend, 'invoices', { holder: 'worker-2', wait: false }).subscribe({
    next: () => log('worker-2 holds the lock (unexpected)'),
    error: (error: unknown) => {
      if (error instanceof LockBusyError) {
        log(
          `worker-2 gave up: ${error.name}, "${error.holder}" holds "${error.key}" (lease ends in ${error.expiresIn} ms unless renewed)`,
        );
      } else {
        log(`worker-2 failed: ${String(error)}`);
      }
    },
  });

  // 3. A contender that waits (the default) is woken by the release: no polling delay.
  const workerThree = lock(backend, 'invoices', { holder: 'worker-3' }).subscribe((lease) => {
    log(`worker-3 holds "${lease.key}", fencing token ${lease.token}`);
    if (lease.isValid()) ledger.write(lease.token, 'invoice #2 by worker-3');
  });
  await sleep(200);
  log('worker-1 unsubscribes, which releases the lock');
  workerOne.unsubscribe();

  // 4. worker-1 still has its old Lease object, as a paused process would. isValid() tells it the
  //    lock is gone; if it writes anyway, the ledger rejects the stale token.
  if (workerOneLease) {
    log(`worker-1's old lease: isValid() = ${workerOneLease.isValid()}`);
    try {
      ledger.write(workerOneLease.token, 'late invoice by worker-1');
    } catch (error) {
      log(`ledger: ${(error as Error).message}`);
    }
  }
  workerThree.unsubscribe();

  // 5. withLock: the job runs only once the lock is held, and the lock is released when the job
  //    completes. Two jobs on one lock run one after the other.
  const job = (name: string) =>
    defer(() => {
      log(`${name} starts: it holds "reports"`);
      return timer(300).pipe(map(() => `${name} wrote the monthly report`));
    }).pipe(withLock(backend, 'reports', { holder: name }));
  await lastValueFrom(merge(job('job-a'), job('job-b')).pipe(tap(log)));

  log('done: every lock released, nothing left running');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
