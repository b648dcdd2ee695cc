import { withChecks } from '../../../src/internal/withChecks.js';

interface Greeter {
  greet(name: string): string;
  wave?(times: number): number;
  readonly label: string;
}

describe('withChecks', () => {
  const greeter: Greeter = { greet: (name) => `hello ${name}`, label: 'plain' };
  const positive = (times: number): void => {
    if (times <= 0) throw new RangeError('times');
  };

  it('runs the check before the method, which never runs when the check throws', () => {
    const calls: string[] = [];
    const checked = withChecks<Greeter>(
      { ...greeter, greet: (name) => (calls.push(name), `hi ${name}`) },
      {
        greet: (name) => {
          if (name === '') throw new TypeError('name');
        },
      },
    );
    expect(checked.greet('ann')).toBe('hi ann');
    expect(() => checked.greet('')).toThrow(TypeError);
    expect(calls).toEqual(['ann']);
  });

  it('leaves other members as they are, and skips checks of optional methods the object lacks', () => {
    const checked = withChecks(greeter, { wave: positive });
    expect(checked.label).toBe('plain');
    expect(checked.greet('bo')).toBe('hello bo');
    expect(checked.wave).toBeUndefined();
    const waving = withChecks<Greeter>({ ...greeter, wave: (times) => times * 2 }, { wave: positive });
    expect(waving.wave?.(2)).toBe(4);
    expect(() => waving.wave?.(0)).toThrow(RangeError);
  });
});
