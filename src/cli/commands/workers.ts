import { parse } from '../args.js';
import type { Command } from '../command.js';
import { printJson, table } from '../output.js';

export const workers: Command = {
  name: 'workers',
  summary: 'list live workers',
  usage: `fila workers [--json]

Lists the workers reporting to the store's registry (a worker that stops reporting disappears after 15 s).`,
  async run(args, ctx) {
    const { values } = parse('workers', args, { json: { type: 'boolean' } }, { min: 0, max: 0 });
    const list = (await (await ctx.client().store()).workerList()).filter((w) => w.kind === 'worker');
    if (values.json) {
      printJson(
        list.map((w) => ({
          ...w,
          startedAt: new Date(w.startedAt).toISOString(),
          lastSeenAt: new Date(w.lastSeenAt).toISOString(),
        })),
      );
      return;
    }
    if (list.length === 0) {
      process.stdout.write('no live workers\n');
      return;
    }
    const rows = [
      ['ID', 'HOST', 'PID', 'QUEUES', 'CONCURRENCY', 'ACTIVE', 'STARTED', 'LAST SEEN', 'VERSION'],
    ];
    for (const w of list) {
      rows.push([
        w.id,
        w.host,
        String(w.pid),
        w.queues.join(','),
        String(w.concurrency),
        String(w.activeJobs.length),
        new Date(w.startedAt).toISOString(),
        `${Math.round((Date.now() - w.lastSeenAt) / 1000)}s ago`,
        w.version,
      ]);
    }
    process.stdout.write(`${table(rows)}\n`);
  },
};
