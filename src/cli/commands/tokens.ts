import { name, parse, str, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { printJson, table } from '../output.js';

/** Options of `fila tokens` that take a value (the global --store among them). */
const VALUE_FLAGS = new Set(['--store', '--role', '--tenant', '--name']);

export const tokens: Command = {
  name: 'tokens',
  summary: 'create, list and revoke API tokens',
  usage: `fila tokens create --role admin|operator|reader [--tenant T] [--name N] [--json]
fila tokens list [--json]
fila tokens revoke ID

A token's secret is printed once, when it is created; the store keeps only its hash.
With --tenant, the token sees and acts on that tenant's jobs only.`,
  async run(args, ctx) {
    // The action is the first word that is not an option or an option's value (`--role admin create`).
    const at = args.findIndex((a, i) => !a.startsWith('-') && !VALUE_FLAGS.has(args[i - 1] ?? ''));
    const action = at >= 0 ? args[at] : undefined;
    const rest = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 1)] : args;
    // Each action parses and checks its flags before the store is opened (and created, or migrated):
    // bad input changes nothing.
    if (action === 'create') {
      const { values } = parse(
        'tokens create',
        rest,
        {
          role: { type: 'string' },
          tenant: { type: 'string' },
          name: { type: 'string' },
          json: { type: 'boolean' },
        },
        { min: 0, max: 0 },
      );
      const role = str(values, 'role');
      if (role === undefined)
        throw new UsageError('tokens create: --role is required (admin, operator or reader)');
      if (role !== 'admin' && role !== 'operator' && role !== 'reader') {
        throw new UsageError(`--role: expected admin, operator or reader, got "${role}"`);
      }
      const tenant = name(values, 'tenant');
      const { createToken } = await import('../../server/auth.js');
      const { record, token } = await createToken(await ctx.client({ create: true }).store(), {
        role,
        tenant: tenant ?? null,
        name: str(values, 'name') ?? null,
      });
      if (values.json) printJson({ id: record.id, token, role: record.role, tenant: record.tenant });
      else {
        process.stdout.write(`${token}\n`);
        process.stderr.write(
          `token ${record.id} (${record.role}${record.tenant ? `, tenant ${record.tenant}` : ''}): keep it now, it is not shown again\n`,
        );
      }
      return;
    }
    if (action === 'list') {
      const { values } = parse('tokens list', rest, { json: { type: 'boolean' } }, { min: 0, max: 0 });
      const list = await (await ctx.client().store()).tokenList();
      if (values.json) printJson(list.map((t) => ({ ...t, createdAt: new Date(t.createdAt).toISOString() })));
      else if (list.length === 0) process.stdout.write('no tokens\n');
      else {
        const rows = [['ID', 'ROLE', 'TENANT', 'NAME', 'CREATED']];
        for (const t of list)
          rows.push([t.id, t.role, t.tenant ?? '-', t.name ?? '-', new Date(t.createdAt).toISOString()]);
        process.stdout.write(`${table(rows)}\n`);
      }
      return;
    }
    if (action === 'revoke') {
      const { positionals } = parse('tokens revoke', rest, {}, { min: 1, max: 1 });
      const { revoked } = await (await ctx.client().store()).tokenRevoke({ id: positionals[0]! });
      if (!revoked) throw new UsageError(`tokens revoke: no token "${positionals[0]}"`);
      process.stdout.write(`revoked ${positionals[0]}\n`);
      return;
    }
    throw new UsageError(
      action === undefined
        ? 'tokens: give create, list or revoke'
        : `tokens: unknown action "${action}" (create, list, revoke)`,
    );
  },
};
