/**
 * The HTTP API's schemas. The same zod schemas validate requests and generate the OpenAPI 3.1 document
 * at /openapi.json. Request objects are strict: an unknown field is refused with a 400 naming it, never
 * silently ignored. Deeper checks (task names, durations, payload size, the task's own schema) are the
 * client's, and answer with the same error format.
 */
import { z } from '@hono/zod-openapi';
import { JOB_STATES, MAX_PRIORITY, MIN_PRIORITY } from '../core/job.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Labels on a job. Keys that could reach an object's prototype are refused; zod drops a `__proto__`
 * key from records silently, so it is looked for in the input before parsing.
 */
const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'];
const Metadata = z.preprocess(
  (value, ctx) => {
    if (typeof value === 'object' && value !== null) {
      for (const key of RESERVED_KEYS) {
        if (Object.hasOwn(value, key)) {
          ctx.addIssue({ code: 'custom', message: `"${key}" is a reserved key`, path: [key], input: value });
        }
      }
    }
    return value;
  },
  z.record(z.string().max(128), z.unknown()),
);

export const Name = z.string().regex(NAME, 'a name of 1-128 letters, digits or _ . : / -');
export const JobId = z.string().regex(JOB_ID, 'expected a job id (a lowercase UUID)');
const Duration = z
  .union([z.number().int().min(0), z.string().max(32)])
  .openapi({ description: 'milliseconds, or "30s", "5m", "2h", "7d"' });
const Priority = z
  .union([
    z.enum(['critical', 'high', 'normal', 'low']),
    z.number().int().min(MIN_PRIORITY).max(MAX_PRIORITY),
  ])
  .openapi({ description: 'critical, high, normal, low, or an integer (higher runs first)' });
export const State = z.enum(JOB_STATES);

export const ErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi('Error');

export const EnqueueBody = z
  .object({
    task: Name,
    payload: z.unknown().optional().openapi({ description: 'any JSON value (default null)' }),
    queue: Name.optional(),
    priority: Priority.optional(),
    delay: Duration.optional(),
    runAt: z
      .union([z.string().max(64), z.number().int().min(0)])
      .optional()
      .openapi({ description: 'ISO 8601 time or epoch ms' }),
    key: z.string().min(1).max(512).optional(),
    dedup: z.enum(['ignore', 'replace', 'reject']).optional(),
    maxAttempts: z.number().int().min(1).max(1000).optional(),
    timeout: Duration.optional(),
    tenant: Name.optional().openapi({
      description: 'only with a token not scoped to a tenant (a scoped token applies its own)',
    }),
    metadata: Metadata.optional(),
  })
  .strict()
  .openapi('EnqueueRequest');

export const BatchBody = z
  .object({ jobs: z.array(EnqueueBody).min(1).max(1000) })
  .strict()
  .openapi('EnqueueBatchRequest');

const JobErrorSchema = z.object({
  attempt: z.number().int(),
  at: z.string(),
  name: z.string(),
  message: z.string(),
  code: z.string().optional(),
  stack: z.string().optional(),
  crash: z.boolean().optional(),
});

export const JobSchema = z
  .object({
    id: z.string(),
    task: z.string(),
    queue: z.string(),
    state: State,
    priority: z.number().int(),
    attempt: z.number().int(),
    maxAttempts: z.number().int(),
    crashCount: z.number().int(),
    payload: z.unknown(),
    result: z.unknown(),
    error: JobErrorSchema.nullable(),
    errors: z.array(JobErrorSchema),
    progress: z.object({ percent: z.number(), message: z.string().nullable() }).nullable(),
    key: z.string().nullable(),
    tenant: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    backoff: z.unknown().nullable(),
    timeoutMs: z.number().int().nullable(),
    cancelRequested: z.boolean(),
    workerId: z.string().nullable(),
    runAt: z.string(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi('Job');

export const JobListQuery = z
  .object({
    queue: Name.optional(),
    state: z.string().max(200).optional().openapi({ description: 'a state, or several separated by commas' }),
    task: Name.optional(),
    tenant: Name.optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    cursor: z.string().max(200).optional(),
    order: z.enum(['asc', 'desc']).optional(),
    token: z
      .string()
      .optional()
      .openapi({ description: 'the API token, for clients that cannot send headers' }),
  })
  .strict();

export const JobPageSchema = z
  .object({ jobs: z.array(JobSchema), cursor: z.string().nullable() })
  .openapi('JobPage');

export const LogSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  attempt: z.number().int(),
  message: z.string(),
});

export const QueueSchema = z
  .object({
    name: z.string(),
    paused: z.boolean(),
    counts: z.record(State, z.number().int()),
    oldestQueuedAgeMs: z.number().nullable(),
    stuck: z.number().int(),
    recent: z.object({
      windowMs: z.number().int(),
      completed: z.number().int(),
      failed: z.number().int(),
      throughputPerMin: z.number(),
      failureRate: z.number().nullable(),
    }),
  })
  .openapi('Queue');

export const CleanBody = z
  .object({ state: z.enum(['completed', 'failed', 'cancelled']), olderThan: Duration })
  .strict()
  .openapi('CleanRequest');

export const WorkerSchema = z
  .object({
    id: z.string(),
    host: z.string(),
    pid: z.number().int(),
    queues: z.array(z.string()),
    concurrency: z.number().int(),
    activeJobs: z.array(z.string()),
    startedAt: z.string(),
    lastSeenAt: z.string(),
    version: z.string(),
  })
  .openapi('Worker');

export const HealthSchema = z
  .object({
    status: z.enum(['healthy', 'degraded', 'unhealthy']),
    reasons: z.array(z.string()),
    store: z.object({ ok: z.boolean(), latencyMs: z.number().nullable(), error: z.string().optional() }),
    workers: z.object({ live: z.number().int() }),
    stuck: z.number().int(),
    failureRate: z.number().nullable(),
    queues: z.array(
      z.object({
        name: z.string(),
        oldestQueuedAgeMs: z.number().nullable(),
        stuck: z.number().int(),
        failureRate: z.number().nullable(),
      }),
    ),
    thresholds: z.object({
      stuckDegraded: z.number(),
      stuckUnhealthy: z.number(),
      failureRateDegraded: z.number(),
      windowMs: z.number(),
    }),
    checkedAt: z.string(),
  })
  .openapi('Health');

export const EventQuery = z
  .object({
    queue: Name.optional(),
    task: Name.optional(),
    tenant: Name.optional(),
    after: z
      .string()
      .max(100)
      .optional()
      .openapi({ description: 'resume after this event id (like Last-Event-ID)' }),
    token: z.string().optional(),
  })
  .strict();

export const TokenQuery = z.object({ token: z.string().optional() }).strict();
