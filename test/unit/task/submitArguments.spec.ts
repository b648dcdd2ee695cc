import { firstValueFrom } from 'rxjs';
import { cancelTask, submit, task } from 'rx-sync';
import { createMemoryBackend } from 'rx-sync/memory';

describe('submit, task and cancelTask at call time', () => {
  const backend = createMemoryBackend();

  it('throws TypeError for input that is not a JSON value, before anything is enqueued', () => {
    expect(() => submit(backend, 'resize', { at: new Date(0) })).toThrow(
      'Expected `input.at` to be a JSON value (null, boolean, finite number, string, array or plain object), but it holds an instance of Date.',
    );
    expect(() => submit(backend, 'resize', { size: 10n })).toThrow(TypeError);
  });

  it('throws for a bad name, id, option or backend', () => {
    expect(() => submit(backend, '', null)).toThrow('Expected `name` to be a non-empty string');
    expect(() => submit(backend, 'a', null, { attempts: -1 })).toThrow(RangeError);
    expect(() => submit({ name: 'fake' } as never, 'a', null)).toThrow('Expected `backend` to be a TaskBackend');
    expect(() => task(backend, '')).toThrow(TypeError);
    expect(() => cancelTask(backend, '')).toThrow(TypeError);
  });

  it('is cold: nothing is enqueued before subscription', async () => {
    const fresh = createMemoryBackend();
    submit(fresh, 'resize', null);
    expect(await firstValueFrom(task(fresh, 'task-1'))).toBeUndefined();
  });
});
