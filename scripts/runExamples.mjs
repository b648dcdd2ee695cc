// Runs every examples/*.ts with tsx, against the sources (examples/tsconfig.json maps 'rx-sync',
// 'rx-sync/memory', 'rx-sync/testing' and 'rx-sync/redis' to src/), one after the other, and the
// demo a second time on Redis. Fails when an example exits with a non-zero code, or does not exit by
// itself within the time limit (a sign that it left a subscription, and so a timer, running).
// The redis-*.ts examples and the Redis demo run against REDIS_URL when it is set, else against a
// redis-server that this script starts on a free port of 127.0.0.1 and stops afterwards.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { throwawayRedis } from './support/throwawayRedis.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const timeLimit = 30_000;

const files = readdirSync(join(root, 'examples'))
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .sort();
/** Each run: the file, a label, and whether it needs Redis. */
const examples = [
  ...files.map((file) => ({ file, label: join('examples', file), redis: file.startsWith('redis-') })),
  { file: 'demo.ts', label: 'examples/demo.ts on Redis (REDIS_URL set)', redis: true },
];

const redis = await throwawayRedis();

const failed = [];
for (const { file, label: path, redis: needsRedis } of examples) {
  console.log(`\n▶ ${path}`);
  const started = Date.now();
  const env = { ...process.env };
  if (needsRedis) env.REDIS_URL = redis.url;
  else delete env.REDIS_URL;
  // tsx as a loader in one process (its CLI would run the example in a child that a kill leaves behind).
  const result = spawnSync(process.execPath, ['--import', 'tsx', join('examples', file)], {
    cwd: root,
    env: { ...env, TSX_TSCONFIG_PATH: join('examples', 'tsconfig.json') },
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

redis.stop();
console.log(
  failed.length === 0
    ? `\nAll ${examples.length} examples ran and exited cleanly.`
    : `\n${failed.length} of ${examples.length} examples failed: ${failed.join(', ')}`,
);
process.exitCode = failed.length === 0 ? 0 : 1;
