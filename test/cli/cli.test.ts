/**
 * The `fila` command as users run it: the built CLI in a child process, against a SQLite file in a
 * temp folder. Checks output, `--json` shapes, exit codes (2 for bad input, which changes nothing), the
 * NDJSON import, `worker --tasks` on TypeScript without a build, and the `fila dev` quick start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFila } from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/fila.js');
let dir: string;
let store: string;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/main.js')))
    throw new Error('the CLI is not built: run npm run build (npm test does)');
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fila-cli-'));
  store = `sqlite://${join(dir, 'fila.db')}`;
});
const children: ChildProcess[] = [];
afterEach(() => {
  // A failed assertion must not leave a worker running.
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function background(
  args: string[],
  env: Record<string, string> = {},
): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  children.push(child);
  return Object.assign(child, { output: () => out });
}

/** Waits (up to 10 s) until a background process has printed something matching `pattern`. */
async function outputMatching(child: { output: () => string }, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (!pattern.test(child.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return child.output();
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function fila(args: string[], options: { env?: Record<string, string>; withStore?: boolean } = {}): Run {
  const r = spawnSync(
    process.execPath,
    [BIN, ...(options.withStore === false ? [] : ['--store', store]), ...args],
    {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      timeout: 60_000,
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const json = <T = Record<string, unknown>>(r: Run): T => JSON.parse(r.stdout) as T;
const countJobs = () => json<{ jobs: unknown[] }>(fila(['jobs', '--json', '--limit', '1000'])).jobs.length;

describe('fila CLI', () => {
  it('prints help and its version; an unknown command or flag is a one-line error with exit code 2', () => {
    const help = fila(['--help'], { withStore: false });
    expect(help.code).toBe(0);
    for (const c of [
      'dev',
      'worker',
      'migrate',
      'enqueue',
      'jobs',
      'job',
      'queues',
      'pause',
      'resume',
      'retry',
      'cancel',
      'clean',
      'bench',
      'server',
      'workers',
      'tokens',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`\\n  ${c} `));
    }
    expect(fila(['enqueue', '--help']).stdout).toMatch(/--max-attempts N/);
    expect(fila(['--version'], { withStore: false }).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const unknown = fila(['frobnicate']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toBe('fila: unknown command "frobnicate" (see fila --help)\n');
    const flag = fila(['jobs', '--colour']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim().split('\n')).toHaveLength(1);
    expect(flag.stderr).toMatch(/unknown option '--colour'/);
  });

  it('enqueue prints the id, or the job as JSON with every documented field', () => {
    const id = fila(['enqueue', 'send-email', '{"to":"ana@example.com"}']);
    expect(id.code).toBe(0);
    expect(id.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
    const r = fila([
      'enqueue',
      'report',
      '{"week":3}',
      '--queue',
      'reports',
      '--priority',
      'high',
      '--delay',
      '5m',
      '--key',
      'r3',
      '--max-attempts',
      '4',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const job = json(r);
    for (const field of [
      'id',
      'task',
      'queue',
      'state',
      'priority',
      'attempt',
      'maxAttempts',
      'payload',
      'result',
      'error',
      'progress',
      'createdAt',
      'startedAt',
      'finishedAt',
    ]) {
      expect(job).toHaveProperty(field);
    }
    expect(job).toMatchObject({
      task: 'report',
      queue: 'reports',
      state: 'scheduled',
      priority: 10,
      maxAttempts: 4,
      payload: { week: 3 },
      key: 'r3',
    });
    expect(
      json(fila(['enqueue', 'report', '{"week":4}', '--key', 'r3', '--queue', 'reports', '--json'])).id,
    ).toBe(job.id);
  });

  it('bad input exits with 2, names the problem, and changes nothing', () => {
    fila(['enqueue', 'seed', '{}']);
    const cases: [string[], RegExp][] = [
      [['enqueue', 'x', '{not json'], /payload: invalid JSON/],
      [['enqueue', 'x', '{}', '--delay', 'later'], /--delay: invalid duration "later"/],
      [['enqueue', 'x', '{}', '--priority', 'urgent'], /priority: expected critical, high, normal, low/],
      [['enqueue', 'x', '{}', '--max-attempts', 'many'], /--max-attempts: expected an integer/],
      [['enqueue', 'bad name', '{}'], /task: invalid name/],
      [['enqueue', 'x', '{}', 'extra'], /unexpected argument "extra"/],
      [['enqueue'], /missing argument/],
      [
        ['job', '01890000-0000-7000-8000-000000000000'],
        /job "01890000-0000-7000-8000-000000000000" not found/,
      ],
      [['jobs', '--state', 'done'], /unknown state "done"/],
      [['clean', '--state', 'completed'], /--older-than is required/],
      [['clean', '--state', 'queued', '--older-than', '1d'], /clean takes completed, failed or cancelled/],
      [['retry'], /give a job id/],
      [['cancel', '01890000-0000-7000-8000-000000000000'], /not found/],
    ];
    for (const [args, message] of cases) {
      const r = fila(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(countJobs()).toBe(1);
    // A mistyped SQLite path: commands that do not create a store refuse it rather than create one there.
    const typo = join(dir, 'fila.bd');
    for (const args of [
      ['jobs'],
      ['queues'],
      ['pause', 'default'],
      ['tokens', 'list'],
      ['clean', '--state', 'failed', '--older-than', '1d'],
    ]) {
      const r = fila(['--store', `sqlite://${typo}`, ...args], { withStore: false });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toBe(
        `fila: no store at ${typo}: the file does not exist (check --store or FILA_STORE_URL; fila migrate, fila enqueue or a worker creates it)\n`,
      );
    }
    expect(existsSync(typo)).toBe(false);
    expect(fila(['--store', `sqlite://${typo}`, 'migrate'], { withStore: false }).code).toBe(0);
    expect(fila(['--store', `sqlite://${typo}`, 'jobs', '--json'], { withStore: false }).stdout).toMatch(
      /"jobs": \[\]/,
    );
  });

  it('enqueue --file enqueues one job per NDJSON line and reports the rejected lines', () => {
    const file = join(dir, 'rows.ndjson');
    writeFileSync(
      file,
      [
        '{"row":1}',
        '{"row":2}',
        '{broken',
        '',
        '{"row":4}',
        `{"big":"${'x'.repeat(2_000_000)}"}`,
        '{"row":6}',
      ].join('\n'),
    );
    const r = fila(['enqueue', 'normalize-row', '--file', file, '--queue', 'imports']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/enqueued 4 job\(s\) of normalize-row .*; rejected 2 line\(s\)/);
    expect(r.stdout).toMatch(/line 3: invalid JSON/);
    expect(r.stdout).toMatch(/line 6: payload of task "normalize-row" is \d+ bytes, more than the limit/);
    const jobs = json<{ jobs: { payload: { row: number }; queue: string }[] }>(
      fila(['jobs', '--json', '--queue', 'imports', '--oldest-first']),
    );
    expect(jobs.jobs.map((j) => j.payload.row)).toEqual([1, 2, 4, 6]);

    const good = join(dir, 'good.ndjson');
    writeFileSync(good, Array.from({ length: 1234 }, (_, i) => JSON.stringify({ i })).join('\n'));
    const all = fila(['enqueue', 'n', '--file', good, '--json']);
    expect(all.code).toBe(0);
    expect(json(all)).toEqual({ enqueued: 1234, rejected: [] });
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, 'nope\n[1,\n');
    expect(fila(['enqueue', 'n', '--file', bad]).code).toBe(2);
    expect(fila(['enqueue', 'n', '--file', join(dir, 'missing.ndjson')])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/cannot read/),
    });
  });

  it('jobs, job, queues, pause/resume, cancel, retry, remove and clean', () => {
    const a = fila(['enqueue', 'a', '{}', '--queue', 'q1']).stdout.trim();
    const b = fila(['enqueue', 'b', '{"n":1}', '--queue', 'q2', '--delay', '1h']).stdout.trim();
    const table = fila(['jobs']);
    expect(table.stdout).toMatch(/^ID\s+TASK\s+QUEUE\s+STATE/);
    expect(table.stdout).toContain(a);
    const page = json<{ jobs: { id: string }[]; cursor: string | null }>(
      fila(['jobs', '--json', '--limit', '1']),
    );
    expect(page.jobs.map((j) => j.id)).toEqual([b]);
    expect(
      json<{ jobs: { id: string }[] }>(fila(['jobs', '--json', '--cursor', page.cursor!])).jobs.map(
        (j) => j.id,
      ),
    ).toEqual([a]);
    expect(json<{ jobs: unknown[] }>(fila(['jobs', '--json', '--state', 'scheduled'])).jobs).toHaveLength(1);
    expect(fila(['job', b]).stdout).toMatch(/state:\s+scheduled/);
    expect(json(fila(['job', b, '--json']))).toMatchObject({ id: b, payload: { n: 1 }, logs: [] });

    expect(fila(['pause', 'q1'])).toMatchObject({ code: 0, stdout: 'paused q1\n' });
    const queues = json<{ name: string; paused: boolean; counts: Record<string, number> }[]>(
      fila(['queues', '--json']),
    );
    expect(queues).toEqual([
      { name: 'q1', paused: true, counts: expect.objectContaining({ queued: 1, scheduled: 0 }) },
      { name: 'q2', paused: false, counts: expect.objectContaining({ scheduled: 1 }) },
    ]);
    expect(fila(['queues']).stdout).toMatch(/q1\s+yes\s+0\s+1/);
    expect(fila(['resume', 'q1']).code).toBe(0);
    expect(fila(['pause', 'q-typo']).code).toBe(0);
    expect(fila(['forget-queue', 'q-typo'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/paused/),
    });
    expect(fila(['resume', 'q-typo']).code).toBe(0);
    expect(fila(['forget-queue', 'q-typo'])).toMatchObject({ code: 0, stdout: 'forgot q-typo\n' });
    expect(fila(['forget-queue', 'q1'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/queue "q1" still holds 1 job\(s\)/),
    });
    expect(json<{ name: string }[]>(fila(['queues', '--json'])).map((q) => q.name)).toEqual(['q1', 'q2']);

    expect(fila(['cancel', b])).toMatchObject({ code: 0, stdout: `cancelled ${b}\n` });
    expect(fila(['cancel', b])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/already cancelled/),
    });
    expect(fila(['retry', b])).toMatchObject({ code: 0, stdout: `retrying ${b} (now queued)\n` });
    expect(fila(['cancel', '--state', 'queued', '--queue', 'q2', '--json']).stdout).toMatch(/"cancelled": 1/);
    expect(json(fila(['retry', '--state', 'cancelled', '--json']))).toEqual({ retried: 1 });
    expect(fila(['remove', a])).toMatchObject({ code: 0, stdout: `removed ${a}\n` });
    expect(fila(['job', a]).code).toBe(2);
    expect(fila(['clean', '--state', 'completed', '--older-than', '7d'])).toMatchObject({
      code: 0,
      stdout: 'removed 0 completed job(s)\n',
    });
  });

  it('logs prints every log line of a job, however many; job shows the first 200 and says there are more', async () => {
    const id = fila(['enqueue', 'chatty', '{}']).stdout.trim();
    const client = createFila({ store });
    try {
      const messages = Array.from({ length: 2345 }, (_, i) => `line ${i + 1}`);
      await (
        await client.store()
      ).jobLogAppend({
        entries: messages.map((message) => ({ id, attempt: 1, message })),
      });
    } finally {
      await client.close();
    }
    const text = fila(['logs', id]).stdout.trim().split('\n');
    expect(text).toHaveLength(2345);
    expect(text[0]).toMatch(/\[attempt 1\] line 1$/);
    expect(text.at(-1)).toMatch(/\[attempt 1\] line 2345$/);
    const lines = json<{ seq: number; message: string }[]>(fila(['logs', id, '--json']));
    expect(lines.map((l) => l.message)).toEqual(Array.from({ length: 2345 }, (_, i) => `line ${i + 1}`));

    const detail = fila(['job', id]).stdout;
    expect(detail.match(/\[attempt 1\] line \d+/g)).toHaveLength(200);
    expect(detail).toMatch(/line 200\n/);
    expect(detail).toContain(`more log lines: fila logs ${id} prints them all`);
    expect(json<{ logs: unknown[] }>(fila(['job', id, '--json'])).logs).toHaveLength(2345);
  }, 30_000);

  it('migrate applies nothing twice and --print shows the SQL; FILA_STORE_URL selects the store', () => {
    const other = join(dir, 'other.db');
    const env = { FILA_STORE_URL: `sqlite://${other}` };
    expect(fila(['migrate'], { env, withStore: false })).toMatchObject({
      code: 0,
      stdout: 'applied 1 init\napplied 2 events_tokens_workers\n',
    });
    expect(existsSync(other)).toBe(true);
    expect(fila(['migrate'], { env, withStore: false })).toMatchObject({
      code: 0,
      stdout: 'store is up to date\n',
    });
    const printed = fila(['migrate', '--print']);
    expect(printed.stdout).toMatch(/^-- migration 1: init\n/);
    expect(printed.stdout).toMatch(/CREATE TABLE fila_jobs/);
  });

  it('output piped into a reader that stops early (| head) ends quietly with exit code 0', async () => {
    const file = join(dir, 'many.ndjson');
    writeFileSync(
      file,
      Array.from({ length: 1000 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(200) })).join('\n'),
    );
    expect(fila(['enqueue', 'bulk', '--file', file]).code).toBe(0);
    // The shell's `fila jobs --json | head -1`: the reader closes its end after the first chunk, while
    // the output (about 500 kB) is still being written.
    const child = spawn(process.execPath, [BIN, 'jobs', '--json', '--limit', '1000', '--store', store], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });

  it('worker --tasks runs the tasks a TypeScript module or folder exports, and stops on SIGTERM', async () => {
    const tasks = join(ROOT, 'test/fixtures/tasks');
    // With --tasks, enqueue applies the task's queue (greetings); without, --queue says it.
    const hello = json<{ id: string; queue: string }>(
      fila(['enqueue', 'greet', '{"name":"Ana"}', '--tasks', tasks, '--json']),
    );
    expect(hello.queue).toBe('greetings');
    const shout = fila(['enqueue', 'shout', '{"text":"oi"}', '--queue', 'greetings']).stdout.trim();
    const worker = background(['--store', store, 'worker', '--tasks', tasks, '--concurrency', '2']);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const states = [hello.id, shout].map(
        (id) => json<{ state: string }>(fila(['job', id, '--json'])).state,
      );
      if (states.every((s) => s === 'completed')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(json(fila(['job', hello.id, '--json']))).toMatchObject({
      state: 'completed',
      result: 'hello, Ana',
      logs: [expect.objectContaining({ message: 'greeting Ana' })],
    });
    expect(json(fila(['job', shout, '--json']))).toMatchObject({ state: 'completed', result: 'OI' });
    // The worker's lines reach this process only while its event loop turns (fila() blocks it), so wait
    // for them rather than reading them at once.
    const printed = await outputMatching(worker, /completed\s+greet/);
    expect(printed).toMatch(/tasks greet, shout; queues greetings; concurrency 2/);
    worker.kill('SIGTERM');
    const [, signal] = await new Promise<[number | null, string | null]>((r) =>
      worker.on('exit', (c, s) => r([c, s])),
    );
    expect(signal).toBe('SIGTERM');
    expect(await outputMatching(worker, /stopped/)).toMatch(/stopped/);
    expect(fila(['worker', '--tasks', join(dir, 'nope.ts')])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/does not exist/),
    });
    expect(fila(['worker'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--tasks PATH is required/),
    });
  }, 40_000);

  it('fila dev (the quick start) creates .fila/fila.db, runs the demo jobs and stops on Ctrl-C', async () => {
    const child = background(['dev'], { FILA_STORE_URL: '' });
    let out = '';
    const deadline = Date.now() + 25_000;
    while (
      Date.now() < deadline &&
      (out = child.output()) !== null &&
      !(
        /completed\s+chunk-document/.test(out) &&
        /failed\s+normalize-appointment/.test(out) &&
        /retrying/.test(out) &&
        (out.match(/completed\s+normalize-appointment/g) ?? []).length >= 3
      )
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    // The ready-to-open URL answers with the session's token.
    const url = /API:\s+(http:\/\/127\.0\.0\.1:\d+\/api\/v1\/queues\?token=fila_\S+)/.exec(out)?.[1];
    expect(url).toBeDefined();
    const apiStatus = (await fetch(url!)).status;
    const openapi = /OpenAPI at (http:\/\/127\.0\.0\.1:\d+\/openapi\.json\?token=fila_[^\s)]+)/.exec(
      out,
    )?.[1];
    expect(openapi).toBeDefined();
    const openapiStatus = (await fetch(openapi!)).status;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    out = child.output();
    expect(existsSync(join(dir, '.fila/fila.db'))).toBe(true);
    expect(out).toMatch(/fila dev on sqlite:\/\/\.fila\/fila\.db/);
    for (const pattern of [
      /enqueued\s+normalize-appointment/,
      /started\s+normalize-appointment/,
      /progress\s+chunk-document\s+\S+\s+\d+% chunk 1 of/,
      /retrying\s+normalize-appointment.*flaky upstream/,
      /failed\s+normalize-appointment.*invalid CPF/,
      /completed\s+chunk-document/,
    ]) {
      expect(out).toMatch(pattern);
    }
    expect(out).toMatch(/stopped\. jobs in the store: .*completed/);
    expect(apiStatus).toBe(200);
    expect(openapiStatus).toBe(200);
    expect(code).toBe(0);
    // The session's admin token does not outlive the session.
    const tokens = fila(['tokens', 'list', '--json'], { withStore: false, env: { FILA_STORE_URL: '' } });
    expect(json<unknown[]>(tokens)).toEqual([]);
  }, 40_000);

  it('tokens: create prints the secret once, list shows no secrets, revoke removes; bad input exits 2', () => {
    const created = json<{ id: string; token: string; role: string; tenant: string | null }>(
      fila(['tokens', 'create', '--role', 'operator', '--tenant', 'acme', '--name', 'ci', '--json']),
    );
    expect(Object.keys(created).sort()).toEqual(['id', 'role', 'tenant', 'token']);
    expect(created).toMatchObject({ role: 'operator', tenant: 'acme' });
    expect(created.token).toMatch(/^fila_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const plain = fila(['tokens', 'create', '--role', 'reader']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^fila_\S+\n$/);
    expect(plain.stderr).toMatch(/not shown again/);
    const list = fila(['tokens', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${created.id}\\s+operator\\s+acme\\s+ci`));
    const secret = created.token.slice(`fila_${created.id}_`.length); // base64url: may itself hold '_'
    expect(secret).toHaveLength(43);
    expect(list.stdout).not.toContain(secret);
    const listed = json<{ id: string }[]>(fila(['tokens', 'list', '--json']));
    expect(listed.map((t) => t.id)).toContain(created.id);
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(fila(['tokens', 'revoke', created.id])).toMatchObject({
      code: 0,
      stdout: `revoked ${created.id}\n`,
    });
    expect(json<{ id: string }[]>(fila(['tokens', 'list', '--json'])).map((t) => t.id)).not.toContain(
      created.id,
    );
    expect(fila(['tokens', 'revoke', created.id])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/no token/),
    });
    expect(fila(['tokens', 'create'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--role is required/),
    });
    expect(fila(['tokens', 'create', '--role', 'root'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--role: expected admin, operator or reader/),
    });
    expect(fila(['tokens', 'mint'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown action "mint"/),
    });
    expect(json<unknown[]>(fila(['tokens', 'list', '--json']))).toHaveLength(1);
  });

  it('server serves the API with tokens from fila tokens; workers lists a live worker process', async () => {
    const server = background(['--store', store, 'server', '--port', '0']);
    let base = '';
    for (let i = 0; i < 200 && !base; i++) {
      base = /Fila API on (http:\/\/\S+)/.exec(server.output())?.[1] ?? '';
      if (!base) await new Promise((r) => setTimeout(r, 100));
    }
    expect(base).not.toBe('');
    const { token } = json<{ token: string }>(fila(['tokens', 'create', '--role', 'operator', '--json']));
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/jobs`)).status).toBe(401);
    const posted = await fetch(`${base}/api/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ task: 'greet', payload: { name: 'Bia' }, queue: 'greetings' }),
    });
    expect(posted.status).toBe(201);
    const job = (await posted.json()) as { id: string };
    // The job object is the CLI's --json object.
    expect(Object.keys(job).sort()).toEqual(
      Object.keys(json(fila(['job', job.id, '--json'])))
        .filter((k) => k !== 'logs')
        .sort(),
    );

    expect(fila(['workers'])).toMatchObject({ code: 0, stdout: 'no live workers\n' });
    const worker = background(['--store', store, 'worker', '--tasks', join(ROOT, 'test/fixtures/tasks')]);
    let live: { pid: number; queues: string[]; host: string; version: string }[] = [];
    for (let i = 0; i < 200 && live.length === 0; i++) {
      live = json<typeof live>(fila(['workers', '--json']));
      if (live.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ pid: worker.pid, queues: ['greetings'] });
    expect(fila(['workers']).stdout).toMatch(new RegExp(`\\s${worker.pid}\\s+greetings\\s+`));
    for (let i = 0; i < 200; i++) {
      if (json<{ state: string }>(fila(['job', job.id, '--json'])).state === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const api = await fetch(`${base}/api/v1/workers`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await api.json()) as { workers: { pid: number }[] }).workers.map((w) => w.pid)).toEqual([
      worker.pid,
    ]);
    worker.kill('SIGTERM');
    await new Promise((r) => worker.on('exit', r));
    expect(json<unknown[]>(fila(['workers', '--json']))).toEqual([]);
    const got = await fetch(`${base}/api/v1/jobs/${job.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await got.json()).toMatchObject({ state: 'completed', result: 'hello, Bia' });

    server.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => server.on('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(await outputMatching(server, /Fila API stopped/)).toMatch(/Fila API stopped/);
    expect(fila(['server', '--port', 'eighty'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--port/),
    });
  }, 60_000);

  it('bench prints one JSON object with every scenario', () => {
    // The default store, in a folder that does not exist yet.
    const r = fila(['bench', '--jobs', '500', '--latency-jobs', '20', '--json'], {
      withStore: false,
      env: { FILA_STORE_URL: '' },
    });
    expect(r.code).toBe(0);
    const result = json<Record<string, unknown>>(r);
    expect(result).toMatchObject({
      store: 'sqlite://.fila/fila.db',
      jobs: 500,
      scenarios: {
        add_single: { jobs_per_s: expect.any(Number) },
        add_bulk: { jobs_per_s: expect.any(Number) },
        process_c1: { jobs_per_s: expect.any(Number) },
        process_c100: { jobs_per_s: expect.any(Number) },
        latency: { p50_ms: expect.any(Number), p95_ms: expect.any(Number), p99_ms: expect.any(Number) },
      },
      worker_peak_rss_mb: expect.any(Number),
    });
    expect(fila(['bench', '--scenarios', 'warp'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown scenario "warp"/),
    });
  }, 60_000);
});
