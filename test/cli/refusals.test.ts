/**
 * The CLI when the input is wrong or something fails, on a SQLite file in a temp folder: every flag is
 * checked before the store is opened (bad input does not even create it), a long-running command that
 * fails after it started stops what it started and exits, bulk retry and cancel refuse states that
 * could never match, and `fila server --tasks` makes the API check task names and payloads.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outputMatching, ROOT, runFila, startFila, type Run } from './run.js';

const APPOINTMENTS = join(ROOT, 'examples/appointments.ts');
let dir: string;
let db: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fila-cli-refusals-'));
  db = join(dir, 'fila.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fila = (args: string[], timeoutMs?: number): Run =>
  runFila(['--store', `sqlite://${db}`, ...args], { cwd: dir, ...(timeoutMs ? { timeoutMs } : {}) });
const json = <T>(r: Run): T => JSON.parse(r.stdout) as T;

/** Expects a one-line refusal with exit code 2 that matches `message`. */
function expectRefused(r: Run, message: RegExp, what: string): void {
  expect(r.code, `${what}: ${r.stderr}`).toBe(2);
  expect(r.stderr, what).toMatch(message);
  expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
}

describe('fila CLI refusals and failures', () => {
  it('tokens, enqueue and the job and queue commands check their input before opening the store: bad input does not even create it', () => {
    const cases: [string[], RegExp][] = [
      [['tokens', 'frobnicate'], /tokens: unknown action "frobnicate"/],
      [['tokens'], /tokens: give create, list or revoke/],
      [['tokens', 'create', '--role', 'root'], /--role: expected admin, operator or reader/],
      [['tokens', 'list', '--colour'], /unknown option '--colour'/],
      [['tokens', 'revoke'], /missing argument/],
      [
        ['tokens', 'create', '--role', 'reader', '--tenant', 'bad tenant!'],
        /--tenant: invalid name "bad tenant!"/,
      ],
      [['jobs', '--queue', 'bad q!'], /--queue: invalid name "bad q!"/],
      [['jobs', '--task', 'bad t!'], /--task: invalid name "bad t!"/],
      [['pause', 'bad q!'], /QUEUE: invalid name "bad q!"/],
      [['resume', 'bad q!'], /QUEUE: invalid name "bad q!"/],
      [['cancel', '--state', 'queued', '--queue', 'bad q!'], /--queue: invalid name "bad q!"/],
      [['retry', '--state', 'failed', '--tenant', 'bad t!'], /--tenant: invalid name "bad t!"/],
      [['clean', '--state', 'failed', '--older-than', '1d', '--queue', 'bad q!'], /--queue: invalid name/],
      [['enqueue', 'x', '{}', '--priority', 'urgent'], /priority: expected critical, high, normal, low/],
      [['enqueue', 'x', '{}', '--run-at', 'yesterday'], /runAt: expected a Date, an ISO 8601 string/],
      [['enqueue', 'x', '{}', '--dedup', 'maybe', '--key', 'k'], /dedup: expected ignore, replace or reject/],
      [['enqueue', 'x', '{}', '--dedup', 'reject'], /dedup: only meaningful with a key/],
      [['enqueue', 'x', '{}', '--delay', '1m', '--run-at', '2030-01-01T00:00:00Z'], /give one, not both/],
      [['enqueue', 'x', '--file', join(dir, 'missing.ndjson')], /--file: cannot read/],
      [['enqueue', 'x', '--file', join(dir, 'rows.ndjson'), '--priority', 'urgent'], /priority: expected/],
      [['enqueue', 'nope', '{}', '--tasks', APPOINTMENTS], /unknown task "nope"/],
      [
        ['enqueue', 'normalize-appointment', '{"id":1}', '--tasks', APPOINTMENTS],
        /payload for task "normalize-appointment" is invalid/,
      ],
    ];
    for (const [args, message] of cases) {
      expectRefused(fila(args), message, args.join(' '));
      expect(existsSync(db), `${args.join(' ')} created the store`).toBe(false);
    }
  }, 60_000);

  it('a repeated flag is refused, a negative number after a flag is its value, a broken --tasks file is shown', () => {
    expectRefused(
      fila(['jobs', '--state', 'failed', '--state', 'cancelled']),
      /--state given twice/,
      'twice',
    );
    expectRefused(fila(['jobs', '--queue', 'a', '--queue', 'b']), /--queue given twice/, 'queue twice');
    expect(existsSync(db)).toBe(false);
    const made = fila(['enqueue', 'x', '{}', '--priority', '-5', '--json']);
    expect(made.code, made.stderr).toBe(0);
    expect(json<{ priority: number }>(made).priority).toBe(-5);
    expectRefused(
      fila(['jobs', '--limit', '-5']),
      /--limit: expected an integer from 1 to 1000, got "-5"/,
      'limit',
    );
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'a.ts'), 'export const x = ;\n');
    expectRefused(fila(['worker', '--tasks', broken]), /a\.ts:1:17: ERROR: Unexpected ";"/, 'broken tasks');
  }, 30_000);

  it('migrate --print opens nothing: it prints the migrations and creates no store', () => {
    const printed = fila(['migrate', '--print']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/^-- migration 1: init\n/);
    expect(fila(['migrate', '--print', '--after', '1']).stdout).not.toMatch(/-- migration 1:/);
    expectRefused(fila(['migrate', '--after', '1']), /--after goes with --print/, 'after alone');
    expect(existsSync(db)).toBe(false);
  }, 30_000);

  it('help for an unknown command is refused; tokens finds its action after option values', () => {
    expectRefused(fila(['help', 'frobnicate']), /unknown command "frobnicate"/, 'help frobnicate');
    expect(fila(['help', 'tokens']).stdout).toMatch(/^fila tokens create/);
    const made = fila(['tokens', '--role', 'reader', '--name', 'ci', 'create', '--json']);
    expect(made.code, made.stderr).toBe(0);
    expect(json<{ role: string }>(made)).toMatchObject({ role: 'reader' });
  }, 30_000);

  it('fila dev checks every flag before starting anything: a bad one exits 2 and leaves nothing running', () => {
    // Before the fix, the worker was started first and kept the process alive after the error.
    for (const [args, message] of [
      [['dev', '--port', '99999'], /--port: expected an integer from 0 to 65535, got "99999"/],
      [['dev', '--no-demo', '--shutdown-grace', 'soon'], /--shutdown-grace: invalid duration "soon"/],
      [['dev', '--no-demo', '--concurrency', '0'], /--concurrency: expected an integer from 1/],
    ] as [string[], RegExp][]) {
      expectRefused(fila(args, 15_000), message, args.join(' '));
      expect(existsSync(db), `${args.join(' ')} created the store`).toBe(false);
    }
  }, 60_000);

  it('fila dev stops its worker and exits when something fails after the worker started', () => {
    // A real store that refuses the session's token: creating it fails after the worker has started
    // and the API listens.
    expect(fila(['migrate']).code).toBe(0);
    const sqlite = new Database(db);
    sqlite.exec(
      "CREATE TRIGGER refuse_tokens BEFORE INSERT ON fila_tokens BEGIN SELECT RAISE(ABORT, 'tokens refused'); END;",
    );
    sqlite.close();
    const r = fila(['dev', '--no-demo', '--port', '0'], 20_000);
    expect(r.code, `still running after 20 s; stderr: ${r.stderr}`).not.toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/tokens refused/);
    // The worker stopped: it took itself out of the registry of live workers.
    expect(json<unknown[]>(fila(['workers', '--json']))).toEqual([]);
  }, 60_000);

  it('fila --bogus, or global flags without a command, is a one-line error naming the problem', () => {
    const bare = (args: string[]) => runFila(args, { cwd: dir });
    expectRefused(bare(['--bogus']), /^fila: unknown option '--bogus' \(see fila --help\)\n$/, '--bogus');
    expectRefused(bare(['--store', `sqlite://${db}`, '-x']), /unknown option '-x'/, '-x');
    expectRefused(bare(['--store', `sqlite://${db}`]), /missing the command \(see fila --help\)/, '--store');
    expectRefused(bare(['--store']), /--store: missing the store URL/, '--store alone');
    expect(bare(['--bogus']).stdout).toBe('');
    expect(bare([])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^fila — background jobs/) });
    expect(bare(['-h']).code).toBe(0);
    expect(existsSync(db)).toBe(false);
  });

  it('retry and cancel refuse states they can never change; both take a comma-separated list', () => {
    const enqueue = (...args: string[]) => fila(['enqueue', 'x', '{}', ...args]).stdout.trim();
    const queued = enqueue();
    const scheduled = enqueue('--delay', '1h');
    for (const [args, message] of [
      [['retry', '--state', 'completed'], /--state: retry takes failed or cancelled, got "completed"/],
      [['retry', '--state', 'failed,queued'], /--state: retry takes failed or cancelled, got "queued"/],
      [
        ['cancel', '--state', 'failed'],
        /--state: cancel takes unfinished states \(scheduled, queued, active, retrying, blocked\), got "failed"/,
      ],
      [['cancel', '--state', 'queued,completed', '--queue', 'default'], /cancel takes unfinished states/],
      [['cancel', '--state', 'queued,done'], /unknown state "done"/],
    ] as [string[], RegExp][]) {
      expectRefused(fila(args), message, args.join(' '));
    }
    expect(json(fila(['cancel', '--state', 'queued,scheduled', '--json']))).toEqual({
      cancelled: 2,
      requested: 0,
    });
    expect(json(fila(['retry', '--state', 'failed,cancelled', '--json']))).toEqual({ retried: 2 });
    const states = [queued, scheduled].map(
      (id) => json<{ state: string }>(fila(['job', id, '--json'])).state,
    );
    expect(states).toEqual(['queued', 'queued']);
  }, 60_000);

  it('fila server --tasks applies the tasks: a bad payload gets 400 invalid_payload, an unknown task 400 unknown_task', async () => {
    const server = startFila(
      ['--store', `sqlite://${db}`, 'server', '--port', '0', '--tasks', APPOINTMENTS],
      { cwd: dir },
    );
    const base = /Fila API on (http:\/\/\S+)/.exec(await outputMatching(server, /Fila API on /))?.[1];
    expect(base, server.output()).toBeDefined();
    const { token } = json<{ token: string }>(fila(['tokens', 'create', '--role', 'operator', '--json']));
    const post = async (body: unknown) => {
      const res = await fetch(`${base}/api/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await post({ task: 'normalize-appointment', payload: { id: 1 } })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_payload', message: expect.stringMatching(/appointmentId/) } },
    });
    expect(await post({ task: 'greet', payload: {} })).toMatchObject({
      status: 400,
      body: { error: { code: 'unknown_task' } },
    });
    // A good one gets the task's queue without naming it.
    expect(await post({ task: 'normalize-appointment', payload: { appointmentId: 'a1' } })).toMatchObject({
      status: 201,
      body: { task: 'normalize-appointment', queue: 'appointments' },
    });
    server.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expectRefused(fila(['server', '--tasks', join(dir, 'nope.ts')]), /--tasks: .* does not exist/, 'server');
  }, 60_000);
});
