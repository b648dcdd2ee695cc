import { readdirSync, readFileSync } from 'node:fs';
import { luaModules, REDIS_BACKEND_DIRECTORY } from '../../support/redisScriptFiles.js';
import { basename, join, relative } from 'node:path';
import ts from 'typescript';
import type { RedisScript } from '../../../src/backends/redis/redisScript.js';
import { acquireLease } from '../../../src/backends/redis/leases/scripts/acquireLease.js';
import { cancelTask } from '../../../src/backends/redis/tasks/scripts/cancelTask.js';
import { claimTasks } from '../../../src/backends/redis/tasks/scripts/claimTasks.js';
import { completeTasks } from '../../../src/backends/redis/tasks/scripts/completeTasks.js';
import { deleteItem } from '../../../src/backends/redis/store/scripts/deleteItem.js';
import { dueItems } from '../../../src/backends/redis/store/scripts/dueItems.js';
import { enqueueTask } from '../../../src/backends/redis/tasks/scripts/enqueueTask.js';
import { failTask } from '../../../src/backends/redis/tasks/scripts/failTask.js';
import { forgetExpired } from '../../../src/backends/redis/store/scripts/forgetExpired.js';
import { getItem } from '../../../src/backends/redis/store/scripts/getItem.js';
import { LUA_HELPERS } from '../../../src/backends/redis/luaHelpers.js';
import { LUA_LINE_HELPERS } from '../../../src/backends/redis/leases/scripts/luaLineHelpers.js';
import { LUA_STORE_HELPERS } from '../../../src/backends/redis/store/scripts/luaStoreHelpers.js';
import { LUA_TASK_HELPERS } from '../../../src/backends/redis/tasks/scripts/luaTaskHelpers.js';
import { peekTasks } from '../../../src/backends/redis/tasks/scripts/peekTasks.js';
import { putItem } from '../../../src/backends/redis/store/scripts/putItem.js';
import { raiseTokenFloor } from '../../../src/backends/redis/leases/scripts/raiseTokenFloor.js';
import { readLease } from '../../../src/backends/redis/leases/scripts/readLease.js';
import { readTask } from '../../../src/backends/redis/tasks/scripts/readTask.js';
import { releaseLease } from '../../../src/backends/redis/leases/scripts/releaseLease.js';
import { renewLease } from '../../../src/backends/redis/leases/scripts/renewLease.js';
import { renewTaskClaim } from '../../../src/backends/redis/tasks/scripts/renewTaskClaim.js';
import { reportTaskProgress } from '../../../src/backends/redis/tasks/scripts/reportTaskProgress.js';
import { updateLease } from '../../../src/backends/redis/leases/scripts/updateLease.js';

/**
 * No script text is ever built from input: every Lua script is a constant, fixed when its module
 * loads, and all data reaches it through KEYS and ARGV.
 *
 * Checked three ways: the modules' source (each script's `lua` is a template literal whose only
 * substitutions are the shared helper constants, which include nothing but each other, and the
 * script is the module's one exported `const`); the loaded values (each `lua` a plain string data
 * property, no getter); and the code that sends Lua to Redis (only `script.lua` reaches
 * `defineCommand` or `EVAL`, no `SCRIPT LOAD`, no raw EVAL or FUNCTION). Inside Redis, no script
 * compiles code at run time (`loadstring`, `load`, `dofile`, `require`) and every `redis.call`
 * names its command literally.
 */
const ROOT = join(__dirname, '../../..');
const SCRIPTS_DIRECTORY = REDIS_BACKEND_DIRECTORY;

type AnyScript = RedisScript<readonly string[], readonly (string | number)[], unknown>;

/** Every script module, by file name, with its script. */
const SCRIPTS: Record<string, AnyScript> = {
  'leases/scripts/acquireLease.ts': acquireLease,
  'tasks/scripts/cancelTask.ts': cancelTask,
  'tasks/scripts/claimTasks.ts': claimTasks,
  'tasks/scripts/completeTasks.ts': completeTasks,
  'store/scripts/deleteItem.ts': deleteItem,
  'store/scripts/dueItems.ts': dueItems,
  'tasks/scripts/enqueueTask.ts': enqueueTask,
  'tasks/scripts/failTask.ts': failTask,
  'store/scripts/forgetExpired.ts': forgetExpired,
  'store/scripts/getItem.ts': getItem,
  'tasks/scripts/peekTasks.ts': peekTasks,
  'store/scripts/putItem.ts': putItem,
  'leases/scripts/raiseTokenFloor.ts': raiseTokenFloor,
  'leases/scripts/readLease.ts': readLease,
  'tasks/scripts/readTask.ts': readTask,
  'leases/scripts/releaseLease.ts': releaseLease,
  'leases/scripts/renewLease.ts': renewLease,
  'tasks/scripts/renewTaskClaim.ts': renewTaskClaim,
  'tasks/scripts/reportTaskProgress.ts': reportTaskProgress,
  'leases/scripts/updateLease.ts': updateLease,
};

