// @ts-check
'use strict';

/**
 * ts-jest in transpile-only mode: test/tsconfig.json inherits `isolatedModules: true` from tsconfig.json, which
 * ts-jest 29.4 takes as "transpile each file with ts.transpileModule, no type check" (the ts-jest option
 * `isolatedModules` is deprecated in favour of the tsconfig one). Types are checked by `npm run typecheck`.
 */
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
};

/** Sources are written with `.js` import specifiers; the package's own names map to the src entry points. */
const moduleNameMapper = {
  '^(\\.{1,2}/.*)\\.js$': '$1',
  '^rx-sync$': '<rootDir>/src/index.ts',
  '^rx-sync/memory$': '<rootDir>/src/backends/memory/index.ts',
  '^rx-sync/testing$': '<rootDir>/src/testing/index.ts',
  '^rx-sync/redis$': '<rootDir>/src/backends/redis/index.ts',
  '^rx-sync/ntp$': '<rootDir>/src/time/ntp/index.ts',
};

// The top-level value is the one Jest 30 applies; the per-project copy keeps a project run on its own the same.
const testTimeout = 20_000;

/** @param {string} name @returns {import('jest').Config} */
const project = (name) => ({
  displayName: name,
  rootDir: __dirname,
  testMatch: [`<rootDir>/test/${name}/**/*.spec.ts`],
  testEnvironment: 'node',
  transform,
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json', 'node'],
  setupFilesAfterEnv: ['<rootDir>/test/support/setupFailOnUnhandled.ts'],
  errorOnDeprecated: true,
  testTimeout,
});

/**
 * The same project on ioredis 6 (installed as the alias `ioredis6`; `ioredis` itself is the lowest
 * 5.x of the peer range), so both majors that `npm i ioredis` may give users run the Redis suites.
 * Test processes spawned by these specs load the same major (test/support/ioredis.ts).
 * @param {string} name @returns {import('jest').Config}
 */
const onIoredis6 = (name) => ({
  ...project(name),
  displayName: `${name}-ioredis6`,
  moduleNameMapper: { '^ioredis$': 'ioredis6', ...moduleNameMapper },
  setupFiles: ['<rootDir>/test/support/useIoredis6.ts'],
});

/** @type {import('jest').Config} */
module.exports = {
  testTimeout,
  projects: [
    project('unit'),
    project('marble'),
    project('contract'),
    project('redis'),
    project('time'),
    project('topology'),
    onIoredis6('redis'),
    onIoredis6('topology'),
  ],
};
