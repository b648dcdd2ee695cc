import { Subject } from 'rxjs';
import { StoreChangeRouter } from '../../../src/backends/redis/store/storeChangeRouter.js';
import type { StoreSignal } from '../../../src/backends/redis/store/watchChanges.js';

const put = (key: string, version = 1): StoreSignal => ({
  kind: 'change',
  change: { event: { type: 'put', key, version, item: { key, value: 'v', version } }, expiresIn: undefined },
});
const keysOf = (signals: StoreSignal[]): string[] =>
  signals.map((signal) => (signal.kind === 'gap' ? 'gap' : signal.change.event.key));

describe('StoreChangeRouter', () => {
  it('hands each change to the watchers whose prefix the key starts with, and a gap to all', () => {
    const source = new Subject<StoreSignal>();
    const router = new StoreChangeRouter(source);
    const seen = {
      all: [] as StoreSignal[],
      config: [] as StoreSignal[],
      exact: [] as StoreSignal[],
      other: [] as StoreSignal[],
    };
    const subscriptions = [
      router.follow('').subscribe((signal) => seen.all.push(signal)),
      router.follow('config/').subscribe((signal) => seen.config.push(signal)),
      router.follow('config/mode').subscribe((signal) => seen.exact.push(signal)),
      router.follow('users/').subscribe((signal) => seen.other.push(signal)),
    ];
    source.next(put('config/mode'));
    source.next(put('config/modes'));
    source.next(put('conf'));
    source.next({ kind: 'gap', reconnects: 1 });
    expect(keysOf(seen.all)).toEqual(['config/mode', 'config/modes', 'conf', 'gap']);
    expect(keysOf(seen.config)).toEqual(['config/mode', 'config/modes', 'gap']);
    expect(keysOf(seen.exact)).toEqual(['config/mode', 'config/modes', 'gap']); // a prefix, as changes() has it
    expect(keysOf(seen.other)).toEqual(['gap']);
    subscriptions.forEach((subscription) => subscription.unsubscribe());
    expect(source.observed).toBe(false);
  });

  it('subscribes the source once, however many watchers, and leaves it when the last one goes', () => {
    const source = new Subject<StoreSignal>();
    const router = new StoreChangeRouter(source);
    const a = router.follow('k').subscribe();
    const b = router.follow('k').subscribe();
    const c = router.follow('j').subscribe();
    expect(source.observers.length).toBe(1);
    a.unsubscribe();
    c.unsubscribe();
    expect(source.observed).toBe(true);
    b.unsubscribe();
    expect(source.observed).toBe(false);
    const again: StoreSignal[] = [];
    const d = router.follow('k').subscribe((signal) => again.push(signal));
    source.next(put('k'));
    expect(keysOf(again)).toEqual(['k']);
    d.unsubscribe();
  });

  it('errors every watcher when the source errors, and starts afresh after', () => {
    const source = new Subject<StoreSignal>();
    const router = new StoreChangeRouter(source);
    const errors: unknown[] = [];
    router.follow('a').subscribe({ error: (error: unknown) => errors.push(error) });
    router.follow('b').subscribe({ error: (error: unknown) => errors.push(error) });
    source.error(new Error('closed'));
    expect(errors).toHaveLength(2);
    const later = new StoreChangeRouter(new Subject<StoreSignal>());
    expect(() => later.follow('a').subscribe().unsubscribe()).not.toThrow();
  });
});
