// Runs the jest projects that need no server (unit, marble, contract) on the other Node.js lines
// rx-sync supports, beside the one running this script: each Node binary comes from the npm
// registry (the official binaries packaged as `node-<platform>-<arch>`), installed once into
// node_modules/.cache and reused. Fails when a line cannot be had or a test fails on it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Node.js lines tested here, pinned (package.json "engines" says which lines are supported). */
const VERSIONS = ['22.23.5', '24.22.3', '26.12.1'];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const jest = createRequire(import.meta.url).resolve('jest/bin/jest');
const cache = join(root, 'node_modules', '.cache', 'rx-sync-nodes');
const binaryPackage = `node-${process.platform}-${process.arch}`;

/** The `node` binary of `version`, installed into the cache when missing. */
function nodeBinary(version) {
  const prefix = join(cache, version);
  const binary = join(prefix, 'node_modules', binaryPackage, 'bin', 'node');
  if (existsSync(binary)) return binary;
  mkdirSync(prefix, { recursive: true });
  console.log(`otherNodes: installing ${binaryPackage}@${version}`);
  const install = spawnSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--prefix',
      prefix,
      `${binaryPackage}@${version}`,
    ],
    { stdio: 'inherit' },
  );
  if (install.status !== 0 || !existsSync(binary)) {
    console.error(`otherNodes: could not install ${binaryPackage}@${version} from the npm registry`);
    process.exit(1);
  }
  return binary;
}

let failed = false;
for (const version of VERSIONS) {
  const binary = nodeBinary(version);
  console.log(`\notherNodes: unit, marble and contract tests on Node ${version}`);
  const run = spawnSync(binary, [jest, '--selectProjects', 'unit', 'marble', 'contract', '--maxWorkers=2'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) {
    console.error(`otherNodes: the tests failed on Node ${version}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
