// ESLint flat config: @eslint/js recommended everywhere, typescript-eslint recommendedTypeChecked for TypeScript.
// Type information comes from the project service: src/** -> tsconfig.json, test/** -> test/tsconfig.json,
// examples/** -> examples/tsconfig.json (the nearest tsconfig.json to each file).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { boundaries, layer } from './eslint.boundaries.mjs';

const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'AbortController',
    'AbortSignal',
    'TextEncoder',
    'TextDecoder',
    'structuredClone',
    'queueMicrotask',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
  ].map((name) => [name, 'readonly']),
);
const commonJsGlobals = {
  require: 'readonly',
  module: 'writable',
  exports: 'writable',
  __dirname: 'readonly',
  __filename: 'readonly',
};

const unusedVars = {
  args: 'after-used',
  argsIgnorePattern: '^_',
  varsIgnorePattern: '^_',
  caughtErrorsIgnorePattern: '^_',
  destructuredArrayIgnorePattern: '^_',
  ignoreRestSiblings: true,
};

const timeMessage = 'use RxJS timer/scheduler (asyncScheduler, timer, delay...) so that TestScheduler controls time';
const clockMessage = 'read time through the RxJS scheduler (scheduler.now()) so that TestScheduler controls time';

export default defineConfig([
  globalIgnores(['dist/', 'node_modules/', 'coverage/', '.tmp/', 'bench/results.json']),

  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-unused-vars': ['error', unusedVars],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['rxjs/internal', 'rxjs/internal/*'], message: 'import from the public rxjs entry points only' },
          ],
        },
      ],
    },
  },

  // Plain JavaScript: scripts/*.mjs (ESM) and *.js config files (CommonJS: package.json has "type": "commonjs").
  {
    files: ['**/*.mjs'],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: nodeGlobals },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'commonjs', globals: { ...nodeGlobals, ...commonJsGlobals } },
  },

  // TypeScript, type-checked.
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: dirname(fileURLToPath(import.meta.url)),
      },
    },
    rules: {
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': ['error', unusedVars],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },

  // Library source: time only through RxJS schedulers.
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: timeMessage },
        { name: 'setInterval', message: timeMessage },
        { name: 'setImmediate', message: timeMessage },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: clockMessage },
        { object: 'performance', property: 'now', message: clockMessage },
        ...['globalThis', 'global'].flatMap((object) =>
          ['setTimeout', 'setInterval', 'setImmediate'].map((property) => ({ object, property, message: timeMessage })),
        ),
      ],
    },
  },

  // The layers of src/: what each folder may import.
  ...boundaries,

  // Tests: jest idioms that the type-checked rules misread.
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off', // expect(obj.method).toHaveBeenCalled()
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off', // { at: expect.any(Number) }
    },
  },

  // Specs import the public API by the package names (jest and test/tsconfig.json map them to src/),
  // and only internals by relative src/ paths. Files run by tsx as processes of their own cannot
  // resolve the package names, and keep relative paths.
  {
    ...layer(
      ['test/**/*.ts'],
      [
        {
          regex: '^(\\.\\./)+src/(index|backends/[^/]+/index|testing/index|time/ntp/index)(\\.[jt]s)?$',
          message:
            "import the public API by its package name ('rx-sync', 'rx-sync/memory', 'rx-sync/redis', 'rx-sync/testing', 'rx-sync/ntp'), not by a relative src/ path",
        },
      ],
    ),
    ignores: ['test/faults/**', 'test/bench/**', 'test/redis/fixtures/**'],
  },
]);
