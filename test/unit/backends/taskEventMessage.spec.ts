import { decodeTaskEvent, errorInfo } from '../../../src/backends/redis/tasks/taskEventMessage.js';
import type { TaskBackendEvent } from 'rx-sync';

/** The text a task script publishes for `event` (the Lua side encodes the same fields with cjson). */
const encode = (event: object): string => JSON.stringify(event);

const error = { name: 'TypeError', message: 'boom' };

describe('decodeTaskEvent', () => {
  const valid: readonly TaskBackendEvent[] = [
    { type: 'queued', id: 'job:1', seq: 1 },
    { type: 'started', id: 'job:1', seq: 2, attempt: 1, worker: 'host-1-abc' },
    { type: 'progress', id: 'job:1', seq: 3, attempt: 1, value: '{"done":0.5}' },
    { type: 'retrying', id: 'job:1', seq: 4, attempt: 1, error, delay: 0 },
    { type: 'retrying', id: 'job:1', seq: 4, attempt: 1, error, delay: 734.25 }, // a jittered delay
    { type: 'succeeded', id: 'job:1', seq: 6, result: '42' },
    { type: 'succeeded', id: 'job:1', seq: 6 }, // the handler returned undefined
    { type: 'failed', id: 'job:1', seq: 7, attempt: 3, error },
    { type: 'cancelled', id: 'job:1', seq: 2 },
  ];

  it.each(valid.map((event) => [event.type, event] as const))('decodes a %s event', (_type, event) => {
    expect(decodeTaskEvent(encode(event))).toEqual(event);
  });

  it('decodes ids and values of any characters, and an empty worker name or progress value text', () => {
    const id = 'a:{b}:ü🙂:12';
    expect(decodeTaskEvent(encode({ type: 'queued', id, seq: 1 }))).toEqual({ type: 'queued', id, seq: 1 });
    const progress = { type: 'progress', id, seq: 2, attempt: 1, value: '"\\u0000 \\"quoted\\""' };
    expect(decodeTaskEvent(encode(progress))).toEqual(progress);
    expect(decodeTaskEvent(encode({ type: 'started', id, seq: 3, attempt: 1, worker: '' }))).toEqual({
      type: 'started',
      id,
      seq: 3,
      attempt: 1,
      worker: '',
    });
  });

  it('accepts seq and attempt 0 (counts start at 0)', () => {
    expect(decodeTaskEvent(encode({ type: 'queued', id: 'j:1', seq: 0 }))).toEqual({
      type: 'queued',
      id: 'j:1',
      seq: 0,
    });
    expect(decodeTaskEvent(encode({ type: 'failed', id: 'j:1', seq: 1, attempt: 0, error }))).toEqual({
      type: 'failed',
      id: 'j:1',
      seq: 1,
      attempt: 0,
      error,
    });
  });

  it('keeps only the fields of the event type (extra fields a newer script may add are dropped)', () => {
    const decoded = decodeTaskEvent(
      encode({
        type: 'queued',
        id: 'j:1',
        seq: 1,
        attempt: 9,
        worker: 'w',
        extra: true,
        error: { ...error, stack: 's' },
      }),
    );
    expect(decoded).toEqual({ type: 'queued', id: 'j:1', seq: 1 });
    const failed = decodeTaskEvent(
      encode({ type: 'failed', id: 'j:1', seq: 2, attempt: 1, error: { ...error, x: 1 } }),
    );
    expect(failed).toEqual({ type: 'failed', id: 'j:1', seq: 2, attempt: 1, error });
    const succeeded = decodeTaskEvent(encode({ type: 'succeeded', id: 'j:1', seq: 3, worker: 'w' }));
    expect(succeeded).toEqual({ type: 'succeeded', id: 'j:1', seq: 3 });
    expect(succeeded).not.toHaveProperty('result');
  });

  it.each([
    ['empty text', ''],
    ['truncated JSON', '{"type":"queued","id":"j:1","seq":1'],
    ['a bare word', 'queued'],
    ['single quotes', "{'type':'queued','id':'j:1','seq':1}"],
    ['trailing garbage', '{"type":"queued","id":"j:1","seq":1} x'],
  ])('rejects malformed JSON: %s', (_what, text) => {
    expect(decodeTaskEvent(text)).toBeUndefined();
  });

  it.each([
    ['null', 'null'],
    ['a number', '1'],
    ['a string', '"queued"'],
    ['true', 'true'],
    ['an array', '["queued","j:1",1]'],
    ['an empty object', '{}'],
  ])('rejects JSON that is not an event object: %s', (_what, text) => {
    expect(decodeTaskEvent(text)).toBeUndefined();
  });

  const base = { id: 'j:1', seq: 1 };
  it.each<[string, object]>([
    ['an unknown type', { ...base, type: 'paused' }],
    ['no type', { ...base }],
    ['a type of another case', { ...base, type: 'Queued' }],
    ['no id', { type: 'queued', seq: 1 }],
    ['a numeric id', { type: 'queued', id: 1, seq: 1 }],
    ['no seq', { type: 'queued', id: 'j:1' }],
    ['a string seq', { type: 'queued', id: 'j:1', seq: '1' }],
    ['a negative seq', { type: 'queued', id: 'j:1', seq: -1 }],
    ['a fractional seq', { type: 'queued', id: 'j:1', seq: 1.5 }],
    ['a seq beyond 2^53', { type: 'queued', id: 'j:1', seq: 2 ** 53 }],
    ['started without worker', { ...base, type: 'started', attempt: 1 }],
    ['started with a numeric worker', { ...base, type: 'started', attempt: 1, worker: 7 }],
    ['started without attempt', { ...base, type: 'started', worker: 'w' }],
    ['started with a negative attempt', { ...base, type: 'started', attempt: -1, worker: 'w' }],
    ['progress without value', { ...base, type: 'progress', attempt: 1 }],
    ['progress with a parsed value', { ...base, type: 'progress', attempt: 1, value: 0.5 }],
    ['progress with a null value', { ...base, type: 'progress', attempt: 1, value: null }],
    ['progress without attempt', { ...base, type: 'progress', value: '1' }],
    ['retrying without error', { ...base, type: 'retrying', attempt: 1, delay: 0 }],
    [
      'retrying with an error lacking a message',
      { ...base, type: 'retrying', attempt: 1, delay: 0, error: { name: 'E' } },
    ],
    ['retrying with an error string', { ...base, type: 'retrying', attempt: 1, delay: 0, error: 'boom' }],
    ['retrying without delay', { ...base, type: 'retrying', attempt: 1, error }],
    ['retrying with a negative delay', { ...base, type: 'retrying', attempt: 1, error, delay: -1 }],
    ['retrying with a string delay', { ...base, type: 'retrying', attempt: 1, error, delay: '10' }],
    ['retrying with a null delay', { ...base, type: 'retrying', attempt: 1, error, delay: null }],
    ['retrying without attempt', { ...base, type: 'retrying', error, delay: 0 }],
    ['succeeded with a parsed result', { ...base, type: 'succeeded', result: 42 }],
    ['succeeded with a null result', { ...base, type: 'succeeded', result: null }],
    ['failed without error', { ...base, type: 'failed', attempt: 1 }],
    ['failed with a numeric error name', { ...base, type: 'failed', attempt: 1, error: { name: 1, message: 'm' } }],
    ['failed without attempt', { ...base, type: 'failed', error }],
  ])('rejects an event with %s', (_what, message) => {
    expect(decodeTaskEvent(encode(message))).toBeUndefined();
  });

  it('never throws, whatever the text', () => {
    for (const text of ['{"__proto__":{"type":"queued"}}', '{"type":{"x":1},"id":"j:1","seq":1}', '[]', '{"a":'])
      expect(() => decodeTaskEvent(text)).not.toThrow();
    expect(decodeTaskEvent('{"__proto__":{"type":"queued"},"id":"j:1","seq":1}')).toBeUndefined();
  });
});

describe('errorInfo', () => {
  it('reads `{name, message}` and drops other fields', () => {
    expect(errorInfo({ name: 'E', message: 'm' })).toEqual({ name: 'E', message: 'm' });
    expect(errorInfo({ name: 'E', message: '', stack: 'x' })).toEqual({ name: 'E', message: '' });
  });

  it.each([undefined, null, 'E: m', 1, [], {}, { name: 'E' }, { message: 'm' }, { name: null, message: 'm' }])(
    'rejects %j',
    (value) => {
      expect(errorInfo(value)).toBeUndefined();
    },
  );
});
