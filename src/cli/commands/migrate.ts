import { createFila } from '../../client/fila.js';
import { parse } from '../args.js';
import type { Command } from '../command.js';

export const migrate: Command = {
  name: 'migrate',
  summary: 'apply pending migrations (or print them)',
  usage: `fila migrate [--print]

Applies the store's pending migrations. Migrations are forward-only and recorded in the store.
  --print   print every migration's SQL instead of applying anything`,
  async run(args, ctx) {
    const { values } = parse('migrate', args, { print: { type: 'boolean' } }, { min: 0, max: 0 });
    const fila = values.print
      ? createFila({ store: ctx.storeUrl, migrate: false })
      : ctx.client({ migrate: false });
    try {
      const store = await fila.store();
      if (values.print) {
        for (const m of store.migrations())
          process.stdout.write(`-- migration ${m.version}: ${m.name}\n${m.sql}\n\n`);
        return;
      }
      const { applied } = await fila.migrate();
      if (applied.length === 0) process.stdout.write('store is up to date\n');
      for (const m of applied) process.stdout.write(`applied ${m.version} ${m.name}\n`);
    } finally {
      if (values.print) await fila.close();
    }
  },
};
