/**
 * The `fila` command. Reads the store URL from --store, then FILA_STORE_URL, then the default
 * (sqlite://.fila/fila.db), dispatches to a command, and maps every failure to a one-line message
 * and an exit code: 2 for bad input (nothing was changed), 1 for anything else.
 *
 * `--import MODULE` (repeatable; env FILA_IMPORT, comma-separated) imports modules before the command
 * runs: a store written outside Fila registers its URL scheme there (registerStoreScheme).
 */
import '../heap-at-import.js'; // first: see worker/heap.ts
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFila, type Fila } from '../client/fila.js';
import { isUserError } from '../core/errors.js';
import { DEFAULT_STORE_URL, parseSqliteUrl } from '../stores/open.js';
import { UsageError } from './args.js';
import { importModule, importThroughTsx, oneLine } from './load-tasks.js';
import type { Command, CommandContext } from './command.js';
import { bench } from './commands/bench.js';
import { server } from './commands/server.js';
import { tokens } from './commands/tokens.js';
import { workers } from './commands/workers.js';
import { dev } from './commands/dev.js';
import { enqueue } from './commands/enqueue.js';
import { job, jobs } from './commands/jobs.js';
import { migrate } from './commands/migrate.js';
import { cancel, clean, logs, remove, retry } from './commands/ops.js';
import { forgetQueue, pause, queues, resume } from './commands/queues.js';
import { worker } from './commands/worker.js';

const COMMANDS: Command[] = [
  dev,
  server,
  worker,
  workers,
  tokens,
  migrate,
  enqueue,
  jobs,
  job,
  logs,
  queues,
  pause,
  resume,
  forgetQueue,
  retry,
  cancel,
  remove,
  clean,
  bench,
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'fila — background jobs for TypeScript',
    '',
    'usage: fila [--store URL] [--import MODULE] COMMAND [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `--store URL   the store (env FILA_STORE_URL; default ${DEFAULT_STORE_URL})`,
    '--import M    import module M first (repeatable; env FILA_IMPORT, comma-separated): a store written',
    '              outside Fila registers its URL scheme there',
    'fila COMMAND --help shows the options of a command.',
  ].join('\n');
}

/** Splits argv into the command name and the rest (global flags may come before the command). */
function splitCommand(argv: string[]): { name: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--store') {
      i++;
      continue;
    }
    if (!arg.startsWith('-')) return { name: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { name: undefined, rest: argv };
}

function storeFrom(argv: string[]): string {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--store') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('-'))
        throw new UsageError('--store: missing the store URL');
      return value;
    }
    if (argv[i]!.startsWith('--store=')) return argv[i]!.slice('--store='.length);
  }
  return process.env.FILA_STORE_URL || DEFAULT_STORE_URL;
}

/**
 * The store URL, after checking that an SQLite one names a database that exists: commands that do not
 * create a store would otherwise create an empty one at a mistyped path and report no jobs.
 */
function existingStore(url: string): string {
  if (!url.startsWith('sqlite://')) return url;
  const { path } = parseSqliteUrl(url);
  if (path === ':memory:' || existsSync(path)) return url;
  throw new UsageError(
    `no store at ${resolve(path)}: the file does not exist (check --store or FILA_STORE_URL; fila migrate, fila enqueue or a worker creates it)`,
  );
}

/** Flags accepted before (or without) a command. */
const TOP_LEVEL_FLAGS = new Set(['--help', '-h', '--version']);

/** With no command: the version, the usage, or a one-line error naming what is wrong. */
function withoutCommand(argv: string[], imports: number): number {
  if (argv.includes('--version')) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  // `fila --import jobs` took the command for the module: say the command is missing, not print usage.
  if (argv.length === 0 && imports > 0)
    throw new UsageError('missing the command after --import MODULE (see fila --help)');
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  storeFrom(argv); // a --store without its URL says so
  const unknown = argv.find(
    (a, i) =>
      a.startsWith('-') &&
      !TOP_LEVEL_FLAGS.has(a) &&
      a !== '--store' &&
      !a.startsWith('--store=') &&
      argv[i - 1] !== '--store',
  );
  throw new UsageError(
    unknown === undefined
      ? `missing the command${imports > 0 ? ' after --import MODULE' : ''} (see fila --help)`
      : `unknown option '${unknown}' (see fila --help)`,
  );
}

