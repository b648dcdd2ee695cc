/**
 * Task inputs, results and progress values are JSON values: they cross process boundaries (Redis)
 * and must come back equal. This checks that a value survives `JSON.stringify` unchanged, which
 * plain `JSON.stringify` does not (it drops `undefined` and functions, turns `NaN` into `null`
 * and a `Date` into a string, and throws on a cycle or a `bigint` with an unhelpful message).
 */
export function toJson(value: unknown, what: string): string {
  assertJsonValue(value, what, new Set());
  return JSON.stringify(value);
}

/** Parses JSON text that rx-sync wrote (`undefined` stays `undefined`). */
export function fromJson(text: string | undefined): unknown {
  return text === undefined ? undefined : JSON.parse(text);
}

function assertJsonValue(value: unknown, path: string, seen: Set<object>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(path, `the number ${value}, which JSON cannot represent`);
    return;
  }
  if (typeof value !== 'object') fail(path, describe(value));
  if (seen.has(value)) fail(path, 'a circular reference');
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertJsonValue(item, `${path}[${index}]`, seen));
  } else {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) {
      fail(path, `an instance of ${(value.constructor as { name?: string } | undefined)?.name ?? 'a class'}`);
    }
    for (const [key, item] of Object.entries(value)) assertJsonValue(item, `${path}.${key}`, seen);
  }
  seen.delete(value);
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `the bigint ${value}n`;
  if (value === undefined) return 'undefined';
  return `a ${typeof value}`;
}

function fail(path: string, found: string): never {
  throw new TypeError(
    `Expected \`${path}\` to be a JSON value (null, boolean, finite number, string, array or plain object), but it holds ${found}.`,
  );
}
