import { Subscription } from 'rxjs';
import { SerialStep } from '../../../src/internal/serialStep';

/** A step whose teardown records that it was cancelled. */
function step(name: string, log: string[]): () => Subscription {
  return () => {
    log.push(`start ${name}`);
    return new Subscription(() => log.push(`stop ${name}`));
  };
}

describe('SerialStep', () => {
  it('starting a step cancels the one before', () => {
    const log: string[] = [];
    const steps = new SerialStep();
    steps.start(step('a', log));
    steps.start(step('b', log));
    expect(log).toEqual(['start a', 'stop a', 'start b']);
  });

  it('stop() cancels the current step, and later starts do nothing', () => {
    const log: string[] = [];
    const steps = new SerialStep();
    steps.start(step('a', log));
    steps.stop();
    steps.start(step('b', log));
    expect(log).toEqual(['start a', 'stop a']);
    steps.stop();
    expect(log).toEqual(['start a', 'stop a']);
  });

  it('a step that starts the next one synchronously (a synchronous reply) leaves the next one running', () => {
    const log: string[] = [];
    const steps = new SerialStep();
    steps.start(() => {
      log.push('start request');
      steps.start(step('timer', log)); // the reply arrived at once and schedules the next step
      return new Subscription(() => log.push('stop request'));
    });
    expect(log).toEqual(['start request', 'start timer', 'stop request']);
    steps.stop();
    expect(log).toEqual(['start request', 'start timer', 'stop request', 'stop timer']);
  });

  it('a step that stops the loop synchronously cancels itself', () => {
    const log: string[] = [];
    const steps = new SerialStep();
    steps.start(() => {
      log.push('start request');
      steps.stop();
      return new Subscription(() => log.push('stop request'));
    });
    expect(log).toEqual(['start request', 'stop request']);
  });
});
