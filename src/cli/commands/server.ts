/**
 * `fila server`: the HTTP API on the store until SIGINT/SIGTERM. Every flag is checked before the store
 * is opened; the client is the command's own (ctx.client), so it is closed however the command ends,
 * and the API is closed in a finally (a port in use leaves nothing running). With --tasks, the client
 * knows the tasks: the API's enqueue applies their queue, defaults and schema and refuses unknown names.
 */
import { redact } from '../../stores/open.js';
import { duration, fraction, int, parse, str } from '../args.js';
import type { Command } from '../command.js';
import { loadTasks } from '../load-tasks.js';

export const server: Command = {
  name: 'server',
  summary: 'serve the HTTP API (REST, SSE, metrics, health)',
  usage: `fila server [--port 4000] [--host 127.0.0.1] [--tasks PATH] [--event-retention 1h]
            [--stuck-degraded 100] [--stuck-unhealthy 500] [--failure-rate 0.5]

Serves the HTTP API on the store. Every route but /healthz needs a token (fila tokens create).
  --port N               the port (default 4000; 0 picks a free one)
  --host H               the address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --tasks PATH           the task definitions PATH exports (as fila worker loads them): enqueue through
                         the API then applies their queue, defaults and schema (400 invalid_payload) and
                         refuses other task names (400 unknown_task); without it any name is accepted
  --event-retention D    how long events are kept for Last-Event-ID (default 1h)
  --stuck-degraded N     health is degraded above N stuck jobs (default 100)
  --stuck-unhealthy N    health is unhealthy above N stuck jobs (default 500)
  --failure-rate R       health is degraded above this share of failed attempts (default 0.5)`,
  async run(args, ctx) {
    const { values } = parse(
      'server',
      args,
      {
        port: { type: 'string' },
        host: { type: 'string' },
        tasks: { type: 'string' },
        'event-retention': { type: 'string' },
        'stuck-degraded': { type: 'string' },
        'stuck-unhealthy': { type: 'string' },
        'failure-rate': { type: 'string' },
      },
      { min: 0, max: 0 },
    );
    const port = int(values, 'port', 0, 65_535) ?? 4000;
    const host = str(values, 'host') ?? '127.0.0.1';
    const retention = duration(values, 'event-retention');
    const health = {
      ...optional('stuckDegraded', int(values, 'stuck-degraded', 0, 1e9)),
      ...optional('stuckUnhealthy', int(values, 'stuck-unhealthy', 0, 1e9)),
      ...optional('failureRateDegraded', fraction(values, 'failure-rate')),
    };
    const { createServer } = await import('../../server/index.js');
    const { healthThresholds } = await import('../../server/health.js');
    healthThresholds(health); // throws naming a bad combination (degraded above unhealthy)
    const path = str(values, 'tasks');
    const tasks = path === undefined ? undefined : await loadTasks(path);
    const fila = ctx.client({ ...(tasks ? { tasks } : {}), create: true });
    const api = createServer({
      fila,
      ...(retention === undefined ? {} : { eventRetention: retention }),
      health,
      onError: (error, during) =>
        process.stderr.write(`fila server: ${during}: ${(error as Error)?.stack ?? String(error)}\n`),
    });
    try {
      await api.start(); // the store's own errors are reported as they are, not as a listen failure
      const address = await api.listen({ port, host }).catch((e: Error) => {
        throw new Error(`--host ${host} --port ${port}: cannot listen there (${e.message})`, { cause: e });
      });
      process.stdout.write(
        `Fila API on http://${address.host}:${address.port} (store ${redact(ctx.storeUrl)})\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    } finally {
      await api.close();
      await fila.close();
    }
    process.stdout.write('Fila API stopped\n');
  },
};

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
