/**
 * A private PostgreSQL server for tests that stop and restart it: initdb in a temporary folder, its own
 * port number, reached through a Unix socket in that folder only (no TCP listener), so the shared server
 * is never disturbed and a restart never races other processes for a TCP port (55432-55439 lie in
 * Linux's ephemeral range: while the server is down, any outgoing connection may take its port).
 * When running as root, the server's commands run as the `postgres` user (initdb refuses root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

export class PrivateInstance {
  readonly dir: string;
  /** The socket's port number (`.s.PGSQL.<port>` in the folder). */
  readonly port = 55432;

  constructor(private readonly bin: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'fila-pg-'));
  }

  /** The server's URL (over the Unix socket); add parameters with `&`. */
  get url(): string {
    return `postgres://postgres@localhost:${this.port}/postgres?host=${encodeURIComponent(this.dir)}`;
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
    this.start();
  }

  private options(): string {
    return `-p ${this.port} -k ${this.dir} -c listen_addresses='' -c max_connections=60`;
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
