import { DataSource, QueryRunner } from 'typeorm';

/**
 * The rows a statement returns, whatever its command. TypeORM's plain `query()` answers UPDATE and
 * DELETE with `[rows, rowCount]` instead of the rows, which a `RETURNING` clause then hides behind;
 * the structured result has the rows for every command.
 */
export async function queryRows<T>(source: DataSource | QueryRunner, sql: string, params: unknown[] = []): Promise<T[]> {
  if (source instanceof DataSource) {
    const runner = source.createQueryRunner();
    try {
      return (await runner.query(sql, params, true)).records as T[];
    } finally {
      await runner.release();
    }
  }
  return (await source.query(sql, params, true)).records as T[];
}
