// The first step of `npm test`: makes sure the servers the tests start are installed. Each is looked
// up on PATH and in the sbin directories (a non-root shell's PATH often lacks /usr/sbin). What is
// missing is installed with apt-get when this process can do it (root, or sudo without a password);
// otherwise it stops at once with the exact command to run, before any test starts.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A server the tests start: the binary they run and the Debian package that installs it. */
const requirements = [
  { binary: 'redis-server', debianPackage: 'redis-server', usedBy: 'the Redis, topology and fault suites' },
  { binary: 'chronyd', debianPackage: 'chrony', usedBy: 'the NTP tests of Time (test/time)' },
];

const searchPath = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];

/** Whether `binary` is an executable file somewhere on the search path. */
function installed(binary) {
  return searchPath.some((directory) => {
    try {
      accessSync(join(directory, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Runs a command with inherited output; returns whether it exited with 0. */
function run(command, args, env = process.env) {
  return spawnSync(command, args, { stdio: 'inherit', env }).status === 0;
}

/** The prefix that runs apt-get as root, or undefined when this process cannot. */
function rootPrefix() {
  if (process.getuid?.() === 0) return [];
  const sudo = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  return sudo.status === 0 ? ['sudo', '-n'] : undefined;
}

const missing = requirements.filter(({ binary }) => !installed(binary));
if (missing.length === 0) process.exit(0);

const packages = missing.map(({ debianPackage }) => debianPackage);
const installCommand = `sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`;
for (const { binary, usedBy } of missing) console.log(`ensureSystemPackages: ${binary} is missing (${usedBy})`);

const hasAptGet = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
const prefix = hasAptGet ? rootPrefix() : undefined;
if (prefix === undefined) {
  console.error(
    hasAptGet
      ? `ensureSystemPackages: cannot install as this user (not root, no password-free sudo). Run:\n\n  ${installCommand}\n\nthen \`npm test\` again.`
      : `ensureSystemPackages: no apt-get here. Install ${missing.map(({ binary }) => binary).join(' and ')} with your package manager (macOS: brew install redis chrony), then \`npm test\` again.`,
  );
  process.exit(1);
}

console.log(`ensureSystemPackages: installing ${packages.join(', ')} with apt-get`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const [command = 'apt-get', ...rest] = [...prefix, 'apt-get'];
const ok =
  run(command, [...rest, 'update'], env) &&
  run(command, [...rest, 'install', '-y', '--no-install-recommends', ...packages], env);
const stillMissing = missing.filter(({ binary }) => !installed(binary));
if (!ok || stillMissing.length > 0) {
  console.error(`ensureSystemPackages: the install did not finish. Run:\n\n  ${installCommand}\n`);
  process.exit(1);
}
console.log('ensureSystemPackages: installed');
