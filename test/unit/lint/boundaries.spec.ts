import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');

/**
 * Lints each `[path, code]` as if `code` were the file `path` of src/, with the repository's layer
 * rules (eslint.boundaries.mjs, which eslint.config.mjs uses), and returns the messages of each.
 * ESLint runs in one process of its own: it is an ES module, which this test runtime cannot import.
 */
function lintAll(files: readonly (readonly [string, string])[]): string[][] {
  const script = `
    import { ESLint } from 'eslint';
    import tseslint from 'typescript-eslint';
    import { boundaries } from './eslint.boundaries.mjs';
    const eslint = new ESLint({
      cwd: process.cwd(),
      overrideConfigFile: true,
      overrideConfig: [
        { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { '@typescript-eslint': tseslint.plugin } },
        ...boundaries,
      ],
    });
    const messages = [];
    for (const [path, code] of JSON.parse(process.argv[1])) {
      const [result] = await eslint.lintText(code, { filePath: process.cwd() + '/src/' + path });
      messages.push(result.messages.map((message) => message.message));
    }
    console.log(JSON.stringify(messages));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(files)], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as string[][];
}

const FORBIDDEN = [
  ['engine/x.ts', "import { lock } from '../observables/lock.js';", 'nothing from observables/'],
  ['engine/x.ts', "import { createRedisBackend } from '../backends/redis/createRedisBackend.js';", 'backend'],
  ['backends/redis/x.ts', "import { leaseTenure } from '../../engine/leaseEngine.js';", 'no engine'],
  ['backends/redis/x.ts', "import { lock } from '../../observables/lock.js';", 'observables'],
  ['backends/redis/x.ts', "import { MemoryTasks } from '../memory/memoryTasks.js';", 'each other'],
  ['backends/memory/x.ts', "import { RedisKeys } from '../redis/redisKeys.js';", 'each other'],
  ['backend.ts', "import { leaseTenure } from './engine/leaseEngine.js';", 'nothing above it'],
  ['errors/x.ts', "import { show } from '../internal/validate.js';", 'nothing but errors'],
  ['observables/x.ts', "import { createTestBackend } from '../testing/createTestBackend.js';", 'testing/'],
] as const;

const ALLOWED = [
  ['observables/x.ts', "import { leaseTenure } from '../engine/leaseEngine.js';"],
  ['backends/redis/x.ts', "import { assertKeyArgument } from '../../internal/storeArguments.js';"],
  ['backends/redis/leases/x.ts', "import { RedisKeys } from '../redisKeys.js';"],
  ['errors/x.ts', "import type { TaskErrorInfo } from '../taskBackend.js';"],
  ['testing/x.ts', "import { createMemoryBackend } from '../backends/memory/createMemoryBackend.js';"],
] as const;

let messages: string[][];
beforeAll(() => {
  messages = lintAll([...FORBIDDEN, ...ALLOWED].map(([path, code]) => [path, code] as const));
});

describe('the layers of src/ (eslint.boundaries.mjs)', () => {
  it.each(FORBIDDEN.map((entry, index) => [...entry, index] as const))(
    '%s may not: %s',
    (_path, _code, reason, index) => {
      expect(messages[index]).toHaveLength(1);
      expect(messages[index]![0]).toContain(reason);
    },
  );

  it.each(ALLOWED.map((entry, index) => [...entry, FORBIDDEN.length + index] as const))(
    '%s may: %s',
    (_path, _code, index) => {
      expect(messages[index]).toEqual([]);
    },
  );
});
