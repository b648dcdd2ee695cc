// Type-checks and runs every ```ts block of README.md, so that the README stays true to the code.
//
// Each block becomes a module of its own under .tmp/readme/ (written fresh on each run), with
// 'rx-sync', 'rx-sync/memory', 'rx-sync/testing', 'rx-sync/redis' and 'rx-sync/ntp' mapped to src/.
// All of them are type-checked in one TypeScript program; then each is run:
// - with tsx, and must exit by itself with code 0 within the time limit (a sign that it leaves no
//   subscription running), with REDIS_URL pointing at a throwaway redis-server when it imports
//   ioredis or 'rx-sync/redis';
// - a block that calls `it(` is a jest test and runs under jest, with the repository's transform;
// - `<!-- readme-check: runs until stopped -->` on the line before a block: it must still be running
//   after a few seconds; it is then sent SIGTERM and must end (by its own shutdown, or by the signal)
//   with nothing on stderr;
// - `<!-- readme-check: type-check only, <why> -->`: it is type-checked and not run (it needs hosts
//   outside this machine, say).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { throwawayRedis } from './support/throwawayRedis.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const jestBin = require.resolve('jest/bin/jest');
const outDir = join(root, '.tmp', 'readme');
const TIME_LIMIT = 30_000;
const RUNS_UNTIL_STOPPED = 3_000;

/** @typedef {{ line: number, code: string, mode: 'run' | 'jest' | 'until-stopped' | 'type-check', why?: string, redis: boolean, file: string }} Block */

/** The ```ts blocks of the README, each with how it is checked. @returns {Block[]} */
function readmeBlocks() {
  const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n');
  const blocks = [];
  for (let index = 0; index < lines.length; index++) {
    if (lines[index] !== '```ts') continue;
    // The marker is the nearest line above the fence that is not blank (prettier puts one between).
    let above = index - 1;
    while (above > 0 && lines[above]?.trim() === '') above--;
    const marker = /^<!-- readme-check: (runs until stopped|type-check only, (.+)) -->$/.exec(lines[above] ?? '');
    const end = lines.indexOf('```', index + 1);
    const code = lines.slice(index + 1, end).join('\n');
    const line = index + 1;
    const jest = /^\s*it\(/m.test(code);
    const mode = marker?.[1] === 'runs until stopped' ? 'until-stopped' : marker ? 'type-check' : jest ? 'jest' : 'run';
    blocks.push({
      line,
      code,
      mode,
      ...(marker?.[2] !== undefined && { why: marker[2] }),
      redis: /from '(ioredis|rx-sync\/redis)'/.test(code),
      // Jest runs CommonJS test files; the others are ES modules (top-level await).
      file: join(outDir, jest ? `line-${line}.spec.ts` : `line-${line}.mts`),
    });
    index = end;
  }
  return blocks;
}

const blocks = readmeBlocks();
// Tests send traffic to loopback only: a block that names another host can only be type-checked.
const foreignHost = /host: '(?!127\.0\.0\.1'|localhost')|\w+:\/\/(?!127\.0\.0\.1[:/']|localhost[:/'])/;
const unsafe = blocks.filter((block) => block.mode !== 'type-check' && foreignHost.test(block.code));
if (unsafe.length > 0) {
  console.error(
    `README: blocks at lines ${unsafe.map((block) => block.line).join(', ')} name hosts other than 127.0.0.1; ` +
      'mark them <!-- readme-check: type-check only, <why> -->',
  );
  process.exit(1);
}
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
for (const block of blocks) writeFileSync(block.file, `${block.code}\n${block.mode === 'jest' ? '' : 'export {};\n'}`);
const paths = {
  'rx-sync': ['../../src/index.ts'],
  'rx-sync/memory': ['../../src/backends/memory/index.ts'],
  'rx-sync/testing': ['../../src/testing/index.ts'],
  'rx-sync/redis': ['../../src/backends/redis/index.ts'],
  'rx-sync/ntp': ['../../src/time/ntp/index.ts'],
};
writeFileSync(
  join(outDir, 'tsconfig.json'),
  JSON.stringify({
    extends: '../../tsconfig.json',
    compilerOptions: { rootDir: '../..', noEmit: true, noUnusedLocals: false, types: ['node', 'jest'], paths },
    include: ['./*.mts', './*.ts'],
  }),
);

console.log(`README: type-checking ${blocks.length} blocks`);
const typecheck = spawnSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', join(outDir, 'tsconfig.json')],
  {
    cwd: root,
    encoding: 'utf8',
  },
);
if (typecheck.status !== 0) {
  // Errors name the block's file (line-N: the README line of its fence).
  console.error(`${typecheck.stdout}${typecheck.stderr}`.trim());
  console.error('README: a block does not type-check (line-N is the README line of its ```ts fence)');
  process.exit(1);
}

