// Checks the built package (dist/) the way a user would consume it: from a throwaway project whose
// node_modules/rx-sync links to this repository, it loads every public entry point through the
// package.json exports map, with `import` (ESM) and with `require` (CJS), and type-checks a TypeScript
// consumer of each module system. Run `npm run build` first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const requireFromRoot = createRequire(join(root, 'package.json'));

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
/** Where each module system must land, relative to the repository root. */
const expectedDist = { esm: join(root, 'dist', 'esm'), cjs: join(root, 'dist', 'cjs') };

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
  BackendReplyError: ['redis', 'get', 'WRONGTYPE'],
  NotHeldError: ['jobs'],
  TaskFailedError: ['resize:1', 'resize', 3, { name: 'Error', message: 'boom' }],
  TaskCancelledError: ['resize:1', 'resize'],
  TaskTimeoutError: ['resize:1', 'resize', 1000],
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
  const run = spawnSync(process.execPath, ['errors-probe.mjs'], { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) {
    check(false, 'errors: node errors-probe.mjs runs', (run.stderr || run.error?.message || '').trim());
    return;
  }
  const { exported, classes, plainRefused } = JSON.parse(run.stdout.trim().split('\n').pop());
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
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@types'), { recursive: true });
  symlinkSync(root, join(modules, 'rx-sync'), 'dir');
  symlinkSync(dirname(requireFromRoot.resolve('rxjs/package.json')), join(modules, 'rxjs'), 'dir');
  symlinkSync(dirname(requireFromRoot.resolve('ioredis/package.json')), join(modules, 'ioredis'), 'dir');
  symlinkSync(dirname(requireFromRoot.resolve('ntp-time-sync/package.json')), join(modules, 'ntp-time-sync'), 'dir');
  symlinkSync(dirname(requireFromRoot.resolve('@types/node/package.json')), join(modules, '@types', 'node'), 'dir');
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'rx-sync-consumer', private: true }, null, 2)}\n`);
  checkErrorsAcrossCopies(dir); // issue 12: see its section above

  const specifiers = Object.keys(entries);
  // Each probe prints, per entry point, the file it resolved to and the names it exports with a defined value.
  writeFileSync(
    join(dir, 'probe.mjs'),
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
    join(dir, 'probe.cjs'),
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
    const run = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' });
    if (run.status !== 0) {
      check(false, `${system}: node ${file} runs`, (run.stderr || run.error?.message || '').trim());
      continue;
    }
    check(true, `${system}: node ${file} runs`);
    const seen = JSON.parse(run.stdout.trim().split('\n').pop());
    for (const [specifier, names] of Object.entries(entries)) {
      const { file: resolved, names: exported } = seen[specifier];
      check(inside(expectedDist[system], resolved), `${system}: '${specifier}' resolves into dist/${system}`, resolved);
      for (const name of names) {
        check(exported.includes(name), `${system}: '${specifier}' exports ${name}`);
      }
    }
  }

  // Types: a TypeScript user under NodeNext resolution, once as ESM (.mts) and once as CJS (.cts).
  const ts = requireFromRoot('typescript');
  const consumer = specifiers
    .map(
      (s, i) =>
        `import { ${entries[s].join(', ')} } from ${JSON.stringify(s)};\nexport const used${i} = [${entries[s].join(', ')}] as const;`,
    )
    .join('\n');
  const files = ['types-esm.mts', 'types-cjs.cts'].map((name) => {
    writeFileSync(join(dir, name), `${consumer}\n`);
    return join(dir, name);
  });
  const host = ts.createCompilerHost({}, true);
  host.getCurrentDirectory = () => dir;
  const program = ts.createProgram({
    rootNames: files,
    options: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
    },
    host,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  for (const [i, system] of ['esm', 'cjs'].entries()) {
    // This consumer's own file, this module system's dist, and anything else that is neither consumer nor dist.
    const own = diagnostics.filter((d) => {
      const name = d.file?.fileName;
      if (name === undefined || name === files[i] || inside(expectedDist[system], name)) return true;
      return !inside(dir, name) && !inside(join(root, 'dist'), name);
    });
    const text = ts.formatDiagnostics(own, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => dir,
      getNewLine: () => '\n',
    });
    check(own.length === 0, `${system}: TypeScript (NodeNext) consumer type-checks`, text.trim());
    for (const specifier of specifiers) {
      const mode = system === 'esm' ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS;
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
        resolved !== undefined && inside(expectedDist[system], resolved) && resolved.endsWith('.d.ts'),
        `${system}: types of '${specifier}' come from dist/${system}`,
        resolved ?? 'unresolved',
      );
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
