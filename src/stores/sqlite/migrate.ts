/**
 * Forward-only migrations: the files of migrations/ (bundled into sql.gen.ts), applied in order and
 * recorded in fila_migrations. Refuses to touch a database migrated by a newer Fila. Runs inside the
 * store's write transaction, so processes starting together apply each migration once.
 */
import type Database from 'better-sqlite3';
import { SchemaVersionError } from '../../core/errors.js';
import type { Migration } from '../../core/store.js';
import { migrationFiles } from './sql.gen.js';

export const MIGRATIONS: readonly Migration[] = migrationFiles.map((m) => ({ ...m }));
const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Whether `db` is at the latest version, by a read: no write lock, so opening a store whose schema is
 * current never waits behind another process's long write transaction. Refuses a newer schema.
 */
export function isCurrent(db: Database.Database): boolean {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fila_migrations'")
    .get();
  if (!table) return false;
  const row = db.prepare('SELECT max(version) AS v FROM fila_migrations').get() as { v: number | null };
  const current = row.v ?? 0;
  if (current > LATEST_VERSION) throw new SchemaVersionError(current, LATEST_VERSION);
  return current === LATEST_VERSION;
}

/** Applies the pending migrations on `db` (inside a transaction the caller holds); returns them. */
export function applyMigrations(db: Database.Database): Migration[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS fila_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
  );
  const row = db.prepare('SELECT max(version) AS v FROM fila_migrations').get() as { v: number | null };
  const current = row.v ?? 0;
  if (current > LATEST_VERSION) throw new SchemaVersionError(current, LATEST_VERSION);
  const applied: Migration[] = [];
  const record = db.prepare('INSERT INTO fila_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.exec(m.sql);
    record.run(m.version, m.name, Date.now());
    applied.push(m);
  }
  return applied;
}
