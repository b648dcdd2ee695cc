// Type-checks the ```ts code blocks of the TSDoc comments in src/**/*.ts.
//
// Every block becomes its own ES module under .tmp/doc-examples/ (written fresh on each run) and all of them are
// checked in one TypeScript program with tsconfig.json's compiler options, `rx-sync`, `rx-sync/memory`,
// `rx-sync/testing`, `rx-sync/redis` and `rx-sync/ntp` mapped to their src entry points, and unused locals/parameters allowed.
// Errors are reported at the file and line of the doc comment. A block whose fence reads ```ts ignore is skipped.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ts = createRequire(join(root, 'package.json'))('typescript');
const srcDir = join(root, 'src');
const outDir = join(root, '.tmp', 'doc-examples');

const entryPoints = {
  'rx-sync': 'src/index.ts',
  'rx-sync/memory': 'src/backends/memory/index.ts',
  'rx-sync/testing': 'src/testing/index.ts',
  'rx-sync/redis': 'src/backends/redis/index.ts',
  'rx-sync/ntp': 'src/time/ntp/index.ts',
};

/** @param {string} dir @returns {string[]} */
function tsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return tsFiles(path);
      return entry.isFile() && entry.name.endsWith('.ts') ? [path] : [];
    });
}

/** Every `/** ... *\/` comment of a source file, each once, as [start, end) offsets. */
function docComments(fileName, text) {
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const seen = new Map();
  const visit = (node) => {
    for (const range of ts.getLeadingCommentRanges(text, node.pos) ?? []) {
      if (text.startsWith('/**', range.pos) && !text.startsWith('/**/', range.pos)) seen.set(range.pos, range);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  visit(sourceFile.endOfFileToken);
  return [...seen.values()].sort((a, b) => a.pos - b.pos);
}

/**
 * @typedef {{ source: string, fence: number, lines: { text: string, line: number, column: number }[] }} Block
 * `line` and `column` (0-based) locate each code line in the source file.
 */

/** The ```ts blocks of one source file. @returns {Block[]} */
function blocksOf(fileName) {
  const text = readFileSync(fileName, 'utf8');
  const source = relative(root, fileName).split(sep).join('/');
  const lineStarts = ts.computeLineStarts(text);
  const blocks = [];
  for (const comment of docComments(fileName, text)) {
    const first = ts.computeLineAndCharacterOfPosition(lineStarts, comment.pos).line;
    const last = ts.computeLineAndCharacterOfPosition(lineStarts, comment.end).line;
    /** @type {Block | undefined} */
    let block;
    let skip = false;
    for (let line = first; line <= last; line++) {
      const start = line === first ? comment.pos + 3 : lineStarts[line];
      const end = line === last ? comment.end - 2 : (lineStarts[line + 1] ?? text.length);
      const raw = text.slice(start, end).replace(/\r?\n$/, '');
      const prefix = /^\s*\*? ?/.exec(raw)?.[0] ?? '';
      const content = raw.slice(prefix.length);
      const column = start - lineStarts[line] + prefix.length;
      const fence = /^\s*```\s*([\w-]*)\s*(.*)$/.exec(content);
      if (block === undefined && !skip) {
        if (fence && fence[1] !== '') {
          if (['ts', 'typescript'].includes(fence[1])) {
            if (/\bignore\b/.test(fence[2])) skip = true;
            else block = { source, fence: line, lines: [] };
          } else skip = true; // another language: skip to its closing fence
        }
      } else if (fence && fence[1] === '' && fence[2] === '') {
        if (block) blocks.push(block);
        block = undefined;
        skip = false;
      } else if (block) {
        block.lines.push({ text: content, line, column });
      }
    }
    if (block) throw new Error(`${source}:${block.fence + 1}: unterminated \`\`\`ts block in doc comment`);
  }
  return blocks;
}

const blocks = tsFiles(srcDir).flatMap(blocksOf);

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
// ESM scope, as most users write it (allows top-level await in examples).
writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ type: 'module' })}\n`);

/** Temp file name -> block. */
const byFile = new Map();
const counters = new Map();
for (const block of blocks) {
  const base = block.source
    .replace(/^src\//, '')
    .replace(/\.ts$/, '')
    .replace(/[^\w.-]+/g, '_');
  const n = (counters.get(base) ?? 0) + 1;
  counters.set(base, n);
  const fileName = join(outDir, `${base}-${n}.ts`);
  let code = block.lines.map((l) => l.text).join('\n');
  const probe = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const isModule = probe.statements.some(
    (s) =>
      ts.isImportDeclaration(s) ||
      ts.isImportEqualsDeclaration(s) ||
      ts.isExportDeclaration(s) ||
      ts.isExportAssignment(s) ||
      ts.getCombinedModifierFlags(s) & ts.ModifierFlags.Export,
  );
  if (!isModule) code += '\nexport {};';
  writeFileSync(fileName, `${code}\n`);
  byFile.set(fileName, block);
}

if (blocks.length > 0) {
  const configPath = join(root, 'tsconfig.json');
  const configFile = ts.readConfigFile(configPath, ts.sys.readFile);
  if (configFile.error) throw new Error(ts.flattenDiagnosticMessageText(configFile.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root, undefined, configPath);
  const options = {
    ...parsed.options,
    noEmit: true,
    noUnusedLocals: false,
    noUnusedParameters: false,
    rootDir: root,
    paths: Object.fromEntries(Object.entries(entryPoints).map(([name, path]) => [name, [join(root, path)]])),
  };
  delete options.outDir;
  delete options.declaration;
  delete options.declarationMap;
  delete options.sourceMap;
  delete options.tsBuildInfoFile;
  delete options.incremental;
  delete options.composite;

  const program = ts.createProgram({ rootNames: [...byFile.keys()], options });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) {
    for (const d of diagnostics) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const block = d.file ? byFile.get(d.file.fileName) : undefined;
      if (d.file && block && d.start !== undefined) {
        const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
        const at = block.lines[line] ?? { line: block.fence + block.lines.length + 1, column: 0 };
        const where = `${block.source}:${at.line + 1}:${at.column + character + 1}`;
        console.error(`${where} - error TS${d.code} (doc example in ${relative(root, d.file.fileName)}): ${message}`);
      } else if (d.file && d.start !== undefined) {
        const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
        console.error(
          `${relative(root, d.file.fileName)}:${line + 1}:${character + 1} - error TS${d.code}: ${message}`,
        );
      } else {
        console.error(`error TS${d.code}: ${message}`);
      }
    }
    console.error(`doc examples: ${diagnostics.length} error(s) in ${blocks.length} blocks`);
    process.exit(1);
  }
}
console.log(`doc examples: ${blocks.length} blocks type-checked`);
