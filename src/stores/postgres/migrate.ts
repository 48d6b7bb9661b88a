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

/** The statements that create the schema and its `migrations` table, when missing. */
function setupStatements(quoted: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoted}`,
    `CREATE TABLE IF NOT EXISTS ${quoted}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  ];
}

const LOCK = 'SELECT pg_advisory_xact_lock(hashtext($1))';
const lockKey = (schema: string) => `fila-migrate:${schema}`;

/**
 * What `fila migrate --print` prints: one transaction that does what `applyMigrations` does for the
 * migrations after version `after` (the lock, the schema and its `migrations` table, then each migration
 * with its record), for a DBA to review and run with psql. It first checks that the schema is at version
 * `after` (0: a new schema), and fails otherwise, changing nothing.
 */
export function migrationScript(schema: string, after: number): string {
  const quoted = pg.escapeIdentifier(schema);
  const pending = migrationsFor(schema).filter((m) => m.version > after);
  const literal = (text: string) => pg.escapeLiteral(text);
  const out = [
    `-- Fila's PostgreSQL migrations for schema ${quoted}, after version ${after}: ${pending.length} to apply.`,
    `-- The versions applied are in ${quoted}.migrations; print from the last one with --after N.`,
    'BEGIN;',
    'SET LOCAL client_min_messages = warning;',
    `DO $fila$ BEGIN PERFORM pg_advisory_xact_lock(hashtext(${literal(lockKey(schema))})); END $fila$;`,
    ...setupStatements(quoted).map((statement) => `${statement};`),
    // The schema must be where --after says: otherwise the script would skip migrations, or do nothing
    // and look as if it had brought the schema up to date.
    `DO $fila$ BEGIN
  IF (SELECT coalesce(max(version), 0) FROM ${quoted}.migrations) <> ${after} THEN
    RAISE EXCEPTION 'schema ${schema.replace(/'/g, "''")} is at migration version %, not ${after} (print with --after that version)',
      (SELECT coalesce(max(version), 0) FROM ${quoted}.migrations);
  END IF;
END $fila$;`,
  ];
  for (const m of pending) {
    out.push(
      '',
      `-- migration ${m.version}: ${m.name}`,
      `INSERT INTO ${quoted}.migrations (version, name) VALUES (${m.version}, ${literal(m.name)});`,
      `${m.sql}\n;`, // on a line of its own: the file may end with a comment
    );
  }
  out.push('', 'COMMIT;');
  return out.join('\n');
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
    await client.query({ text: LOCK, values: [lockKey(schema)] });
    for (const statement of setupStatements(quoted)) await client.query({ text: statement });
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
