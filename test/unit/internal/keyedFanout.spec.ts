import type { Subscription } from 'rxjs';
import { KeyedFanout } from '../../../src/internal/keyedFanout.js';

/** A fan-out whose hooks write what they were told to `log`. */
function loggedFanout(): { fanout: KeyedFanout<string>; log: string[] } {
  const log: string[] = [];
  const fanout = new KeyedFanout<string>({
    start: () => log.push('start'),
    open: (key) => log.push(`open ${key}`),
    close: (key) => log.push(`close ${key}`),
    stop: () => log.push('stop'),
  });
  return { fanout, log };
}

describe('KeyedFanout', () => {
  it('opens a key with its first observer and closes it after its last; starts and stops with the first and last of all', () => {
    const { fanout, log } = loggedFanout();
    const a1 = fanout.observe('a').subscribe();
    const a2 = fanout.observe('a').subscribe();
    const b = fanout.observe('b').subscribe();
    expect(log).toEqual(['start', 'open a', 'open b']);
    expect(fanout.size).toBe(3);
    a1.unsubscribe();
    expect(log).toEqual(['start', 'open a', 'open b']);
    a2.unsubscribe();
    b.unsubscribe();
    expect(log).toEqual(['start', 'open a', 'open b', 'close a', 'close b', 'stop']);
    expect(fanout.size).toBe(0);
    expect(fanout.keys()).toEqual([]);
  });

  it('sends to the observers of one key, or of every key', () => {
    const { fanout } = loggedFanout();
    const seen: string[] = [];
    fanout.observe('a').subscribe((value) => seen.push(`a:${value}`));
    fanout.observe('b').subscribe((value) => seen.push(`b:${value}`));
    fanout.send('a', '1');
    fanout.send('c', '2');
    fanout.sendToAll('3');
    expect(seen).toEqual(['a:1', 'a:3', 'b:3']);
  });

  it('sends in turn to the observer that has waited longest, which goes to the back of the line', () => {
    const { fanout } = loggedFanout();
    const seen: string[] = [];
    for (const name of ['x', 'y', 'z']) fanout.observe('k').subscribe((value) => seen.push(`${name}:${value}`));
    expect([1, 2, 3, 4].map((n) => fanout.sendInTurn('k', String(n)))).toEqual([true, true, true, true]);
    expect(seen).toEqual(['x:1', 'y:2', 'z:3', 'x:4']);
    expect(fanout.sendInTurn('nobody', '5')).toBe(false);
  });

  it('binds an audience now: later observers do not get its value, and one that left gets nothing', () => {
    const { fanout } = loggedFanout();
    const seen: string[] = [];
    const early = fanout.observe('a').subscribe((value) => seen.push(`early:${value}`));
    fanout.observe('a').subscribe((value) => seen.push(`stays:${value}`));
    const toA = fanout.audience('a');
    const toAny = fanout.audience((key) => key.startsWith('a'));
    fanout.observe('a').subscribe((value) => seen.push(`late:${value}`));
    early.unsubscribe();
    toA?.('1');
    toAny?.('2');
    expect(seen).toEqual(['stays:1', 'stays:2']);
    expect(fanout.audience('b')).toBeUndefined();
  });

  it('moves observers to another key, opening it before closing the one they left', () => {
    const { fanout, log } = loggedFanout();
    const seen: string[] = [];
    const moved = fanout.observe('ref').subscribe((value) => seen.push(value));
    fanout.move('ref', 'task');
    expect(log).toEqual(['start', 'open ref', 'open task', 'close ref']);
    fanout.send('ref', 'lost');
    fanout.send('task', 'heard');
    expect(seen).toEqual(['heard']);
    moved.unsubscribe();
    expect(log.slice(-2)).toEqual(['close task', 'stop']);
    fanout.move('nothing', 'task');
    expect(log.slice(-2)).toEqual(['close task', 'stop']);
  });

  it('ends a key before its observers hear of it, so one resubscribing at once opens it afresh', () => {
    const { fanout, log } = loggedFanout();
    const errors: unknown[] = [];
    let again: Subscription | undefined;
    fanout.observe('a').subscribe({
      error: (error: unknown) => {
        errors.push(error);
        again = fanout.observe('a').subscribe();
      },
    });
    const other = fanout.observe('b').subscribe();
    fanout.fail('boom', 'a');
    expect(errors).toEqual(['boom']);
    expect(log).toEqual(['start', 'open a', 'open b', 'close a', 'open a']);
    expect(fanout.size).toBe(2);
    again?.unsubscribe();
    other.unsubscribe();
    expect(log.slice(-3)).toEqual(['close a', 'close b', 'stop']);
  });

  it('completes every key at once, and an unsubscription after that changes nothing', () => {
    const { fanout, log } = loggedFanout();
    let completed = 0;
    const a = fanout.observe('a').subscribe({ complete: () => completed++ });
    fanout.observe('b').subscribe({ complete: () => completed++ });
    fanout.complete();
    expect(completed).toBe(2);
    expect(log).toEqual(['start', 'open a', 'open b', 'close a', 'close b', 'stop']);
    a.unsubscribe();
    expect(log).toHaveLength(6);
    expect(fanout.size).toBe(0);
  });

  it('does not open a key that its start hook already ended', () => {
    const log: string[] = [];
    const fanout: KeyedFanout<string> = new KeyedFanout<string>({
      start: () => fanout.fail('refused'),
      open: (key) => log.push(`open ${key}`),
    });
    const errors: unknown[] = [];
    fanout.observe('a').subscribe({ error: (error: unknown) => errors.push(error) });
    expect(errors).toEqual(['refused']);
    expect(log).toEqual([]);
    expect(fanout.size).toBe(0);
  });
});
