import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreConformance } from '../../src/testkit/index.js';

runStoreConformance({
  name: 'sqlite',
  makeStore: () => {
    const dir = mkdtempSync(join(tmpdir(), 'fila-sqlite-'));
    const path = join(dir, 'fila.db');
    return {
      url: `sqlite://${path}`,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      openTransaction: async () => {
        const db = new Database(path);
        db.exec('BEGIN');
        return {
          tx: db,
          exec: async (sql: string) => void db.exec(sql),
          commit: async () => void db.exec('COMMIT'),
          rollback: async () => void db.exec('ROLLBACK'),
          close: async () => void db.close(),
        };
      },
    };
  },
});