/** Takes every `--import M` / `--import=M` out of argv, returning the modules named. */
function takeImports(argv: string[]): { modules: string[]; argv: string[] } {
  const modules: string[] = [];
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--import') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('-')) throw new UsageError('--import: missing the module');
      modules.push(value);
    } else if (arg.startsWith('--import=')) modules.push(arg.slice('--import='.length));
    else kept.push(arg);
  }
  return { modules, argv: kept };
}

/**
 * Imports the modules of --import and FILA_IMPORT: a path (absolute, starting with ./ or ../, or a file in
 * the working folder) or a package, found from the working folder as the application would find it (not
 * from wherever this `fila` is installed).
 */
async function importAll(modules: string[], from: '--import' | 'FILA_IMPORT'): Promise<void> {
  for (const module of modules) {
    if (module === '') throw new UsageError(`${from}: empty module name`);
    const path = resolve(module);
    const isPath = isAbsolute(module) || /^\.\.?[\\/]/.test(module) || isFile(path);
    try {
      if (isPath) await importModule(path);
      else {
        // The package's own name (`@scope/name` or `name`), which a failed lookup quotes.
        const name = module
          .split('/')
          .slice(0, module.startsWith('@') ? 2 : 1)
          .join('/');
        await importThroughTsx(module, pathToFileURL(join(process.cwd(), 'fila-import.js')).href).catch(
          (e: NodeJS.ErrnoException) => {
            const missing = e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(`'${name}'`);
            throw missing ? new Error(`no such package from ${process.cwd()}`) : e;
          },
        );
      }
    } catch (e) {
      throw new UsageError(`${from}: cannot load ${module}: ${oneLine(e)}`);
    }
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export async function main(rawArgv: string[]): Promise<number> {
  const imports = takeImports(rawArgv);
  const argv = imports.argv;
  const { name, rest } = splitCommand(argv);
  if (name === undefined) return withoutCommand(argv, imports.modules.length);
  if (name === 'help') {
    const asked = rest.find((a, i) => !a.startsWith('-') && rest[i - 1] !== '--store');
    const topic = COMMANDS.find((c) => c.name === asked);
    if (asked !== undefined && !topic) throw new UsageError(`unknown command "${asked}" (see fila --help)`);
    process.stdout.write(`${topic ? topic.usage : usage()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}" (see fila --help)`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  const storeUrl = storeFrom(rest);
  const fromEnv = (process.env.FILA_IMPORT ?? '').split(',').map((m) => m.trim());
  await importAll(fromEnv.filter(Boolean), 'FILA_IMPORT');
  await importAll(imports.modules, '--import');
  let fila: Fila | undefined;
  const ctx: CommandContext = {
    storeUrl,
    client: (options) =>
      (fila ??= createFila({
        store: options?.create ? storeUrl : existingStore(storeUrl),
        migrate: options?.migrate ?? true,
        ...(options?.tasks ? { tasks: options.tasks } : {}),
      })),
  };
  try {
    return (await command.run(rest, ctx)) ?? 0;
  } finally {
    await fila?.close();
  }
}

export async function run(argv: string[]): Promise<void> {
  // Output piped into a reader that stops early (`fila jobs | head`): stop quietly, like other tools.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  try {
    process.exitCode = await main(argv);
  } catch (e) {
    const error = e as Error;
    const message = (error?.message ?? String(e)).split('\n')[0];
    process.stderr.write(`fila: ${message}\n`);
    if (process.env.FILA_DEBUG && error?.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = isUserError(e) ? 2 : 1;
  }
}
