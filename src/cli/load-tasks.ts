/**
 * Finds the task definitions of `fila worker --tasks PATH`. PATH is a module or a folder; every
 * module in a folder is loaded (recursively, skipping node_modules, tests and declaration files), and
 * every export that is a task (or an array of tasks) is registered. TypeScript modules are loaded
 * through tsx's loader API, so no build step is needed.
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTask, type AnyTask } from '../core/task.js';
import { UsageError } from './args.js';

const SCRIPT = /\.(c|m)?(t|j)s$/;
const SKIP = /(\.d\.(c|m)?ts|\.(test|spec)\.(c|m)?(t|j)s)$/;

function modulesIn(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new UsageError(`--tasks: ${path} does not exist`);
  }
  if (stat.isFile()) {
    if (!SCRIPT.test(path)) throw new UsageError(`--tasks: ${path} is not a .ts or .js module`);
    return [path];
  }
  const found: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) found.push(...modulesIn(full));
    else if (SCRIPT.test(entry.name) && !SKIP.test(entry.name)) found.push(full);
  }
  return found;
}

/** Imports a module by path: TypeScript through tsx, anything else natively. */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (/^\.(c|m)?ts$/.test(extname(file))) return importThroughTsx(url, import.meta.url);
  return (await import(url)) as Record<string, unknown>;
}

/** Imports `specifier` as if from the module at `parentUrl`, TypeScript included (tsx's loader). */
export async function importThroughTsx(
  specifier: string,
  parentUrl: string,
): Promise<Record<string, unknown>> {
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(specifier, parentUrl)) as Record<string, unknown>;
}

export async function loadTasks(path: string): Promise<AnyTask[]> {
  const files = modulesIn(resolve(path));
  const tasks = new Map<string, { task: AnyTask; file: string }>();
  for (const file of files) {
    let exports: Record<string, unknown>;
    try {
      exports = await importModule(file);
    } catch (e) {
      throw new UsageError(`--tasks: cannot load ${file}: ${oneLine(e)}`);
    }
    const candidates = Object.values(exports).flatMap((v) => (Array.isArray(v) ? v : [v]));
    for (const value of candidates) {
      if (!isTask(value)) continue;
      const seen = tasks.get(value.name);
      if (seen && seen.task !== value) {
        throw new UsageError(`--tasks: task "${value.name}" is defined in both ${seen.file} and ${file}`);
      }
      tasks.set(value.name, { task: value, file });
    }
  }
  if (tasks.size === 0)
    throw new UsageError(`--tasks: no task definitions (defineTask) exported from ${path}`);
  return [...tasks.values()].map((t) => t.task);
}

/** An import's error on one line, but all of it: a compile error's position and text follow its first line. */
export function oneLine(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
    .slice(0, 500);
}
