/**
 * pg-boss's database interface over our connections (src/jobs/pg-boss-db.ts), on the run's database
 * (a server, or embedded PGlite, where pg-boss runs every statement through it): a multi-statement
 * text answers the rows of every statement, as pg-boss's claims and maintenance batches need.
 */
import { pgBossDb } from '../src/jobs/pg-boss-db';
import { createTestApp, TestApp } from './support/test-app';

const MULTI = `BEGIN;
  SELECT 1 AS a FROM pg_advisory_xact_lock(4242);
  SELECT 2 AS b UNION ALL SELECT 3;
  COMMIT`;

describe('pg-boss on our connections', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('answers the rows of every statement of a multi-statement text, on a pooled connection', async () => {
    const { rows } = await pgBossDb(t.dataSource).executeSql(MULTI);
    expect(rows).toEqual([{ a: 1 }, { b: 2 }, { b: 3 }]);
  });

  it('answers a statement with parameters inside the caller’s transaction, and leaves it open', async () => {
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query('CREATE TEMP TABLE pg_boss_db_probe (n int) ON COMMIT DROP');
      const { rows } = await pgBossDb(runner).executeSql('INSERT INTO pg_boss_db_probe VALUES ($1), ($2) RETURNING n', [7, 8]);
      expect(rows).toEqual([{ n: 7 }, { n: 8 }]);
      // the same transaction: the rows are there, and the runner still holds its connection
      expect(await runner.query('SELECT count(*)::int AS n FROM pg_boss_db_probe')).toEqual([{ n: 2 }]);
      expect(runner.isTransactionActive).toBe(true);
      await runner.rollbackTransaction();
    } finally {
      await runner.release();
    }
  });
});
