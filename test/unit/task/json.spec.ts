import { fromJson, toJson } from '../../../src/internal/json.js';

describe('toJson', () => {
  it.each([null, true, 0, -1.5, 'text', [], [1, 'a', null], {}, { a: { b: [1, { c: 'd' }] } }])(
    'encodes %j so that it comes back equal',
    (value) => {
      expect(fromJson(toJson(value, 'input'))).toEqual(value);
    },
  );

  it('accepts objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(toJson(bare, 'input')).toBe('{"a":1}');
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    expect(toJson([shared, shared], 'input')).toBe('[{"a":1},{"a":1}]');
  });

  it.each([
    [undefined, '`input`', 'undefined'],
    [{ a: undefined }, '`input.a`', 'undefined'],
    [[1, () => 1], '`input[1]`', 'a function'],
    [{ n: NaN }, '`input.n`', 'the number NaN, which JSON cannot represent'],
    [Infinity, '`input`', 'the number Infinity, which JSON cannot represent'],
    [10n, '`input`', 'the bigint 10n'],
    [Symbol('s'), '`input`', 'a symbol'],
    [new Date(0), '`input`', 'an instance of Date'],
    [new Map(), '`input`', 'an instance of Map'],
  ])('rejects %p with a TypeError naming the path', (value, path, found) => {
    expect(() => toJson(value, 'input')).toThrow(TypeError);
    expect(() => toJson(value, 'input')).toThrow(`Expected ${path} to be a JSON value`);
    expect(() => toJson(value, 'input')).toThrow(`but it holds ${found}.`);
  });

  it('rejects a cycle', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toJson(cyclic, 'input')).toThrow(
      'Expected `input.self` to be a JSON value (null, boolean, finite number, string, array or plain object), but it holds a circular reference.',
    );
  });
});

describe('fromJson', () => {
  it('leaves undefined as undefined', () => {
    expect(fromJson(undefined)).toBeUndefined();
  });
});
