/**
 * The API's route table. Every route names the least role that may call it and what a token scoped to a
 * tenant may do there (`scoped`: only its tenant's jobs; `forbidden`: 403, because the operation acts
 * on a whole queue). The app registers routes, checks roles and builds the OpenAPI document from this
 * one table, and the tests walk it, so no route can exist without its rules.
 */
import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { EnqueueOptions } from '../client/enqueue.js';
import type { EnqueueItem, Fila } from '../client/fila.js';
import { isJobState, jobToJSON, type Job, type JobFilter, type JobState } from '../core/job.js';
import type { Role } from '../core/store.js';
import type { Principal } from './auth.js';
import type { EnqueueBatcher } from './batcher.js';
import { ApiError } from './errors.js';
import { checkHealth, type HealthThresholds } from './health.js';
import { outcomeKey, type EventHub } from './hub.js';
import type { ServerMetrics } from './metrics.js';
import {
  BatchBody,
  CleanBody,
  EnqueueBody,
  ErrorSchema,
  EventQuery,
  HealthSchema,
  JobId,
  JobListQuery,
  JobPageSchema,
  JobSchema,
  LogSchema,
  Name,
  QueueSchema,
  TokenQuery,
  WorkerSchema,
} from './schemas.js';
import { streamEvents } from './sse.js';

export interface RouteEnv {
  principal: Principal;
  fila: Fila;
  hub: EventHub;
  metrics: ServerMetrics;
  batcher: EnqueueBatcher;
  thresholds: HealthThresholds;
  document: () => unknown;
}

export interface ApiRoute {
  route: RouteConfig;
  role: Role;
  tenants: 'scoped' | 'forbidden';
  handle(c: Context, env: RouteEnv): Promise<Response> | Response;
}

/** The request part a route's schema validated. */
function input<T>(c: Context, target: 'json' | 'query' | 'param'): T {
  return (c.req as unknown as { valid(target: string): T }).valid(target);
}

const json = (schema: z.ZodType, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const errors = {
  400: json(ErrorSchema, 'Invalid request'),
  401: json(ErrorSchema, 'Missing or invalid token'),
  403: json(ErrorSchema, 'The token may not do this'),
};
const notFound = { 404: json(ErrorSchema, 'No such job (or not visible to this token)') };
const conflict = { 409: json(ErrorSchema, 'The job is not in a state that allows this') };
const sse = { content: { 'text/event-stream': { schema: z.string() } }, description: 'Server-sent events' };
const tooFarBack = {
  410: json(ErrorSchema, 'replay_too_long: too far behind to resume; reconnect without Last-Event-ID'),
};
const security = [{ bearer: [] }];
const IdParams = z.object({ id: JobId });
const QueueParams = z.object({ name: Name });

/** The options of an enqueue request, with the tenant a scoped token imposes. */
function enqueueItem(body: z.infer<typeof EnqueueBody>, principal: Principal): EnqueueItem {
  const { task, payload, tenant, ...rest } = body;
  if (principal.tenant !== null && tenant !== undefined && tenant !== principal.tenant) {
    throw new ApiError('forbidden', `tenant: this token is scoped to tenant "${principal.tenant}"`);
  }
  const options: EnqueueOptions = { ...(rest as EnqueueOptions) };
  const applied = principal.tenant ?? tenant;
  if (applied !== undefined) options.tenant = applied;
  return { task, payload, options };
}

/** The job, if it exists and the caller may see it; otherwise 404 (no hint that another tenant's job exists). */
async function visibleJob(env: RouteEnv, id: string): Promise<Job> {
  const job = await env.fila.getJob(id);
  if (!job || (env.principal.tenant !== null && job.tenant !== env.principal.tenant)) {
    throw new ApiError('job_not_found', `job "${id}" not found`);
  }
  return job;
}

/** A scoped token may name only its own tenant in a filter. */
function scopedTenant(principal: Principal, requested: string | undefined): string | undefined {
  if (principal.tenant === null) return requested;
  if (requested !== undefined && requested !== principal.tenant) {
    throw new ApiError('forbidden', `tenant: this token is scoped to tenant "${principal.tenant}"`);
  }
  return principal.tenant;
}

function states(value: string | undefined): JobState | JobState[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => s.trim());
  for (const s of list)
    if (!isJobState(s))
      throw new ApiError('invalid_argument', `state: unknown state ${JSON.stringify(s.slice(0, 40))}`);
  return list.length === 1 ? (list[0] as JobState) : (list as JobState[]);
}