/** The shared Lua helpers, by file name: the only values a script's text may include. */
const HELPERS: Record<string, { readonly name: string; readonly lua: string }> = {
  'luaHelpers.ts': { name: 'LUA_HELPERS', lua: LUA_HELPERS },
  'leases/scripts/luaLineHelpers.ts': { name: 'LUA_LINE_HELPERS', lua: LUA_LINE_HELPERS },
  'store/scripts/luaStoreHelpers.ts': { name: 'LUA_STORE_HELPERS', lua: LUA_STORE_HELPERS },
  'tasks/scripts/luaTaskHelpers.ts': { name: 'LUA_TASK_HELPERS', lua: LUA_TASK_HELPERS },
};
/** Commands that read only: all a read-only script may call. */
const READ_COMMANDS = new Set([
  'GET',
  'HGET',
  'HMGET',
  'HGETALL',
  'EXISTS',
  'PTTL',
  'ZRANGE',
  'ZRANGEBYSCORE',
  'ZSCORE',
  'TIME',
]);
const HELPER_NAMES = new Set(Object.values(HELPERS).map((helper) => helper.name));

function parse(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
}

/** Every node of `file` that `select` picks. */
function find<T extends ts.Node>(file: ts.SourceFile, select: (node: ts.Node) => node is T): T[] {
  const found: T[] = [];
  const visit = (node: ts.Node): void => {
    if (select(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** What a Lua text is made of: `constant` when literal, else the substituted expressions, as written. */
function substitutions(expression: ts.Expression): string[] {
  if (ts.isNoSubstitutionTemplateLiteral(expression) || ts.isStringLiteral(expression)) return [];
  if (ts.isTemplateExpression(expression)) return expression.templateSpans.map((span) => span.expression.getText());
  return [`<not a literal: ${expression.getText()}>`];
}

/** The `lua: …` initialisers of a script module. */
function luaInitialisers(file: ts.SourceFile): ts.Expression[] {
  return find(
    file,
    (node): node is ts.PropertyAssignment =>
      ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === 'lua',
  ).map((assignment) => assignment.initializer);
}

/** Every `.ts` file under `directory`. */
function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('Lua scripts are constants', () => {
  it('covers every module of Lua in src/backends/redis', () => {
    expect(luaModules()).toEqual([...Object.keys(SCRIPTS), ...Object.keys(HELPERS)].sort());
  });

  it.each(Object.keys(SCRIPTS))('%s: `lua` is one template literal that includes only helper constants', (file) => {
    const initialisers = luaInitialisers(parse(join(SCRIPTS_DIRECTORY, file)));
    expect(initialisers).toHaveLength(1);
    for (const name of substitutions(initialisers[0]!)) expect(HELPER_NAMES).toContain(name);
  });

  it.each(Object.entries(HELPERS))('%s: the helper is a literal that includes only other helpers', (file, helper) => {
    const declarations = find(parse(join(SCRIPTS_DIRECTORY, file)), ts.isVariableDeclaration);
    expect(declarations.map((declaration) => declaration.name.getText())).toEqual([helper.name]);
    const initializer = declarations[0]!.initializer;
    expect(initializer).toBeDefined();
    for (const name of substitutions(initializer!)) {
      expect(HELPER_NAMES).toContain(name);
      expect(name).not.toBe(helper.name);
    }
  });

  it.each(Object.entries(SCRIPTS))(
    '%s: `lua` is a plain string property of the one exported constant',
    (file, script) => {
      const descriptor = Object.getOwnPropertyDescriptor(script, 'lua');
      expect(descriptor).toMatchObject({ value: expect.any(String) });
      expect(descriptor?.get).toBeUndefined();
      expect(script.lua.trim()).not.toBe('');
      // The script's only function reads replies; it never makes Lua.
      const functions = Object.entries(script).filter(([, value]) => typeof value === 'function');
      expect(functions.map(([key]) => key)).toEqual(['parse']);
      // The module's one exported value binding is the script, a `const` named after the file (it may
      // also export types, and functions that read replies: neither can change `lua`, checked above).
      const source = parse(join(SCRIPTS_DIRECTORY, file));
      const exportedValues = source.statements.filter(
        (statement): statement is ts.VariableStatement =>
          ts.isVariableStatement(statement) &&
          (ts.getModifiers(statement)?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword) ?? false),
      );
      expect(exportedValues).toHaveLength(1);
      const declarations = exportedValues[0]!.declarationList;
      expect(declarations.flags & ts.NodeFlags.Const).toBeTruthy();
      expect(declarations.declarations.map((declaration) => declaration.name.getText())).toEqual([
        basename(file, '.ts'),
      ]);
    },
  );

  it.each(Object.entries(SCRIPTS).filter(([, script]) => script.readOnly))(
    '%s: registered read-only, it calls read commands only (in the helpers it includes too)',
    (_file, script) => {
      const commands = [...script.lua.matchAll(/redis\.p?call\('([A-Z]+)'/g)].map((match) => match[1]!);
      expect(commands.length).toBeGreaterThan(0);
      expect(commands.filter((command) => !READ_COMMANDS.has(command))).toEqual([]);
    },
  );

  it.each(Object.entries(SCRIPTS))(
    '%s: compiles no code inside Redis and names every command literally',
    (_file, script) => {
      expect(script.lua).not.toMatch(/\b(loadstring|load|dofile|loadfile|require)\s*\(/);
      // Every redis.call / redis.pcall names its command with a string literal, or picks between
      // PUBLISH and SPUBLISH (luaHelpers.ts: `command == 'SPUBLISH' and 'SPUBLISH' or 'PUBLISH'`).
      const calls = [...script.lua.matchAll(/redis\.p?call\(([^,)]*)/g)].map((match) => match[1]!.trim());
      expect(calls.length).toBeGreaterThan(0);
      for (const command of calls) {
        expect(command).toMatch(/^'[A-Z]+'$|^command == 'SPUBLISH' and 'SPUBLISH' or 'PUBLISH'$/);
      }
    },
  );

  it('only `script.lua` reaches Redis: defineCommand and EVAL get nothing else', () => {
    const senders: string[] = [];
    for (const path of sourceFiles(join(ROOT, 'src'))) {
      const file = parse(path);
      for (const call of find(file, ts.isCallExpression)) {
        const callee = call.expression;
        if (!ts.isPropertyAccessExpression(callee)) continue;
        const method = callee.name.text;
        const where = `${relative(ROOT, path)}: ${call.getText().slice(0, 80)}`;
        if (method === 'defineCommand') {
          const definition = call.arguments[1];
          const lua =
            definition && ts.isObjectLiteralExpression(definition)
              ? definition.properties.find((property) => property.name?.getText() === 'lua')
              : undefined;
          expect({ where, lua: lua?.getText() }).toEqual({ where, lua: 'lua: script.lua' });
          senders.push(where);
        }
        if (method === 'eval') {
          // EVAL's first argument is the script text.
          expect({ where, text: call.arguments[0]?.getText() }).toEqual({ where, text: 'script.lua' });
          senders.push(where);
        }
        if (method === 'evalsha') {
          // EVALSHA's first argument is a digest (of a script's `lua`), held in a variable.
          expect({ where, digest: call.arguments[0] && ts.isIdentifier(call.arguments[0]) }).toEqual({
            where,
            digest: true,
          });
          senders.push(where);
        }
        if (method === 'script' || method === 'call' || method === 'sendCommand') {
          // No SCRIPT LOAD, and no EVAL or FUNCTION sent as a raw command.
          const first = call.arguments[0]?.getText() ?? '';
          expect({ where, first }).toEqual({
            where,
            first: method === 'script' ? '<not used>' : expect.not.stringMatching(/eval|script|function/i),
          });
        }
      }
    }
    // redisScript.ts (defineCommand) and replicaAcknowledgement.ts (EVALSHA, EVAL in a pipeline).
    expect(senders.length).toBeGreaterThanOrEqual(3);
  });
});
