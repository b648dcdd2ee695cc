// Checks the package as npm would publish it. Run `npm run build` first. It packs the repository
// (`npm pack --ignore-scripts`: the dist/ just built, with no second build) into a tarball in a
// temporary directory, then checks:
// 1. the tarball's contents: package.json, LICENSE, README.md, CHANGELOG.md, dist/ and src/, nothing
//    else; every `sourceMappingURL` names a shipped map, and every map's `sources` name shipped files;
// 2. @arethetypeswrong/cli on the tarball, profile strict: every entry point under the resolution
//    modes node10, node16 from CommonJS, node16 from ESM and bundler; any problem fails;
// 3. publint on the tarball: any message fails, suggestions included;
// 4. the tarball unpacked as node_modules/rx-sync of a throwaway project: every public entry point
//    loads through the exports map with `import` (ESM) and `require` (CJS), and a TypeScript consumer
//    type-checks under NodeNext as ESM (.mts) and as CJS (.cts), and under `moduleResolution: node10`
//    with `module: commonjs` (older tsconfigs; subpaths through typesVersions).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const requireFromRoot = createRequire(join(root, 'package.json'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Public entry points and the names each must export. */
const entries = {
  'rx-sync': [
    'lock',
    'leadership',
    'leader',
    'keyValue',
    'changes',
    'withLock',
    'whileLeader',
    'SyncError',
    'clock',
    'localClock',
    'backendClock',
    'createClock',
    'ClockSourceError',
  ],
  'rx-sync/memory': ['createMemoryBackend'],
  'rx-sync/testing': ['createTestBackend'],
  'rx-sync/redis': ['createRedisBackend'],
  'rx-sync/ntp': ['ntpClock'],
};
/** What the tarball may hold at its top level. */
const expectedTopLevel = ['CHANGELOG.md', 'LICENSE', 'README.md', 'dist/', 'package.json', 'src/'];
/** The resolution modes attw must find every entry point typed and right under. */
const attwModes = ['node10', 'node16-cjs', 'node16-esm', 'bundler'];

