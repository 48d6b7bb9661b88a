/**
 * The conformance suite on PostgreSQL with pool settings that mimic PgBouncer in transaction mode:
 * no named prepared statements, and every statement (or transaction) on a fresh server session
 * (`poolMaxUses=1`), so anything that relied on session state (SET, prepared statements, temporary
 * tables, session locks) carried from one call to the next would fail here. LISTEN keeps its own
 * connection, addressed with listenHost/listenPort as it would be past such a pooler (see
 * docs/stores/postgres.md).
 */
import pg from 'pg';
import { dropStore } from '../../src/stores/open.js';
import { runStoreConformance } from '../../src/testkit/index.js';
import { POSTGRES_URL, unavailable } from '../helpers/services.js';

const skipAll = await unavailable('postgres');
let n = 0;

runStoreConformance({
  name: 'postgres (transaction-pooler settings)',
  ...(skipAll ? { skipAll } : {}),
  makeStore: () => {
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', `fila_pooler_${process.pid}_${++n}`);
    url.searchParams.set('prepare', 'false');
    url.searchParams.set('poolMaxUses', '1');
    url.searchParams.set('pool', '4');
    // As behind a real pooler, LISTEN is sent to the server by its own host and port.
    url.searchParams.set('listenHost', new URL(POSTGRES_URL).hostname);
    url.searchParams.set('listenPort', new URL(POSTGRES_URL).port || '5432');
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
