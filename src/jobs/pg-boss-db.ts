import type { Db } from 'pg-boss';
import { DataSource, QueryRunner } from 'typeorm';

/** What node-postgres answers: one result, or one per statement of a multi-statement text. */
type PgResult = { rows?: unknown[] };
interface PgClient {
  query(text: string, values?: unknown[]): Promise<PgResult | PgResult[]>;
}

/**
 * pg-boss's database interface over one of our connections: a runner inside its transaction (a job
 * enqueued with the transaction that creates it), or a connection taken from the pool for the call
 * (the embedded database, where pg-boss has no pool of its own).
 *
 * It queries the driver's client, not TypeORM: pg-boss sends multi-statement texts (a claim under an
 * advisory lock, its maintenance batches) and reads the rows of every statement, and TypeORM keeps
 * the rows of a single result only.
 */
export function pgBossDb(db: QueryRunner | DataSource): Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const runner = db instanceof DataSource ? db.createQueryRunner() : db;
      try {
        const client = (await runner.connect()) as PgClient;
        const result = await client.query(text, values);
        return { rows: Array.isArray(result) ? result.flatMap((r) => r.rows ?? []) : (result.rows ?? []) };
      } finally {
        if (runner !== db) await runner.release();
      }
    },
  };
}