/** Whether `file` lies inside directory `parent`. */
const inside = (parent, file) => {
  const rel = relative(parent, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

let failures = 0;
const check = (ok, label, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${detail ? ` - ${detail}` : ''}`);
  if (!ok) failures++;
};

/** Runs a command to completion; stops the check when it cannot start or fails, unless `allowFailure`. */
const run = (command, args, options = {}) => {
  const { allowFailure = false, ...spawnOptions } = options;
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    shell: process.platform === 'win32',
    ...spawnOptions,
  });
  if (result.error || (!allowFailure && result.status !== 0)) {
    console.error(`checkPackage: ${command} ${args.join(' ')} failed`);
    console.error((result.error?.message ?? `${result.stderr}\n${result.stdout}`).trim());
    process.exit(1);
  }
  return result;
};

// ---- Errors across the ESM and CJS copies (issue 12) ------------------------------------------------
// A user can load both builds in one process (an ESM app with a CommonJS dependency that requires
// rx-sync): an error made by one copy must pass `instanceof` with the other copy's classes, and of
// no other class; a plain Error of neither.

/** Error classes and constructor arguments for the probe: every SyncError subclass rx-sync exports. */
const errorArguments = {
  LockTimeoutError: ['jobs', 500],
  LockBusyError: ['jobs', 'node-a', 300],
  VersionConflictError: ['config', 2, 3],
  BackendUnavailableError: ['redis', 'get'],
  BackendClosedError: ['redis', 'submit'],
  BackendReplyError: ['redis', 'get', 'WRONGTYPE'],
  NotHeldError: ['jobs'],
  TaskFailedError: ['resize:1', 'resize', 3, { name: 'Error', message: 'boom' }],
  TaskCancelledError: ['resize:1', 'resize'],
  TaskTimeoutError: ['resize:1', 'resize', 1000],
  TaskStalledError: ['resize:1', 'resize', 2],
  NonRetryableError: ['width must be positive'],
  UnknownTaskError: ['resise', ['resize']],
  ClockSourceError: ['ntp', 'stayed silent.'],
};

/** Runs the cross-copy probe in the consumer project `dir` and checks what it prints. */
function checkErrorsAcrossCopies(dir) {
  writeFileSync(
    join(dir, 'errors-probe.mjs'),
    [
      "import { createRequire } from 'node:module';",
      "import * as esm from 'rx-sync';",
      "const cjs = createRequire(import.meta.url)('rx-sync');",
      `const errorArguments = ${JSON.stringify(errorArguments)};`,
      'const names = Object.keys(errorArguments);',
      'const exported = Object.keys(esm).filter((name) => esm[name]?.prototype instanceof esm.SyncError).sort();',
      'const classes = {};',
      'for (const name of names) {',
      '  const fromCjs = new cjs[name](...errorArguments[name]);',
      '  const fromEsm = new esm[name](...errorArguments[name]);',
      '  const others = names.filter((other) => other !== name);',
      '  classes[name] = {',
      '    distinct: cjs[name] !== esm[name],',
      "    code: typeof fromCjs.code === 'string' && fromCjs.code === fromEsm.code && esm[name].code === fromEsm.code,",
      '    cjsToEsm: fromCjs instanceof esm[name] && fromCjs instanceof esm.SyncError,',
      '    esmToCjs: fromEsm instanceof cjs[name] && fromEsm instanceof cjs.SyncError,',
      '    noOtherClass: others.every((other) => !(fromCjs instanceof esm[other]) && !(fromEsm instanceof cjs[other])),',
      '  };',
      '}',
      'const plain = Object.assign(new Error("x"), { name: "LockTimeoutError", code: esm.LockTimeoutError.code });',
      'const plainRefused = ![esm, cjs].some((copy) => plain instanceof copy.SyncError || plain instanceof copy.LockTimeoutError);',
      'console.log(JSON.stringify({ exported, classes, plainRefused }));',
      '',
    ].join('\n'),
  );
  const probe = spawnSync(process.execPath, ['errors-probe.mjs'], { cwd: dir, encoding: 'utf8' });
  if (probe.status !== 0) {
    check(false, 'errors: node errors-probe.mjs runs', (probe.stderr || probe.error?.message || '').trim());
    return;
  }
  const { exported, classes, plainRefused } = JSON.parse(probe.stdout.trim().split('\n').pop());
  const expected = Object.keys(errorArguments).sort();
  check(
    JSON.stringify(exported) === JSON.stringify(expected),
    'errors: the probe covers every exported error class',
    `exported ${exported.join(', ')}`,
  );
  for (const [name, seen] of Object.entries(classes)) {
    for (const [property, ok] of Object.entries(seen)) check(ok, `errors: ${name} ${property}`);
  }
  check(plainRefused, 'errors: a plain Error with the same name and code is no rx-sync error in either copy');
}
// ---- end of errors across copies ---------------------------------------------------------------------

if (!existsSync(join(root, 'dist', 'esm')) || !existsSync(join(root, 'dist', 'cjs'))) {
  console.error('checkPackage: dist/esm or dist/cjs is missing; run `npm run build` first');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'rx-sync-check-'));
try {
  // 0. package.json itself: a build before every pack, and this script knows every entry point.
  check(
    typeof pkg.scripts?.prepack === 'string' && pkg.scripts.prepack.includes('build'),
    'package.json: prepack builds (npm pack and npm publish ship a fresh dist/)',
    `prepack: ${JSON.stringify(pkg.scripts?.prepack)}`,
  );
  const subpaths = Object.keys(pkg.exports).filter((subpath) => subpath !== './package.json');
  const checked = Object.keys(entries).map((specifier) => `.${specifier.slice('rx-sync'.length)}`);
  check(
    subpaths.join() === checked.join(),
    'package.json: this script checks every subpath of exports',
    `exports: ${subpaths.join(', ')}; checked: ${checked.join(', ')}`,
  );

  // 1. The tarball and what it holds.
  const packDir = join(dir, 'pack');
  mkdirSync(packDir);
  const packed = JSON.parse(
    run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: root }).stdout,
  )[0];
  const tarball = join(packDir, packed.filename);
  console.log(
    `pack: ${packed.filename}, ${packed.entryCount} files, ${(packed.size / 1000).toFixed(1)} kB packed, ` +
      `${(packed.unpackedSize / 1000).toFixed(1)} kB unpacked`,
  );
  const shipped = new Set(packed.files.map((file) => file.path));
  const topLevel = [...new Set([...shipped].map((path) => path.replace(/\/.*/s, '/')))].sort();
  check(
    topLevel.join() === expectedTopLevel.join(),
    'tarball: holds package.json, LICENSE, README.md, CHANGELOG.md, dist/ and src/, nothing else',
    topLevel.join(', '),
  );
  for (const path of ['dist/esm/package.json', 'dist/cjs/package.json']) {
    check(shipped.has(path), `tarball: holds ${path} (the module system of its folder)`);
  }

  const consumer = join(dir, 'consumer');
  const installed = join(consumer, 'node_modules', 'rx-sync');
  mkdirSync(installed, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);

  // Source maps: every map a file names is shipped, and every source a map names is shipped (src/).
  const unresolved = [];
  let maps = 0;
  for (const path of shipped) {
    if (/\.(js|d\.ts)$/.test(path)) {
      const url = /^\/\/# sourceMappingURL=(\S+)\s*$/m.exec(readFileSync(join(installed, path), 'utf8'))?.[1];
      if (url !== undefined && !shipped.has(posix.join(posix.dirname(path), url))) {
        unresolved.push(`${path} -> ${url}`);
      }
    }
    if (path.endsWith('.map')) {
      maps++;
      const map = JSON.parse(readFileSync(join(installed, path), 'utf8'));
      for (const source of map.sources) {
        const target = posix.join(posix.dirname(path), map.sourceRoot ?? '', source);
        if (!shipped.has(target)) unresolved.push(`${path} -> ${source}`);
      }
    }
  }
  check(
    maps > 0 && unresolved.length === 0,
    `tarball: its ${maps} source and declaration maps, and the files naming them, resolve inside it`,
    unresolved.slice(0, 10).join('; '),
  );

  // 2. Are the types wrong? The CLI's JSON report, read per entry point and resolution mode.
  const attwPackageJson = requireFromRoot.resolve('@arethetypeswrong/cli/package.json');
  const attwBin = join(dirname(attwPackageJson), JSON.parse(readFileSync(attwPackageJson, 'utf8')).bin.attw);
  const attw = run(process.execPath, [attwBin, tarball, '--profile', 'strict', '--format', 'json'], {
    cwd: packDir,
    allowFailure: true,
  });
  const report = JSON.parse(attw.stdout);
  const problems = report.analysis.problems;
  const attwEntrypoints = Object.keys(report.analysis.entrypoints);
  check(
    attwEntrypoints.join() === [...checked, './package.json'].join(),
    'attw: finds the entry points of exports',
    attwEntrypoints.join(', '),
  );
  for (const [subpath, { resolutions }] of Object.entries(report.analysis.entrypoints)) {
    for (const mode of attwModes) {
      const seen = (resolutions[mode]?.visibleProblems ?? []).map((i) => problems[i].kind);
      check(resolutions[mode] !== undefined && seen.length === 0, `attw: '${subpath}' under ${mode}`, seen.join(', '));
    }
  }
  const kinds = Object.keys(report.problems ?? {});
  check(
    attw.status === 0 && kinds.length === 0,
    'attw: no problems (profile strict)',
    kinds.length > 0
      ? `${kinds.join(', ')}: see https://github.com/arethetypeswrong/arethetypeswrong.github.io/tree/main/docs/problems`
      : attw.stderr.trim(),
  );

  // 3. publint. Its suggestions fail too: each is cheap to follow, or to turn down here by code with a reason.
  const { messages, pkg: packedPkg } = await publint({
    pack: { tarball: readFileSync(tarball) },
    strict: true,
  });
  for (const message of messages) {
    check(false, `publint: ${message.type} ${message.code}`, formatMessage(message, packedPkg, { color: false }));
  }
  check(messages.length === 0, 'publint: no errors, warnings or suggestions');

  // 4. The unpacked package, loaded and type-checked by a consumer. Its peer dependencies come from
  // this repository's node_modules.
  const modules = join(consumer, 'node_modules');
  mkdirSync(join(modules, '@types'), { recursive: true });
  symlinkSync(dirname(requireFromRoot.resolve('rxjs/package.json')), join(modules, 'rxjs'), 'dir');
  symlinkSync(dirname(requireFromRoot.resolve('ioredis/package.json')), join(modules, 'ioredis'), 'dir');
  symlinkSync(dirname(requireFromRoot.resolve('ntp-time-sync/package.json')), join(modules, 'ntp-time-sync'), 'dir');
  symlinkSync(dirname(requireFromRoot.resolve('@types/node/package.json')), join(modules, '@types', 'node'), 'dir');
  writeFileSync(
    join(consumer, 'package.json'),
    `${JSON.stringify({ name: 'rx-sync-consumer', private: true }, null, 2)}\n`,
  );
  /** Where each module system must land. */
  const expectedDist = { esm: join(installed, 'dist', 'esm'), cjs: join(installed, 'dist', 'cjs') };
  checkErrorsAcrossCopies(consumer); // issue 12: see its section above

  const specifiers = Object.keys(entries);
  // Each probe prints, per entry point, the file it resolved to and the names it exports with a defined value.
  writeFileSync(
    join(consumer, 'probe.mjs'),
    [
      "import { fileURLToPath } from 'node:url';",
      'const out = {};',
      ...specifiers.map(
        (s, i) =>
          `import * as m${i} from ${JSON.stringify(s)};\n` +
          `out[${JSON.stringify(s)}] = { file: fileURLToPath(import.meta.resolve(${JSON.stringify(s)})), names: Object.keys(m${i}).filter((k) => m${i}[k] !== undefined) };`,
      ),
      'console.log(JSON.stringify(out));',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(consumer, 'probe.cjs'),
    [
      "'use strict';",
      'const out = {};',
      ...specifiers.map(
        (s) =>
          `{ const m = require(${JSON.stringify(s)}); out[${JSON.stringify(s)}] = { file: require.resolve(${JSON.stringify(s)}), names: Object.keys(m).filter((k) => m[k] !== undefined) }; }`,
      ),
      'console.log(JSON.stringify(out));',
      '',
    ].join('\n'),
  );

  for (const [system, file] of [
    ['esm', 'probe.mjs'],
    ['cjs', 'probe.cjs'],
  ]) {
    const probe = spawnSync(process.execPath, [file], { cwd: consumer, encoding: 'utf8' });
    if (probe.status !== 0) {
      check(false, `${system}: node ${file} runs`, (probe.stderr || probe.error?.message || '').trim());
      continue;
    }
    check(true, `${system}: node ${file} runs`);
    const seen = JSON.parse(probe.stdout.trim().split('\n').pop());
    for (const [specifier, names] of Object.entries(entries)) {
      const { file: resolved, names: exported } = seen[specifier];
      check(
        inside(expectedDist[system], resolved),
        `${system}: '${specifier}' resolves into dist/${system}`,
        relative(installed, resolved),
      );
      for (const name of names) {
        check(exported.includes(name), `${system}: '${specifier}' exports ${name}`);
      }
    }
  }

  // Types: one program per resolution setting, each with one consumer file per module system.
  const ts = requireFromRoot('typescript');
  const source = specifiers
    .map(
      (s, i) =>
        `import { ${entries[s].join(', ')} } from ${JSON.stringify(s)};\nexport const used${i} = [${entries[s].join(', ')}] as const;`,
    )
    .join('\n');
  const typeChecks = [
    {
      resolution: 'NodeNext',
      options: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
      consumers: [
        { label: 'esm', file: 'types-esm.mts', dist: 'esm', mode: ts.ModuleKind.ESNext },
        { label: 'cjs', file: 'types-cjs.cts', dist: 'cjs', mode: ts.ModuleKind.CommonJS },
      ],
    },
    {
      resolution: 'node10, module commonjs',
      options: { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 },
      consumers: [{ label: 'node10', file: 'types-node10.ts', dist: 'cjs', mode: undefined }],
    },
  ];
  const allConsumerFiles = typeChecks.flatMap(({ consumers }) => consumers.map(({ file }) => join(consumer, file)));
  for (const { resolution, options, consumers } of typeChecks) {
    const files = consumers.map(({ file }) => {
      writeFileSync(join(consumer, file), `${source}\n`);
      return join(consumer, file);
    });
    const host = ts.createCompilerHost({}, true);
    host.getCurrentDirectory = () => consumer;
    const program = ts.createProgram({
      rootNames: files,
      options: {
        target: ts.ScriptTarget.ES2022,
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        ...options,
      },
      host,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program);
    for (const [i, { label, dist, mode }] of consumers.entries()) {
      // A diagnostic belongs to this consumer unless it is in another consumer's file or in the other dist.
      const own = diagnostics.filter((d) => {
        const name = d.file?.fileName;
        if (name === undefined) return true;
        if (name !== files[i] && allConsumerFiles.includes(name)) return false;
        return !Object.entries(expectedDist).some(([other, path]) => other !== dist && inside(path, name));
      });
      const text = ts.formatDiagnostics(own, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => consumer,
        getNewLine: () => '\n',
      });
      check(own.length === 0, `${label}: TypeScript (${resolution}) consumer type-checks`, text.trim());
      for (const specifier of specifiers) {
        const resolved = ts.resolveModuleName(
          specifier,
          files[i],
          program.getCompilerOptions(),
          host,
          undefined,
          undefined,
          mode,
        ).resolvedModule?.resolvedFileName;
        check(
          resolved !== undefined && inside(expectedDist[dist], resolved) && resolved.endsWith('.d.ts'),
          `${label}: types of '${specifier}' come from dist/${dist}`,
          resolved === undefined ? 'unresolved' : relative(installed, resolved),
        );
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (failures > 0) {
  console.error(`checkPackage: ${failures} check(s) failed`);
  process.exit(1);
}
console.log('checkPackage: all checks passed');
