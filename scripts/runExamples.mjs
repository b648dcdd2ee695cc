// Runs every examples/*.ts with tsx, against the sources (examples/tsconfig.json maps 'rx-sync',
// 'rx-sync/memory' and 'rx-sync/testing' to src/), one after the other. Fails when an example
// exits with a non-zero code, or does not exit by itself within the time limit (a sign that it
// left a subscription, and so a timer, running).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = createRequire(import.meta.url).resolve('tsx/cli');
const timeLimit = 30_000;

const examples = readdirSync(join(root, 'examples'))
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .sort();

const failed = [];
for (const file of examples) {
  const path = join('examples', file);
  console.log(`\n▶ ${path}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [tsx, '--tsconfig', join('examples', 'tsconfig.json'), path], {
    cwd: root,
    stdio: 'inherit',
    timeout: timeLimit,
    killSignal: 'SIGKILL',
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.error?.code === 'ETIMEDOUT' || result.signal === 'SIGKILL') {
    failed.push(path);
    console.log(`✗ ${path} did not exit within ${timeLimit / 1000} s: something is still subscribed`);
  } else if (result.error || result.status !== 0) {
    failed.push(path);
    console.log(`✗ ${path} failed (${result.error ? result.error.message : `exit code ${result.status}`})`);
  } else {
    console.log(`✓ ${path} (${seconds} s)`);
  }
}

console.log(
  failed.length === 0
    ? `\nAll ${examples.length} examples ran and exited cleanly.`
    : `\n${failed.length} of ${examples.length} examples failed: ${failed.join(', ')}`,
);
process.exitCode = failed.length === 0 ? 0 : 1;
