import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The Redis backend's source folder. */
export const REDIS_BACKEND_DIRECTORY = join(__dirname, '../../src/backends/redis');

/**
 * Every module that holds Lua of the Redis backend, as a path from src/backends/redis: the scripts
 * of each capability (`leases/scripts`, `store/scripts`, `tasks/scripts`, with their helpers) and
 * the shared helpers (`luaHelpers.ts`). A spec that must cover every script compares its list to this.
 */
export function luaModules(): string[] {
  const folders = readdirSync(REDIS_BACKEND_DIRECTORY, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  const scripts = folders.flatMap((entry) => {
    const directory = join(REDIS_BACKEND_DIRECTORY, entry.name, 'scripts');
    try {
      return readdirSync(directory)
        .filter((file) => file.endsWith('.ts'))
        .map((file) => `${entry.name}/scripts/${file}`);
    } catch {
      return [];
    }
  });
  return [...scripts, 'luaHelpers.ts'].sort();
}