/** Runs one block as its own process; resolves with a failure message, or undefined. */
function run(block, env) {
  if (block.mode === 'jest') {
    // The repository's own jest project (transform, module names), on this one file.
    const { projects } = require(join(root, 'jest.config.js'));
    const { displayName: _name, testMatch: _match, ...project } = projects[0];
    const config = JSON.stringify({ ...project, roots: [outDir], testMatch: [block.file] });
    const result = spawnSync(process.execPath, [jestBin, '--config', config], { cwd: root, env, stdio: 'inherit' });
    return Promise.resolve(result.status === 0 ? undefined : `jest failed (exit code ${result.status})`);
  }
  return new Promise((resolve) => {
    // One process (tsx as a loader, not its CLI, which would run the block in a child of its own
    // that a kill of the CLI leaves behind).
    const child = spawn(process.execPath, ['--import', 'tsx', block.file], {
      cwd: root,
      env: { ...env, TSX_TSCONFIG_PATH: join(outDir, 'tsconfig.json') },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    // A block that runs until stopped gets SIGTERM (as a service would) and must then end by itself.
    let stopping = false;
    const stop =
      block.mode === 'until-stopped'
        ? setTimeout(() => {
            stopping = true;
            child.kill('SIGTERM');
          }, RUNS_UNTIL_STOPPED)
        : undefined;
    const limit = setTimeout(() => child.kill('SIGKILL'), TIME_LIMIT);
    child.once('exit', (code, signal) => {
      clearTimeout(stop);
      clearTimeout(limit);
      if (signal === 'SIGKILL') resolve(`did not exit within ${TIME_LIMIT / 1000} s: something is still subscribed`);
      else if (block.mode === 'until-stopped' && !stopping)
        resolve(`ended by itself (exit code ${code}) before SIGTERM`);
      else if (code !== 0 && signal !== 'SIGTERM') resolve(`exit code ${code}`);
      else resolve(stderr.trim() === '' ? undefined : 'wrote to stderr');
    });
  });
}

const redis = blocks.some((block) => block.redis && block.mode !== 'type-check') ? await throwawayRedis() : undefined;
const failed = [];
for (const block of blocks) {
  const label = `README.md line ${block.line}`;
  if (block.mode === 'type-check') {
    console.log(`- ${label}: type-checked only (${block.why})`);
    continue;
  }
  console.log(`\n▶ ${label}${block.mode === 'until-stopped' ? ' (runs until stopped)' : ''}`);
  const env = { ...process.env };
  if (block.redis) env.REDIS_URL = redis.url;
  else delete env.REDIS_URL;
  const failure = await run(block, env);
  if (failure) failed.push(`${label}: ${failure}`);
  console.log(failure ? `✗ ${label}: ${failure}` : `✓ ${label}`);
}
redis?.stop();
console.log(
  failed.length === 0
    ? `\nREADME: all ${blocks.length} blocks type-check; every one that can run ran cleanly.`
    : `\nREADME: ${failed.length} blocks failed:\n${failed.join('\n')}`,
);
process.exitCode = failed.length === 0 ? 0 : 1;
