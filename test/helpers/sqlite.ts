/** An application transaction on a SQLite file, as the conformance suite's fixtures open one. */
import Database from 'better-sqlite3';
import type { AppTransaction } from '../../src/testkit/types.js';

export async function openSqliteTransaction(path: string): Promise<AppTransaction> {
  const db = new Database(path);
  db.exec('BEGIN');
  return {
    tx: db,
    exec: async (sql: string) => void db.exec(sql),
    commit: async () => void db.exec('COMMIT'),
    rollback: async () => void db.exec('ROLLBACK'),
    close: async () => void db.close(),
  };
}
