import { LazyAbortController } from '../../../src/internal/lazyAbortController.js';

describe('LazyAbortController', () => {
  it('gives a live signal that aborts with the first reason', () => {
    const controller = new LazyAbortController();
    const { signal } = controller;
    const heard: unknown[] = [];
    signal.addEventListener('abort', () => heard.push(signal.reason));
    expect(signal.aborted).toBe(false);
    controller.abort('first');
    controller.abort('second');
    expect(heard).toEqual(['first']);
    expect(controller.signal).toBe(signal);
  });

  it('gives a signal read after the abort that is already aborted, with the same reason', () => {
    const controller = new LazyAbortController();
    const reason = new Error('stopped');
    controller.abort(reason);
    controller.abort(new Error('later'));
    expect(controller.signal.aborted).toBe(true);
    expect(controller.signal.reason).toBe(reason);
  });
});
