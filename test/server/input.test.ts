/**
 * A corpus of malformed requests. Every one must answer 4xx with the error format (never 5xx, never a
 * hang) and change nothing in the store: the test snapshots every job, queue and log before and after.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/index.js';
import { startServer, type ServerFixture, serverStores } from './helpers.js';

describe.each(await serverStores())('%s store', (kind) => {
  let s: ServerFixture;
  let job: Job;

  beforeAll(async () => {
    s = await startServer(kind);
    job = await s.fila.enqueue('existing', { n: 1 }, { queue: 'q', delay: '1h', tenant: 'acme' });
  });
  afterAll(async () => {
    await s.close();
  });

  async function snapshot(): Promise<string> {
    const { jobs } = await s.fila.listJobs({ limit: 1000 });
    const queues = await s.fila.listQueues();
    const logs = await s.fila.getLogs(job.id);
    return JSON.stringify({ jobs, queues, logs });
  }

  /** A raw request, for paths `fetch` would normalise and bodies it would not send as they are. */
  function raw(
    method: string,
    path: string,
    body?: string | Buffer,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; text: string }> {
    const url = new URL(s.url);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: {
            authorization: `Bearer ${s.tokens.admin}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  const long = 'a'.repeat(10_000);
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const enqueue = (body: string) => ['POST', '/api/v1/jobs', body] as const;
  const batch = (body: string) => ['POST', '/api/v1/jobs/batch', body] as const;

  type Case = readonly [
    method: string,
    path: string,
    body?: string | Buffer,
    headers?: Record<string, string>,
  ];

  const CORPUS: Record<string, Case> = {
    // Not JSON, or not an object.
    'invalid JSON': enqueue('{"task": "x",'),
    'empty body': enqueue(''),
    'JSON null': enqueue('null'),
    'JSON array': enqueue('[{"task":"x"}]'),
    'JSON string': enqueue('"task"'),
    'trailing garbage': enqueue('{"task":"x"} {"task":"y"}'),
    'invalid UTF-8': [
      'POST',
      '/api/v1/jobs',
      Buffer.from([0x7b, 0x22, 0x74, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    ],
    'form body': ['POST', '/api/v1/jobs', 'task=x', { 'content-type': 'application/x-www-form-urlencoded' }],
    'text body': ['POST', '/api/v1/jobs', '{"task":"x"}', { 'content-type': 'text/plain' }],
    // Wrong types.
    'task is a number': enqueue('{"task": 42}'),
    'task is missing': enqueue('{"payload": {}}'),
    'task is an object': enqueue('{"task": {"name": "x"}}'),
    'priority is a word': enqueue('{"task": "x", "priority": "urgent"}'),
    'priority is a float': enqueue('{"task": "x", "priority": 1.5}'),
    'maxAttempts is a string': enqueue('{"task": "x", "maxAttempts": "3"}'),
    'metadata is an array': enqueue('{"task": "x", "metadata": [1, 2]}'),
    'delay is a boolean': enqueue('{"task": "x", "delay": true}'),
    'delay is not a duration': enqueue('{"task": "x", "delay": "soon"}'),
    'runAt is not a time': enqueue('{"task": "x", "runAt": "yesterday-ish"}'),
    'dedup policy unknown': enqueue('{"task": "x", "key": "k", "dedup": "merge"}'),
    // Huge and negative numbers.
    'huge priority': enqueue('{"task": "x", "priority": 1e308}'),
    'negative priority beyond range': enqueue('{"task": "x", "priority": -99999999999}'),
    'huge maxAttempts': enqueue('{"task": "x", "maxAttempts": 100000000000000000000}'),
    'zero maxAttempts': enqueue('{"task": "x", "maxAttempts": 0}'),
    'negative delay': enqueue('{"task": "x", "delay": -1000}'),
    'huge delay': enqueue('{"task": "x", "delay": 1e300}'),
    'huge delay string': enqueue('{"task": "x", "delay": "99999999999999999999d"}'),
    'negative timeout': enqueue('{"task": "x", "timeout": -5}'),
    'huge timeout': enqueue('{"task": "x", "timeout": 9007199254740993}'),
    'huge runAt': enqueue('{"task": "x", "runAt": 1e20}'),
    'negative runAt': enqueue('{"task": "x", "runAt": -1}'),
    'limit negative': ['GET', '/api/v1/jobs?limit=-1'],
    'limit huge': ['GET', '/api/v1/jobs?limit=1e12'],
    'limit not a number': ['GET', '/api/v1/jobs?limit=ten'],
    'logs after negative': ['GET', `/api/v1/jobs/${'0'.repeat(8)}-0000-7000-8000-000000000000/logs?after=-4`],
    'clean olderThan negative': ['POST', '/api/v1/queues/q/clean', '{"state": "completed", "olderThan": -1}'],
    'clean olderThan missing': ['POST', '/api/v1/queues/q/clean', '{"state": "completed"}'],
    'clean olderThan huge': [
      'POST',
      '/api/v1/queues/q/clean',
      '{"state": "completed", "olderThan": "1e400d"}',
    ],
    // 10 kB names.
    '10 kB task name': enqueue(JSON.stringify({ task: long })),
    '10 kB queue name': enqueue(JSON.stringify({ task: 'x', queue: long })),
    '10 kB tenant': enqueue(JSON.stringify({ task: 'x', tenant: long })),
    '10 kB dedup key': enqueue(JSON.stringify({ task: 'x', key: long })),
    '10 kB queue in path': ['POST', `/api/v1/queues/${long}/pause`],
    '10 kB job id in path': ['GET', `/api/v1/jobs/${long}`],
    '10 kB filter': ['GET', `/api/v1/jobs?task=${long}`],
    '10 kB cursor': ['GET', `/api/v1/jobs?cursor=${long}`],
    'names with control characters': enqueue(JSON.stringify({ task: 'x\u0000y' })),
    'name with a space': enqueue(JSON.stringify({ task: 'x', queue: 'my queue' })),
    // Prototype keys and unknown fields.
    '__proto__ at top level': enqueue('{"task": "x", "__proto__": {"role": "admin"}}'),
    'constructor at top level': enqueue('{"task": "x", "constructor": {"prototype": {"polluted": true}}}'),
    '__proto__ in metadata': enqueue('{"task": "x", "metadata": {"__proto__": {"polluted": true}}}'),
    '__proto__ in a batch item': batch('{"jobs": [{"task": "x", "__proto__": {"polluted": true}}]}'),
    'unknown field': enqueue('{"task": "x", "priorty": "high"}'),
    'unknown batch field': batch('{"jobs": [{"task": "x"}], "atomic": false}'),
    'unknown query parameter': ['GET', '/api/v1/jobs?stat=failed'],
    'unknown clean field': [
      'POST',
      '/api/v1/queues/q/clean',
      '{"state": "completed", "olderThan": 0, "all": true}',
    ],
    // Batches: one bad item spoils the batch, and nothing of it is written.
    'batch with one bad item': batch('{"jobs": [{"task": "ok"}, {"task": "ok2"}, {"task": 7}]}'),
    'batch with a failing schema item': batch(
      '{"jobs": [{"task": "ok"}, {"task": "x", "delay": "whenever"}]}',
    ),
    'empty batch': batch('{"jobs": []}'),
    'batch too large': batch(JSON.stringify({ jobs: Array.from({ length: 1001 }, () => ({ task: 'x' })) })),
    'batch is not an array': batch('{"jobs": {"0": {"task": "x"}}}'),
    // Path traversal and odd ids.
    'traversal in a job id': ['GET', '/api/v1/jobs/..%2F..%2Fetc%2Fpasswd'],
    'raw traversal in a job id': ['GET', '/api/v1/jobs/../../../etc/passwd'],
    'traversal in a queue name': ['POST', '/api/v1/queues/..%2F..%2Fq/pause'],
    'dot-dot queue name': ['POST', '/api/v1/queues/../pause'],
    'encoded null in an id': ['GET', '/api/v1/jobs/%00'],
    'uppercase job id': ['GET', `/api/v1/jobs/${'0189ABCD'}-0000-7000-8000-000000000000`],
    'SQL in a job id': ['DELETE', "/api/v1/jobs/'%20OR%201=1--"],
    'job state filter unknown': ['GET', '/api/v1/jobs?state=done'],
    'job state filter with SQL': ['GET', "/api/v1/jobs?state=completed'%20OR%201=1--"],
    'event cursor garbage': ['GET', '/api/v1/events?after=%27%3B%20DROP%20TABLE%20jobs'],
    'per-job event cursor garbage': [
      'GET',
      `/api/v1/jobs/00000000-0000-7000-8000-000000000000/events?after=zzz`,
    ],
    // Sizes and nesting.
    'deeply nested payload': enqueue(`{"task": "x", "payload": ${deep(100_000)}}`),
    'oversized body': enqueue(JSON.stringify({ task: 'x', payload: 'p'.repeat(6 * 1024 * 1024) })),
    'oversized batch': batch(JSON.stringify({ jobs: [{ task: 'x', payload: 'p'.repeat(6 * 1024 * 1024) }] })),
  };

  describe('malformed input', () => {
    it('every case gets a 4xx with the error format and writes nothing', async () => {
      const before = await snapshot();
      const failures: string[] = [];
      for (const [name, [method, path, body, headers]] of Object.entries(CORPUS)) {
        const { status, text } = await raw(method, path, body, headers).catch((e: Error) => ({
          status: 0,
          text: e.message,
        }));
        let parsed: { error?: { code?: unknown; message?: unknown } } = {};
        try {
          parsed = JSON.parse(text) as typeof parsed;
        } catch {
          // reported below
        }
        const formatted = typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string';
        if (status < 400 || status >= 500 || !formatted)
          failures.push(`${name}: ${status} ${text.slice(0, 200)}`);
      }
      expect(failures).toEqual([]);
      expect(await snapshot()).toBe(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).role).toBeUndefined();
    }, 60_000);

    it('errors name what is wrong', async () => {
      const message = async (c: Case) => {
        const { text } = await raw(c[0], c[1], c[2], c[3]);
        return (JSON.parse(text) as { error: { code: string; message: string } }).error;
      };
      expect(await message(CORPUS['unknown field']!)).toMatchObject({
        code: 'invalid_argument',
        message: expect.stringContaining('priorty'),
      });
      expect(await message(CORPUS['task is a number']!)).toMatchObject({
        code: 'invalid_argument',
        message: expect.stringContaining('body.task'),
      });
      expect(await message(CORPUS['invalid JSON']!)).toMatchObject({ code: 'invalid_json' });
      expect(await message(CORPUS['oversized body']!)).toMatchObject({ code: 'payload_too_large' });
      expect(await message(CORPUS['batch with one bad item']!)).toMatchObject({
        message: expect.stringContaining('jobs.2.task'),
      });
      expect(await message(CORPUS['delay is not a duration']!)).toMatchObject({
        message: expect.stringContaining('delay'),
      });
      // A missing field is "required", not "Invalid input"; a number that is not one says so.
      expect((await message(CORPUS['task is missing']!)).message).toBe('body.task: required');
      expect((await message(CORPUS['clean olderThan missing']!)).message).toBe('body.olderThan: required');
      expect((await message(CORPUS['limit not a number']!)).message).toBe('query.limit: expected a number');
      expect((await message(CORPUS['traversal in a job id']!)).message).toMatch(
        /^param\.id: expected a job id/,
      );
      const { status } = await raw(...CORPUS['oversized body']!);
      expect(status).toBe(413);
      // A body that is not declared as JSON is refused as such, not as broken JSON.
      for (const name of ['text body', 'form body']) {
        const refused = await raw(...CORPUS[name]!);
        expect(refused.status, name).toBe(415);
        expect(JSON.parse(refused.text), name).toMatchObject({
          error: { code: 'unsupported_media_type', message: expect.stringContaining('application/json') },
        });
      }
    });

    it('payload is opaque data: prototype-named keys inside it are kept as data', async () => {
      const body =
        '{"task": "x", "payload": {"__proto__": {"polluted": true}, "constructor": 1}, "delay": "1h"}';
      const { status, text } = await raw('POST', '/api/v1/jobs', body);
      expect(status).toBe(201);
      const created = JSON.parse(text) as { id: string; payload: Record<string, unknown> };
      expect(Object.keys(created.payload).sort()).toEqual(['__proto__', 'constructor']);
      const stored = await s.fila.getJob(created.id);
      expect(JSON.stringify(stored!.payload)).toBe('{"__proto__":{"polluted":true},"constructor":1}');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      await s.fila.remove(created.id);
    });

    it('the server still serves after the corpus', async () => {
      const r = await s.call('POST', '/api/v1/jobs', { body: { task: 'after', delay: '1h' } });
      expect(r.status).toBe(201);
    });
  });
});
