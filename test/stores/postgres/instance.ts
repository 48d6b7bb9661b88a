/**
 * A private PostgreSQL server for tests that stop and restart it: initdb in a temporary folder, its own
 * port (the first free one in 55432–55439) and socket folder, so the shared server is never disturbed.
 * When running as root, the server's commands run as the `postgres` user (initdb refuses root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The folder holding initdb and pg_ctl, or null when PostgreSQL's server binaries are not installed. */
export function findBinaries(): string | null {
  const candidates: string[] = [];
  if (process.env.FILA_PG_BIN) candidates.push(process.env.FILA_PG_BIN);
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // not on PATH
  }
  if (existsSync('/usr/lib/postgresql')) {
    for (const v of readdirSync('/usr/lib/postgresql').sort().reverse())
      candidates.push(join('/usr/lib/postgresql', v, 'bin'));
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) ?? null;
}

/**
 * Whether a server could listen on the port: binding is the real test (a client connection may hold the
 * port as its local end, since 55432–55439 lie in Linux's ephemeral range; a connect probe misses that).
 */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export class PrivateInstance {
  readonly dir: string;
  port = 0;

  constructor(private readonly bin: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'fila-pg-'));
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private run(tool: string, args: string[]): void {
    const command = join(this.bin, tool);
    const root = process.getuid?.() === 0;
    const result = root
      ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
      : spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) {
      const log = join(this.dir, 'log');
      const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(
        `${tool} ${args.join(' ')} failed: ${result.stderr || result.stdout || result.error}\n${tail}`,
      );
    }
  }

  async init(): Promise<void> {
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(this.dir, uid, gid);
    }
    this.run('initdb', ['-D', join(this.dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    // A port can be taken between the check and the start: try the next one then.
    let lastError: unknown;
    for (let port = 55432; port <= 55439; port++) {
      if (!(await portFree(port))) continue;
      this.port = port;
      try {
        this.start();
        return;
      } catch (e) {
        lastError = e;
      }
    }
    throw new Error(`could not start a private PostgreSQL on any port in 55432-55439: ${String(lastError)}`);
  }

  private options(): string {
    return `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=60`;
  }

  start(): void {
    this.run('pg_ctl', [
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'log'),
      '-o',
      this.options(),
      '-w',
      'start',
    ]);
  }

  /** `pg_ctl restart -m fast`: clients are disconnected, the server shuts down cleanly and starts again. */
  restartFast(): void {
    this.run('pg_ctl', [
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'log'),
      '-o',
      this.options(),
      '-m',
      'fast',
      '-w',
      'restart',
    ]);
  }

  /** `pg_ctl stop -m immediate`: the server quits without a clean shutdown (crash recovery on start). */
  stopImmediate(): void {
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  destroy(): void {
    try {
      this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
