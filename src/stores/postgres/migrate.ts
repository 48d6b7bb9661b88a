/**
 * Forward-only migrations: the files of migrations/ (bundled into sql.gen.ts), written for a schema
 * placeholder and applied in order inside the configured schema, each recorded in its `migrations`
 * table. One transaction holds an advisory lock for the schema while it migrates, so processes starting
 * together apply each migration once. Refuses to touch a schema migrated by a newer Fila.
 */
import pg from 'pg';
import { SchemaVersionError } from '../../core/errors.js';
import type { Migration } from '../../core/store.js';
import type { Db } from './db.js';
import { migrationFiles } from './sql.gen.js';

/** The migrations for one schema, with its quoted name filled in. */
export function migrationsFor(schema: string): Migration[] {
  const quoted = pg.escapeIdentifier(schema);
  return migrationFiles.map((m) => ({
    version: m.version,
    name: m.name,
    sql: m.sql.split('{schema}').join(quoted),
  }));
}

export async function applyMigrations(db: Db, schema: string): Promise<Migration[]> {
  const migrations = migrationsFor(schema);
  const latest = migrations.at(-1)?.version ?? 0;
  const quoted = pg.escapeIdentifier(schema);
  // Most opens find the schema up to date: check without taking the lock.
  const current = await db
    .query<{ v: number | null }>(`SELECT max(version) AS v FROM ${quoted}.migrations`)
    .then((rows) => rows[0]?.v ?? 0)
    .catch(() => -1);
  if (current > latest) throw new SchemaVersionError(current, latest);
  if (current === latest) return [];
  return db.transaction(async (client) => {
    await client.query({
      text: 'SELECT pg_advisory_xact_lock(hashtext($1))',
      values: [`fila-migrate:${schema}`],
    });
    await client.query({ text: `CREATE SCHEMA IF NOT EXISTS ${quoted}` });
    await client.query({
      text: `CREATE TABLE IF NOT EXISTS ${quoted}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    });
    const { rows } = await client.query({ text: `SELECT max(version) AS v FROM ${quoted}.migrations` });
    const now = Number((rows[0] as { v: number | null }).v ?? 0);
    if (now > latest) throw new SchemaVersionError(now, latest);
    const applied: Migration[] = [];
    for (const m of migrations) {
      if (m.version <= now) continue;
      await client.query({ text: m.sql });
      await client.query({
        text: `INSERT INTO ${quoted}.migrations (version, name) VALUES ($1, $2)`,
        values: [m.version, m.name],
      });
      applied.push(m);
    }
    return applied;
  });
}