export const ROUTES: ApiRoute[] = [
  {
    role: 'operator',
    tenants: 'scoped',
    route: createRoute({
      method: 'post',
      path: '/api/v1/jobs',
      summary: 'Enqueue a job',
      security,
      request: { body: { content: { 'application/json': { schema: EnqueueBody } }, required: true } },
      responses: {
        201: json(JobSchema, 'The job (or the existing job holding its dedup key)'),
        ...errors,
        ...conflict,
      },
    }),
    async handle(c, env) {
      const job = await env.batcher.enqueue(enqueueItem(input(c, 'json'), env.principal));
      return c.json(jobToJSON(job), 201);
    },
  },
  {
    role: 'operator',
    tenants: 'scoped',
    route: createRoute({
      method: 'post',
      path: '/api/v1/jobs/batch',
      summary: 'Enqueue many jobs, atomically',
      security,
      request: { body: { content: { 'application/json': { schema: BatchBody } }, required: true } },
      responses: {
        201: json(z.object({ jobs: z.array(JobSchema) }), 'The jobs, in request order'),
        ...errors,
        ...conflict,
      },
    }),
    async handle(c, env) {
      const body = input<z.infer<typeof BatchBody>>(c, 'json');
      const jobs = await env.fila.enqueueMany(body.jobs.map((j) => enqueueItem(j, env.principal)));
      return c.json({ jobs: jobs.map(jobToJSON) }, 201);
    },
  },
  {
    role: 'reader',
    tenants: 'scoped',
    route: createRoute({
      method: 'get',
      path: '/api/v1/jobs',
      summary: 'List jobs, newest first, with filters and a cursor',
      security,
      request: { query: JobListQuery },
      responses: { 200: json(JobPageSchema, 'A page of jobs'), ...errors },
    }),
    async handle(c, env) {
      const q = input<z.infer<typeof JobListQuery>>(c, 'query');
      const filter: JobFilter & { limit?: number; cursor?: string; order?: 'asc' | 'desc' } = {};
      if (q.queue !== undefined) filter.queue = q.queue;
      if (q.task !== undefined) filter.task = q.task;
      const tenant = scopedTenant(env.principal, q.tenant);
      if (tenant !== undefined) filter.tenant = tenant;
      const state = states(q.state);
      if (state !== undefined) filter.state = state;
      if (q.limit !== undefined) filter.limit = q.limit;
      if (q.cursor !== undefined) filter.cursor = q.cursor;
      if (q.order !== undefined) filter.order = q.order;
      const page = await env.fila.listJobs(filter);
      return c.json({ jobs: page.jobs.map(jobToJSON), cursor: page.cursor }, 200);
    },
  },
  {
    role: 'reader',
    tenants: 'scoped',
    route: createRoute({
      method: 'get',
      path: '/api/v1/jobs/{id}',
      summary: 'Get a job: state, progress, attempts and their errors, timestamps, result',
      security,
      request: { params: IdParams, query: TokenQuery },
      responses: { 200: json(JobSchema, 'The job'), ...errors, ...notFound },
    }),
    async handle(c, env) {
      return c.json(jobToJSON(await visibleJob(env, input<{ id: string }>(c, 'param').id)), 200);
    },
  },
  {
    role: 'reader',
    tenants: 'scoped',
    route: createRoute({
      method: 'get',
      path: '/api/v1/jobs/{id}/logs',
      summary: "A job's log lines, oldest first",
      security,
      request: {
        params: IdParams,
        query: z
          .object({
            after: z.coerce.number().int().min(0).optional(),
            limit: z.coerce.number().int().min(1).max(10_000).optional(),
            token: z.string().optional(),
          })
          .strict(),
      },
      responses: { 200: json(z.object({ logs: z.array(LogSchema) }), 'Log lines'), ...errors, ...notFound },
    }),
    async handle(c, env) {
      const { id } = input<{ id: string }>(c, 'param');
      const q = input<{ after?: number; limit?: number }>(c, 'query');
      await visibleJob(env, id);
      const logs = await env.fila.getLogs(id, {
        ...(q.after === undefined ? {} : { after: q.after }),
        ...(q.limit === undefined ? {} : { limit: q.limit }),
      });
      return c.json({ logs: logs.map((l) => ({ ...l, at: l.at.toISOString() })) }, 200);
    },
  },
  {
    role: 'reader',
    tenants: 'scoped',
    route: createRoute({
      method: 'get',
      path: '/api/v1/jobs/{id}/events',
      summary: "Stream a job's state changes, progress and log lines until it ends (SSE)",
      description:
        'The first event (`job`) is the job as it is; the stream ends after the job reaches a final state. Resumes after Last-Event-ID (or ?after=); a resume of a job that has ended, from at or past its final event, answers 204.',
      security,
      request: {
        params: IdParams,
        query: z.object({ after: z.string().max(100).optional(), token: z.string().optional() }).strict(),
      },
      responses: {
        200: sse,
        204: { description: 'The job has ended and the client has had its final event (EventSource stops)' },
        ...errors,
        ...notFound,
        ...tooFarBack,
      },
    }),
    async handle(c, env) {
      const { id } = input<{ id: string }>(c, 'param');
      const job = await visibleJob(env, id);
      const after = c.req.header('last-event-id') ?? input<{ after?: string }>(c, 'query').after;
      return streamEvents(c, env.hub, { matches: (e) => e.jobId === id, after, job, fila: env.fila });
    },
  },
  {
    role: 'operator',
    tenants: 'scoped',
    route: createRoute({
      method: 'post',
      path: '/api/v1/jobs/{id}/cancel',
      summary: 'Cancel a job (a running job stops within about a second)',
      security,
      request: { params: IdParams },
      responses: { 200: json(JobSchema, 'The job as it now is'), ...errors, ...notFound, ...conflict },
    }),
    async handle(c, env) {
      const { id } = input<{ id: string }>(c, 'param');
      await visibleJob(env, id);
      return c.json(jobToJSON(await env.fila.cancel(id)), 200);
    },
  },
  {
    role: 'operator',
    tenants: 'scoped',
    route: createRoute({
      method: 'post',
      path: '/api/v1/jobs/{id}/retry',
      summary: 'Retry a failed or cancelled job',
      security,
      request: { params: IdParams },
      responses: { 200: json(JobSchema, 'The job, queued again'), ...errors, ...notFound, ...conflict },
    }),
    async handle(c, env) {
      const { id } = input<{ id: string }>(c, 'param');
      await visibleJob(env, id);
      return c.json(jobToJSON(await env.fila.retry(id)), 200);
    },
  },
  {
    role: 'admin',
    tenants: 'scoped',
    route: createRoute({
      method: 'delete',
      path: '/api/v1/jobs/{id}',
      summary: 'Delete a job that is not running',
      security,
      request: { params: IdParams },
      responses: { 204: { description: 'Deleted' }, ...errors, ...notFound, ...conflict },
    }),
    async handle(c, env) {
      const { id } = input<{ id: string }>(c, 'param');
      await visibleJob(env, id);
      await env.fila.remove(id);
      return c.body(null, 204);
    },
  },
  {
    role: 'reader',
    tenants: 'scoped',
    route: createRoute({
      method: 'get',
      path: '/api/v1/queues',
      summary:
        'Queues: counts by state, paused flag, oldest queued job, stuck jobs, recent throughput and failure rate',
      security,
      request: { query: TokenQuery },
      responses: { 200: json(z.object({ queues: z.array(QueueSchema) }), 'Every queue'), ...errors },
    }),
    async handle(c, env) {
      const tenant = env.principal.tenant;
      const now = Date.now();
      const queues = await env.fila.listQueues(tenant === null ? {} : { tenant });
      const windowMs = env.hub.outcomes.windowMs;
      return c.json(
        {
          queues: queues.map((q) => {
            const t = env.hub.outcomes.totals(
              (key) =>
                (tenant === null || key.startsWith(`${tenant}\u0000`)) && key.endsWith(`\u0000${q.name}`),
              now,
            );
            const finished = t.completed + t.failed;
            return {
              name: q.name,
              paused: q.paused,
              counts: q.counts,
              oldestQueuedAgeMs: q.oldestQueuedAt === null ? null : Math.max(0, now - q.oldestQueuedAt),
              stuck: q.stuck,
              recent: {
                windowMs,
                completed: t.completed,
                failed: t.failed,
                throughputPerMin: Math.round((finished / (windowMs / 60_000)) * 100) / 100,
                failureRate: finished === 0 ? null : t.failed / finished,
              },
            };
          }),
        },
        200,
      );
    },
  },
  ...(['pause', 'resume'] as const).map((action): ApiRoute => ({
    role: 'operator',
    tenants: 'forbidden',
    route: createRoute({
      method: 'post',
      path: `/api/v1/queues/{name}/${action}`,
      summary:
        action === 'pause'
          ? 'Pause a queue (running jobs finish; no new ones start)'
          : 'Resume a paused queue',
      security,
      request: { params: QueueParams },
      responses: { 200: json(z.object({ queue: z.string(), paused: z.boolean() }), 'Done'), ...errors },
    }),
    async handle(c, env) {
      const { name } = input<{ name: string }>(c, 'param');
      if (action === 'pause') await env.fila.pauseQueue(name);
      else await env.fila.resumeQueue(name);
      return c.json({ queue: name, paused: action === 'pause' }, 200);
    },
  })),
  {
    role: 'operator',
    tenants: 'forbidden',
    route: createRoute({
      method: 'delete',
      path: '/api/v1/queues/{name}',
      summary: 'Forget a queue that holds no job and is not paused (it leaves the listings)',
      security,
      request: { params: QueueParams },
      responses: {
        200: json(z.object({ queue: z.string(), forgotten: z.literal(true) }), 'Forgotten'),
        ...errors,
      },
    }),
    async handle(c, env) {
      const { name } = input<{ name: string }>(c, 'param');
      await env.fila.forgetQueue(name);
      return c.json({ queue: name, forgotten: true as const }, 200);
    },
  },
  {
    role: 'operator',
    tenants: 'scoped',
    route: createRoute({
      method: 'post',
      path: '/api/v1/queues/{name}/retry-failed',
      summary: "Retry every failed job of a queue (a scoped token: its tenant's only)",
      security,
      request: { params: QueueParams },
      responses: { 200: json(z.object({ retried: z.number().int() }), 'How many were re-queued'), ...errors },
    }),
    async handle(c, env) {
      const { name } = input<{ name: string }>(c, 'param');
      const filter: JobFilter = { state: 'failed', queue: name };
      if (env.principal.tenant !== null) filter.tenant = env.principal.tenant;
      return c.json(await env.fila.retryMany(filter), 200);
    },
  },
  {
    role: 'operator',
    tenants: 'forbidden',
    route: createRoute({
      method: 'post',
      path: '/api/v1/queues/{name}/clean',
      summary: 'Delete finished jobs of a queue older than a given age',
      security,
      request: {
        params: QueueParams,
        body: { content: { 'application/json': { schema: CleanBody } }, required: true },
      },
      responses: { 200: json(z.object({ removed: z.number().int() }), 'How many were deleted'), ...errors },
    }),
    async handle(c, env) {
      const { name } = input<{ name: string }>(c, 'param');
      const body = input<z.infer<typeof CleanBody>>(c, 'json');
      return c.json(await env.fila.clean({ state: body.state, olderThan: body.olderThan, queue: name }), 200);
    },
  },
  {
    role: 'reader',
    tenants: 'scoped',
    route: createRoute({
      method: 'get',
      path: '/api/v1/workers',
      summary: 'Live workers (a scoped token does not see their active job ids)',
      security,
      request: { query: TokenQuery },
      responses: { 200: json(z.object({ workers: z.array(WorkerSchema) }), 'Live workers'), ...errors },
    }),
    async handle(c, env) {
      const workers = (await (await env.fila.store()).workerList()).filter((w) => w.kind === 'worker');
      return c.json(
        {
          workers: workers.map((w) => ({
            id: w.id,
            host: w.host,
            pid: w.pid,
            queues: w.queues,
            concurrency: w.concurrency,
            activeJobs: env.principal.tenant === null ? w.activeJobs : [],
            startedAt: new Date(w.startedAt).toISOString(),
            lastSeenAt: new Date(w.lastSeenAt).toISOString(),
            version: w.version,
          })),
        },
        200,
      );
    },
  },
  {
    role: 'reader',
    tenants: 'scoped',
    route: createRoute({
      method: 'get',
      path: '/api/v1/health',
      summary: 'Health: store, live workers, stuck jobs, oldest queued job, failure rate',
      security,
      request: { query: TokenQuery },
      responses: {
        200: json(HealthSchema, 'Healthy or degraded'),
        503: json(HealthSchema, 'Unhealthy'),
        ...errors,
      },
    }),
    async handle(c, env) {
      const health = await checkHealth(env.fila, env.hub, env.principal, env.thresholds);
      return c.json(health, health.status === 'unhealthy' ? 503 : 200);
    },
  },
  {
    role: 'reader',
    tenants: 'scoped',
    route: createRoute({
      method: 'get',
      path: '/api/v1/events',
      summary: 'Stream every job and queue event (SSE), filtered by queue, task and tenant',
      description: 'Resumes after Last-Event-ID (or ?after=) while the event is still retained.',
      security,
      request: { query: EventQuery },
      responses: { 200: sse, ...errors, ...tooFarBack },
    }),
    async handle(c, env) {
      const q = input<z.infer<typeof EventQuery>>(c, 'query');
      const tenant = scopedTenant(env.principal, q.tenant);
      const after = c.req.header('last-event-id') ?? q.after;
      return streamEvents(c, env.hub, {
        matches: (e) =>
          (q.queue === undefined || e.queue === q.queue) &&
          (q.task === undefined || e.task === q.task) &&
          (tenant === undefined || e.tenant === tenant),
        after,
      });
    },
  },
  {
    role: 'reader',
    tenants: 'scoped',
    route: createRoute({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (a scoped token sees its tenant only)',
      security,
      request: { query: TokenQuery },
      responses: {
        200: { content: { 'text/plain': { schema: z.string() } }, description: 'Prometheus text format' },
        ...errors,
      },
    }),
    async handle(c, env) {
      const { contentType, body } = await env.metrics.render(env.principal.tenant);
      return c.body(body, 200, { 'content-type': contentType });
    },
  },
  {
    role: 'reader',
    tenants: 'scoped',
    route: createRoute({
      method: 'get',
      path: '/openapi.json',
      summary: 'This API, as OpenAPI 3.1',
      security,
      request: { query: TokenQuery },
      responses: { 200: json(z.object({}).passthrough(), 'The OpenAPI document'), ...errors },
    }),
    handle(c, env) {
      return c.json(env.document() as object, 200);
    },
  },
];

export { outcomeKey };
