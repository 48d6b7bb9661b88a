/**
 * `fila --import MODULE` (and FILA_IMPORT): a store written outside Fila registers its URL scheme in a
 * module the command imports first, so every command can open it. The fixture registers through the
 * package's TypeScript source while the command runs the built package: two copies of Fila in one
 * process, as with a globally installed `fila` and an application's own, which share one registry.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, runFila } from './run.js';

const MODULE = join(ROOT, 'test/fixtures/wrapped-store.ts');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fila-cli-import-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('fila --import', () => {
  it('opens a store registered by the imported module, from a flag or from FILA_IMPORT', () => {
    const store = `wrapped-sqlite://${join(dir, 'outside.db')}`;
    const added = runFila(['--import', MODULE, '--store', store, 'enqueue', 'noop', '{"n":1}'], { cwd: dir });
    expect(added.code, added.stderr).toBe(0);
    const id = added.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(existsSync(join(dir, 'outside.db'))).toBe(true);
    // The flag after the command works as well as before it.
    const listed = runFila(['--store', store, 'jobs', '--json', `--import=${MODULE}`], { cwd: dir });
    expect(listed.code, listed.stderr).toBe(0);
    const jobs = (JSON.parse(listed.stdout) as { jobs: { id: string; payload: unknown }[] }).jobs;
    expect(jobs.map((j) => [j.id, j.payload])).toEqual([[id, { n: 1 }]]);
    const fromEnv = runFila(['--store', store, 'job', id, '--json'], {
      cwd: dir,
      env: { FILA_IMPORT: ` ${MODULE} ,` },
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect((JSON.parse(fromEnv.stdout) as { state: string }).state).toBe('queued');
  });

  it('finds a package from the working folder, as the application would', () => {
    // A package in the application's node_modules (not this repository's), registering another scheme.
    const pkg = join(dir, 'node_modules', 'my-fila-store');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'my-fila-store', type: 'module' }));
    const dist = (path: string) => JSON.stringify(pathToFileURL(join(ROOT, 'dist', path)).href);
    writeFileSync(
      join(pkg, 'index.js'),
      [
        `import { registerStoreScheme } from ${dist('index.js')};`,
        `import { SqliteStore } from ${dist('stores/sqlite/store.js')};`,
        `registerStoreScheme('pkg-sqlite', (url, o) =>`,
        `  new SqliteStore({ path: url.slice('pkg-sqlite://'.length), migrate: o.migrate ?? true }));`,
      ].join('\n'),
    );
    const store = `pkg-sqlite://${join(dir, 'pkg.db')}`;
    const added = runFila(['--import', 'my-fila-store', '--store', store, 'enqueue', 'noop'], { cwd: dir });
    expect(added.code, added.stderr).toBe(0);
    expect(existsSync(join(dir, 'pkg.db'))).toBe(true);
  });

  it('without the module, or with one that cannot load, refuses in one line naming what to do', () => {
    const store = `wrapped-sqlite://${join(dir, 'outside.db')}`;
    const missing = runFila(['--store', store, 'jobs'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/unsupported scheme "wrapped-sqlite".*fila --import/);
    const cases: [string[], RegExp][] = [
      [['--import', './nowhere.js'], /--import: cannot load \.\/nowhere\.js: .*nowhere\.js/],
      [
        ['--import', 'no-such-package-fila'],
        /--import: cannot load no-such-package-fila: no such package from /,
      ],
      [['--import'], /--import: missing the module/],
      [['--import='], /--import: empty module name/],
    ];
    const fromEnv = runFila(['--store', store, 'jobs'], { cwd: dir, env: { FILA_IMPORT: './gone.js' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/^fila: FILA_IMPORT: cannot load \.\/gone\.js: /);
    const noCommand = runFila(['--store', store, '--import', 'jobs'], { cwd: dir });
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toMatch(/missing the command after --import MODULE/);
    for (const [args, message] of cases) {
      const r = runFila([...args, '--store', store, 'jobs'], { cwd: dir });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(dir, 'outside.db'))).toBe(false);
  });
});
