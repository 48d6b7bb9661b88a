import { printMigrations } from '../../stores/open.js';
import { int, parse, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const migrate: Command = {
  name: 'migrate',
  summary: 'apply pending migrations (or print them)',
  usage: `fila migrate [--print [--after N]]

Applies the store's pending migrations. Migrations are forward-only and recorded in the store.
  --print     print the migrations instead of applying anything (opens nothing: no server needed, no
              file created). On PostgreSQL this is one transaction to run with psql, which also records
              each migration as fila migrate does, and fails, changing nothing, unless the schema is
              at the version --after names (0 by default: a new schema)
  --after N   with --print: only the migrations after version N (the schema's latest applied)`,
  async run(args, ctx) {
    const { values } = parse(
      'migrate',
      args,
      { print: { type: 'boolean' }, after: { type: 'string' } },
      { min: 0, max: 0 },
    );
    const after = int(values, 'after', 0, 1_000_000) ?? 0;
    if (values.after !== undefined && !values.print)
      throw new UsageError('migrate: --after goes with --print');
    if (values.print) {
      process.stdout.write(await printMigrations(ctx.storeUrl, after));
      return;
    }
    const { applied } = await ctx.client({ migrate: false, create: true }).migrate();
    if (applied.length === 0) process.stdout.write('store is up to date\n');
    for (const m of applied) process.stdout.write(`applied ${m.version} ${m.name}\n`);
  },
};
