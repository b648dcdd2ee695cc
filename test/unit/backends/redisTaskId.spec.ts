import { parseTaskId } from '../../../src/backends/redis/tasks/taskRecordCodec.js';

/**
 * Task ids of the Redis backend are `NAME:n` (src/backends/redis/tasks/taskRecordCodec.ts): the name places the
 * task's keys, `n` is its number. The number is the part after the last colon, so any name works.
 */
describe('parseTaskId', () => {
  it.each([
    ['a plain name', 'resize'],
    ['a name with colons', 'images:resize:v2'],
    ['a name ending in a colon', 'resize:'],
    ['a name that is a colon', ':'],
    ['a name of digits', '123'],
    ['a name that looks like an id', 'resize:42'],
    ['an opening brace', 'a{b'],
    ['a closing brace', 'a}b'],
    ['a hash tag', '{task:x}'],
    ['braces the wrong way round', '}{'],
    ['an empty tag', '{}'],
    ['a backslash', 'a\\(b\\)'],
    ['spaces', 'resize image'],
    ['accents', 'tâche-ünï'],
    ['CJK', '画像処理'],
    ['astral characters', '🙂:🚀'],
    ['glob characters', 'a*b?[c]'],
  ])('round-trips %s', (_what, name) => {
    for (const n of ['1', '9', '10', '1700000000000000', '99999999999999999999']) {
      const address = parseTaskId(`${name}:${n}`);
      expect(address).toEqual({ name, n });
      expect(`${address!.name}:${address!.n}`).toBe(`${name}:${n}`);
    }
  });

  it.each([
    ['no colon', 'resize'],
    ['no number', 'resize:'],
    ['a word for a number', 'resize:abc'],
    ['zero', 'resize:0'],
    ['a leading zero', 'resize:01'],
    ['leading zeros', 'resize:007'],
    ['a sign', 'resize:+5'],
    ['a negative number', 'resize:-5'],
    ['a decimal', 'resize:1.5'],
    ['an exponent', 'resize:1e3'],
    ['hex', 'resize:0x1f'],
    ['a space', 'resize: 5'],
    ['a trailing space', 'resize:5 '],
    ['a trailing newline', 'resize:5\n'],
    ['non-ASCII digits', 'resize:٣'],
    ['fullwidth digits', 'resize:５'],
    ['an empty name', ':5'],
    ['only a colon', ':'],
    ['the empty string', ''],
    ['a number and no name', '5'],
    ['the number before the name', '5:resize'],
  ])('rejects an id with %s', (_what, id) => {
    expect(parseTaskId(id)).toBeUndefined();
  });
});
