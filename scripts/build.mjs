// Builds the dual ESM/CJS package into dist/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });

for (const [flavour, project, type] of [
  ['esm', 'tsconfig.build.esm.json', 'module'],
  ['cjs', 'tsconfig.build.cjs.json', 'commonjs'],
]) {
  console.log(`build: tsc -p ${project}`);
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, project)], { cwd: root, stdio: 'inherit' });
  if (result.error) {
    console.error(`build: could not run tsc: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) {
    console.error(`build: tsc -p ${project} failed (${result.signal ?? `exit code ${result.status}`})`);
    process.exit(result.status || 1);
  }
  const outDir = join(dist, flavour);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ type }, null, 2)}\n`);
}
console.log('build: dist/esm and dist/cjs written');
