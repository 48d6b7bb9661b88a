/**
 * Transactional enqueue from the query builders docs/stores/postgres.md shows, run against the real
 * server exactly as documented: Kysely (a `query` function over `trx.executeQuery`) and Drizzle (the
 * pool client the transaction runs on). For each: a committed transaction leaves both the application's
 * row and the job; one that rolls back leaves neither; and until the commit, nothing outside the
 * transaction sees the job. (Prisma is documented too, but its engines cannot be installed here.)
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import { integer, pgSchema, serial } from 'drizzle-orm/pg-core';
import { CompiledQuery, Kysely, PostgresDialect, type Generated, type Transaction } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFila, type Fila } from '../../src/client/fila.js';
import { defineTask } from '../../src/core/task.js';
import { dropStore } from '../../src/stores/open.js';
import { POSTGRES_URL, unavailable } from '../helpers/services.js';

const skip = await unavailable('postgres');
const SCHEMA = `fila_orm_${process.pid}`;
const APP = `fila_orm_app_${process.pid}`;

const sendReceipt = defineTask({ name: 'send-receipt', handler: (_: { orderId: number }) => {} });

interface AppTables {
  orders: { id: Generated<number>; total: number };
}

describe.skipIf(skip)('transactional enqueue from query builders (PostgreSQL)', () => {
  let fila: Fila;
  let pool: pg.Pool;
  let url: string;

  beforeAll(async () => {
    const u = new URL(POSTGRES_URL);
    u.searchParams.set('schema', SCHEMA);
    url = u.toString();
    fila = createFila({ store: url });
    await fila.store();
    pool = new pg.Pool({ connectionString: POSTGRES_URL });
    await pool.query(`DROP SCHEMA IF EXISTS ${APP} CASCADE`);
    await pool.query(`CREATE SCHEMA ${APP}`);
    await pool.query(`CREATE TABLE ${APP}.orders (id serial PRIMARY KEY, total integer NOT NULL)`);
  });

  afterAll(async () => {
    await fila?.close();
    await pool?.query(`DROP SCHEMA IF EXISTS ${APP} CASCADE`);
    await pool?.end();
    if (url) await dropStore(url);
  });

  async function orderExists(id: number): Promise<boolean> {
    return (await pool.query(`SELECT 1 FROM ${APP}.orders WHERE id = $1`, [id])).rowCount === 1;
  }

  it('Kysely: the job commits with the transaction, is unseen before, and rolls back with it', async () => {
    const db = new Kysely<AppTables>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: POSTGRES_URL }) }),
    }).withSchema(APP);
    /** Inside a Kysely transaction: an order, and its receipt job enqueued through `trx` as documented. */
    const orderWithReceipt = async (trx: Transaction<AppTables>, total: number) => {
      const order = await trx
        .insertInto('orders')
        .values({ total })
        .returning('id')
        .executeTakeFirstOrThrow();
      const tx = {
        query: (text: string, values: unknown[]) => trx.executeQuery(CompiledQuery.raw(text, values)),
      };
      const job = await fila.enqueue(sendReceipt, { orderId: order.id }, { tx });
      return { orderId: order.id, jobId: job.id };
    };
    try {
      let jobId = '';
      let orderId = 0;
      await db.transaction().execute(async (trx) => {
        ({ jobId, orderId } = await orderWithReceipt(trx, 100));
        expect(await fila.getJob(jobId)).toBeNull(); // not committed yet
      });
      expect(await orderExists(orderId)).toBe(true);
      expect(await fila.getJob(jobId)).toMatchObject({ state: 'queued', payload: { orderId } });

      let rolledBack = '';
      const failed = await db
        .transaction()
        .execute(async (trx) => {
          rolledBack = (await orderWithReceipt(trx, 5)).jobId;
          throw new Error('payment declined');
        })
        .catch((e: unknown) => e);
      expect((failed as Error).message).toBe('payment declined');
      expect(rolledBack).not.toBe('');
      expect(await fila.getJob(rolledBack)).toBeNull();
    } finally {
      await db.destroy();
    }
  });

  it('Drizzle: the job commits with the transaction on the same client, and rolls back with it', async () => {
    const orders = pgSchema(APP).table('orders', {
      id: serial('id').primaryKey(),
      total: integer('total').notNull(),
    });
    const run = async (total: number, commit: boolean) => {
      const client = await pool.connect();
      try {
        const db = drizzle(client);
        await client.query('BEGIN');
        const [order] = await db.insert(orders).values({ total }).returning();
        const job = await fila.enqueue(sendReceipt, { orderId: order!.id }, { tx: client });
        expect(await fila.getJob(job.id)).toBeNull(); // not committed yet
        await client.query(commit ? 'COMMIT' : 'ROLLBACK');
        return { jobId: job.id, orderId: order!.id };
      } finally {
        client.release();
      }
    };
    const kept = await run(100, true);
    expect(await orderExists(kept.orderId)).toBe(true);
    expect(await fila.getJob(kept.jobId)).toMatchObject({
      state: 'queued',
      payload: { orderId: kept.orderId },
    });
    const dropped = await run(7, false);
    expect(await orderExists(dropped.orderId)).toBe(false);
    expect(await fila.getJob(dropped.jobId)).toBeNull();
  });
});
