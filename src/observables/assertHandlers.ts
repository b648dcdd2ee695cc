import { assertNameWithin } from '../internal/limits.js';
import type { BackendLimits } from '../limits.js';
import type { TaskHandlers } from './TaskEvent.js';

/** Throws `TypeError` (or `RangeError` for a name over the backend's limit) unless `handlers` is an object of task handlers by name. */
export function assertHandlers(handlers: unknown, limits: BackendLimits): asserts handlers is TaskHandlers {
  if (typeof handlers !== 'object' || handlers === null || Array.isArray(handlers)) {
    throw new TypeError('Expected `handlers` to be an object of task handlers by name.');
  }
  const entries = Object.entries(handlers);
  if (entries.length === 0) throw new TypeError('Expected `handlers` to name at least one task.');
  for (const [name, handler] of entries) {
    assertNameWithin(limits, name, 'handlers key');
    if (typeof handler !== 'function') {
      throw new TypeError(`Expected \`handlers.${name}\` to be a function, got ${typeof handler}.`);
    }
  }
}
