import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreConformance } from '../../src/testkit/index.js';
import { openSqliteTransaction } from '../helpers/sqlite.js';

runStoreConformance({
  name: 'sqlite',
  makeStore: () => {
    const dir = mkdtempSync(join(tmpdir(), 'fila-sqlite-'));
    const path = join(dir, 'fila.db');
    return {
      url: `sqlite://${path}`,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      openTransaction: () => openSqliteTransaction(path),
    };
  },
});
