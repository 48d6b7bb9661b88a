/**
 * The Fila HTTP API as a Hono app: authentication first (a Bearer token, or `?token=` on GET for
 * clients that cannot send headers, such as browsers' EventSource), then per-route role and tenant
 * rules from the route table, then schema validation, then the handler. Every error, validation included,
 * answers `{ "error": { "code", "message" } }` with the status of errors.ts. Only `/healthz` is open.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Fila } from '../client/fila.js';
import { VERSION } from '../version.js';
import { hasRole, TokenVerifier, type Principal } from './auth.js';
import { EnqueueBatcher } from './batcher.js';
import { errorBody, errorResponse, STATUS_BY_CODE } from './errors.js';
import { healthThresholds, type HealthThresholds } from './health.js';
import type { EventHub } from './hub.js';
import type { ServerMetrics } from './metrics.js';
import { ROUTES, type ApiRoute, type RouteEnv } from './routes.js';

type Env = { Variables: { principal: Principal } };

export interface AppParts {
  fila: Fila;
  hub: EventHub;
  metrics: ServerMetrics;
  maxBodyBytes: number;
  thresholds?: Partial<HealthThresholds>;
  /** Reports unexpected errors (500s). */
  onError?: (error: unknown, during: string) => void;
}

/** Codes for the statuses of Hono's own HTTPExceptions (a 400 from Hono is a body that is not JSON). */
const HTTP_EXCEPTION_CODES: Record<number, string> = {
  400: 'invalid_json',
  401: 'unauthorized',
  413: 'payload_too_large',
};

/** `{id}` → `:id`, for Hono's router. */
function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/**
 * Refuses bodies over `max` bytes with 413. A declared Content-Length is checked from the header alone,
 * which keeps the request on the adapter's fast body path; only a chunked body (no length) goes through
 * Hono's streaming limit. The refused body is not read, so the connection is closed after the answer
 * rather than have its rest taken for the next request.
 */
function limitBody(max: number): MiddlewareHandler {
  const tooLarge = (c: Context) => {
    c.header('connection', 'close');
    return fail(c, 'payload_too_large', `request body larger than ${max} bytes`);
  };
  const streaming = bodyLimit({ maxSize: max, onError: tooLarge });
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number(length) > max ? tooLarge(c) : next();
    }
    return streaming(c, next);
  };
}

function fail(c: Context, code: string, message: string): Response {
  return c.json(errorBody(code, message), (STATUS_BY_CODE[code] ?? 400) as 400);
}

export function buildApp(parts: AppParts): OpenAPIHono<Env> {
  const thresholds: HealthThresholds = healthThresholds(parts.thresholds);
  const verifier = new TokenVerifier(() => parts.fila.store());
  const batcher = new EnqueueBatcher(parts.fila);
  const app = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issue = result.error.issues[0];
      const where = [
        result.target === 'json' ? 'body' : result.target,
        ...(issue?.path ?? []).map(String),
      ].join('.');
      return c.json(
        errorBody('invalid_argument', `${where}: ${issue ? describeIssue(issue) : 'invalid'}`),
        400,
      );
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  const authenticate: MiddlewareHandler<Env> = async (c, next) => {
    const header = c.req.header('authorization');
    let presented: string | undefined;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) return fail(c, 'unauthorized', 'authorization: expected "Bearer <token>"');
      presented = m[1];
    } else if (c.req.method === 'GET') {
      presented = c.req.query('token');
    }
    if (!presented) return fail(c, 'unauthorized', 'missing token: send Authorization: Bearer <token>');
    const principal = await verifier.verify(presented);
    if (!principal) return fail(c, 'unauthorized', 'invalid or revoked token');
    c.set('principal', principal);
    await next();
  };
  app.use('/api/*', authenticate);
  app.use('/metrics', authenticate);
  app.use('/openapi.json', authenticate);
  app.use('/api/*', limitBody(parts.maxBodyBytes));

  const document = () =>
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Fila API',
        version: VERSION,
        description: 'Background jobs: enqueue, inspect, operate, stream.',
      },
    });

  for (const spec of ROUTES) register(app, spec, parts, { thresholds, batcher, document });

  app.notFound((c) => fail(c, 'not_found', `no route ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      // Thrown by Hono and its validators: a body that is not JSON, or not declared as JSON.
      const status = error.status;
      if (status === 415) {
        const type = (c.req.header('content-type') ?? '').slice(0, 100);
        const got = type === '' ? 'a body without one' : JSON.stringify(type);
        return c.json(
          errorBody('unsupported_media_type', `content-type: expected application/json, got ${got}`),
          415,
        );
      }
      const code = HTTP_EXCEPTION_CODES[status] ?? (status < 500 ? 'invalid_argument' : 'internal');
      return c.json(errorBody(code, error.message || 'invalid request'), status);
    }
    const { status, body } = errorResponse(error);
    if (status >= 500 && status !== 503) parts.onError?.(error, `${c.req.method} ${c.req.path}`);
    return c.json(body, status as 400);
  });
  return app;
}

function register(
  app: OpenAPIHono<Env>,
  spec: ApiRoute,
  parts: AppParts,
  extra: Pick<RouteEnv, 'thresholds' | 'batcher' | 'document'>,
): void {
  const method = spec.route.method.toUpperCase();
  // Role and tenant rules run before validation: a caller who may not call a route learns nothing more.
  app.on(method, honoPath(spec.route.path), async (c, next) => {
    const principal = c.get('principal');
    if (!hasRole(principal, spec.role)) {
      return fail(c, 'forbidden', `this needs the ${spec.role} role; the token is ${principal.role}`);
    }
    if (spec.tenants === 'forbidden' && principal.tenant !== null) {
      return fail(c, 'forbidden', 'this acts on a whole queue, which a token scoped to a tenant may not do');
    }
    await next();
  });
  app.openapi(spec.route, ((c: Context<Env>) =>
    spec.handle(c, {
      principal: c.get('principal'),
      fila: parts.fila,
      hub: parts.hub,
      metrics: parts.metrics,
      ...extra,
    })) as never);
}

type Issue = { code: string; message: string; errors?: Issue[][] };

/** A validation issue in words a caller can act on: "required" for a missing field, not "Invalid input". */
function describeIssue(issue: Issue): string {
  const missing = (i: Issue) => i.code === 'invalid_type' && /received undefined$/.test(i.message);
  if (missing(issue)) return 'required';
  if (issue.code === 'invalid_union' && issue.errors?.length) {
    if (issue.errors.every((branch) => branch.some(missing))) return 'required';
    return `invalid value (${issue.errors.map((branch) => branch[0]?.message ?? '').join('; or ')})`;
  }
  if (/received NaN$/.test(issue.message)) return 'expected a number';
  return issue.message;
}
