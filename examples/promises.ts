/**
 * The Promise facade, for code that is not reactive: go-sync's README, line by line. Each Go line
 * is a comment above the TypeScript that does the same. Go returns `err`; here the Promise
 * rejects, with a typed `SyncError` (or `TypeError`/`RangeError` for misuse, at call time).
 *
 * Run it: npx tsx --tsconfig examples/tsconfig.json examples/promises.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createLeader, createLock, createStore, NotHeldError, VersionConflictError } from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';

async function main(): Promise<void> {
  // One backend for everything; go-sync picks one per primitive (consul.NewLock(), ...).
  const backend = createMemoryBackend();

  console.log('## Lock');
  // lock := consul.NewLock()
  const lock = createLock(backend);

  // // acquire lock
  // err := lock.Acquire("id")
  // // handle err
  const held = await lock.acquire('id');
  console.log(`acquired "id", fencing token ${held.token}`);

  // "Multiple instances attempting to lock the same id will block until available."
  const otherInstance = createLock(backend);
  const waiting = otherInstance.acquire('id').then((lease) => {
    console.log(`the other instance acquired "id" once it was released, fencing token ${lease.token}`);
    return otherInstance.release('id');
  });

  // // release lock
  // err = lock.Release("id")
  // // handle err
  console.log('releasing "id"');
  await lock.release('id');
  await waiting;
  await lock.release('id').catch((error: unknown) => {
    if (error instanceof NotHeldError) console.log(`releasing "id" again → ${error.name}`);
  });

  console.log('\n## Leader');
  // l := consul.NewLeader(
  //   leader.Group("name"),
  // )
  const l = createLeader(backend, { group: 'name', leaseDuration: 1_000 });

  // // elect leader
  // e, err := l.Elect("id")
  // // handle err
  let e = await l.elect('id');
  console.log(`elected "id" in term ${e.term.term}`);

  // // operate while leader
  // revoked := e.Revoked()
  let revoked = false;
  void e.revoked.then(() => (revoked = true));

  // for {
  //   select {
  //   case <-revoked:
  for (let operation = 1; operation <= 3; operation++) {
    if (revoked) {
      //   // re-elect
      //   e.Elect("id")
      e = await l.elect('id');
      revoked = false;
      void e.revoked.then(() => (revoked = true));
    } else {
      //   default:
      //     // leader operation
      console.log(`leader operation ${operation} in term ${e.term.term}`);
      await sleep(100);
    }
  }
  //   }
  // }

  // A second candidate waits for the term to end.
  const candidateTwo = l.elect('id-2');

  // // resign leadership
  // e.Resign()
  await e.resign();
  await e.revoked;
  console.log('resigned: revoked has resolved');
  const second = await candidateTwo;
  console.log(`"${second.term.candidate}" is elected at once, term ${second.term.term}`);
  await second.resign();

  console.log('\n## Store');
  // keyval := consul.NewStore()
  const keyval = createStore(backend);

  // err := keyval.Put(&store.Item{
  //   Key: "foo",
  //   Value: []byte(`bar`),
  // })
  // // handle err
  const written = await keyval.put('foo', 'bar');
  console.log(`put foo = "${written.value}", version ${written.version}`);

  // v, err := keyval.Get("foo")
  // // handle err
  const v = await keyval.get('foo');
  console.log(`get foo → "${v?.value}", version ${v?.version}`);

  // Beyond go-sync: compare-and-set, and list by prefix.
  await keyval.put('foo', 'baz', { ifVersion: written.version });
  await keyval.put('foo', 'qux', { ifVersion: written.version }).catch((error: unknown) => {
    if (error instanceof VersionConflictError)
      console.log(`stale compare-and-set → ${error.name}: found version ${error.actualVersion}`);
  });
  await keyval.put('food', 'pizza');
  console.log(`list "foo" → ${(await keyval.list('foo')).map((item) => `${item.key}=${item.value}`).join(', ')}`);

  // err = keyval.Delete("foo")
  const existed = await keyval.delete('foo');
  console.log(`delete foo → ${existed}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
