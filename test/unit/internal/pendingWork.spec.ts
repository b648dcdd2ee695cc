import { NEVER, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { PendingWork } from '../../../src/internal/pendingWork.js';

const virtualTime = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('PendingWork', () => {
  it('settles at once with nothing in flight', () => {
    virtualTime().run(({ expectObservable }) => {
      expectObservable(new PendingWork().settled()).toBe('(x|)', { x: undefined });
    });
  });

  it('settles when the last tracked work completes, errors or is unsubscribed', () => {
    virtualTime().run(({ cold, expectObservable }) => {
      const pending = new PendingWork();
      pending.track(cold('--a|')).subscribe();
      pending.track(cold('-----#')).subscribe({ error: () => undefined });
      pending.track(NEVER).subscribe().unsubscribe();
      expectObservable(pending.settled()).toBe('-----(x|)', { x: undefined });
    });
  });

  it('counts work from its subscription, not from the call to track()', () => {
    const pending = new PendingWork();
    const work = new Subject<void>();
    const tracked = pending.track(work);
    let settled = false;
    pending.settled().subscribe(() => (settled = true));
    expect(settled).toBe(true); // tracked but not subscribed: nothing in flight
    const subscription = tracked.subscribe();
    let again = false;
    pending.settled().subscribe(() => (again = true));
    expect(again).toBe(false);
    work.complete();
    expect(again).toBe(true);
    subscription.unsubscribe();
  });
});
