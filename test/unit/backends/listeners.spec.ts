import { Listeners } from '../../../src/backends/memory/listeners';

describe('Listeners', () => {
  it('delivers events published to a topic to its listeners, from subscription on', () => {
    const listeners = new Listeners<string>();
    const seen: string[] = [];
    listeners.publishTo('a', 'before');
    const subscription = listeners.observe('a').subscribe((event) => seen.push(event));
    listeners.publishTo('a', 'one');
    listeners.publishTo('b', 'other topic');
    listeners.publishTo('a', 'two');
    subscription.unsubscribe();
    listeners.publishTo('a', 'after');
    expect(seen).toEqual(['one', 'two']);
  });

  it('publish() delivers to every topic the predicate accepts, once per listener', () => {
    const listeners = new Listeners<string>();
    const seen: string[] = [];
    const subscriptions = ['cfg/', 'cfg/a', 'other/', ''].map((topic) =>
      listeners.observe(topic).subscribe((event) => seen.push(`${topic}:${event}`)),
    );
    listeners.publish('x', (topic) => 'cfg/a'.startsWith(topic));
    expect(seen.sort()).toEqual([':x', 'cfg/:x', 'cfg/a:x']);
    for (const subscription of subscriptions) subscription.unsubscribe();
  });

  it('counts listeners over every topic, and forgets them on unsubscription', () => {
    const listeners = new Listeners<number>();
    expect(listeners.size).toBe(0);
    const first = listeners.observe('a').subscribe();
    const second = listeners.observe('a').subscribe();
    const third = listeners.observe('b').subscribe();
    expect(listeners.size).toBe(3);
    first.unsubscribe();
    second.unsubscribe();
    third.unsubscribe();
    expect(listeners.size).toBe(0);
  });

  it('a listener added while an event is delivered gets only the next events', () => {
    const listeners = new Listeners<string>();
    const seen: string[] = [];
    let late: { unsubscribe(): void } | undefined;
    const early = listeners.observe('t').subscribe((event) => {
      seen.push(`early:${event}`);
      late ??= listeners.observe('t').subscribe((lateEvent) => seen.push(`late:${lateEvent}`));
    });
    listeners.publishTo('t', '1');
    listeners.publishTo('t', '2');
    expect(seen).toEqual(['early:1', 'early:2', 'late:2']);
    early.unsubscribe();
    late?.unsubscribe();
    expect(listeners.size).toBe(0);
  });
});
