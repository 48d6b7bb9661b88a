import { createFila } from '../../client/fila.js';
import { duration, fraction, int, parse, str } from '../args.js';
import type { Command } from '../command.js';

export const server: Command = {
  name: 'server',
  summary: 'serve the HTTP API (REST, SSE, metrics, health)',
  usage: `fila server [--port 4000] [--host 127.0.0.1] [--event-retention 1h]
            [--stuck-degraded 100] [--stuck-unhealthy 500] [--failure-rate 0.5]

Serves the HTTP API on the store. Every route but /healthz needs a token (fila tokens create).
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
    const fila = createFila({ store: ctx.storeUrl });
    const api = createServer({
      fila,
      ...(retention === undefined ? {} : { eventRetention: retention }),
      health,
      onError: (error, during) =>
        process.stderr.write(`fila server: ${during}: ${(error as Error)?.stack ?? String(error)}\n`),
    });
    const address = await api.listen({ port, host });
    process.stdout.write(`Fila API on http://${address.host}:${address.port} (store ${ctx.storeUrl})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await api.close();
    await fila.close();
    process.stdout.write('Fila API stopped\n');
  },
};

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
