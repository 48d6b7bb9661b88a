/**
 * The conformance suite on PostgreSQL (the server at FILA_TEST_POSTGRES_URL, 127.0.0.1:5432 by default).
 * Each test gets its own schema, dropped afterwards; without a reachable server the suite is skipped
 * with the reason printed (or fails, with FILA_REQUIRE_STORES=postgres).
 */
import pg from 'pg';
import { dropStore } from '../../src/stores/open.js';
import { runStoreConformance } from '../../src/testkit/index.js';
import { POSTGRES_URL, unavailable } from '../helpers/services.js';

const skipAll = await unavailable('postgres');
let n = 0;

runStoreConformance({
  name: 'postgres',
  ...(skipAll ? { skipAll } : {}),
  makeStore: () => {
    const schema = `fila_test_${process.pid}_${++n}`;
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', schema);
    return {
      url: url.toString(),
      cleanup: () => dropStore(url.toString()),
      openTransaction: async () => {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query('BEGIN');
        return {
          tx: client,
          exec: async (sql: string) => void (await client.query(sql)),
          commit: async () => void (await client.query('COMMIT')),
          rollback: async () => void (await client.query('ROLLBACK')),
          close: () => client.end(),
        };
      },
    };
  },
});
