import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { serverDatabaseUrl } from './test-database';

/**
 * Ways to keep a request running while a test sends another one (retry safety and concurrency
 * limits need a request "in flight").
 *
 * On a PostgreSQL server: a row lock held by a connection of the test's own, so that a request that
 * writes the row waits for it (and only that request). On the embedded database, which has one
 * connection: the test holds that connection, so that every request waits for it; the requests
 * then take turns statement by statement (the pool queue is first come, first served).
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 20 ms until it holds (fails the test after `timeoutMs`). */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A transaction of the test's own on the server that locks the rows `sql` selects (FOR UPDATE). */
export async function lockRows(
  sql: string,
  params: unknown[],
): Promise<{ release(): Promise<void>; waiters(): Promise<number>; activity(): Promise<string> }> {
  const url = serverDatabaseUrl();
  if (!url) throw new Error('lockRows needs a PostgreSQL server');
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`${sql} FOR UPDATE`, params);
  return {
    /** how many sessions of this database wait for a lock */
    async waiters() {
      const { rows } = await client.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      return rows[0].n as number;
    },
    /** what every other session of this database is doing, a line each (for a test's failure message) */
    async activity() {
      const { rows } = await client.query(
        `SELECT pid, application_name, state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS query
           FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      return rows.map((r) => JSON.stringify(r)).join('\n');
    },
    async release() {
      try {
        await client.query('ROLLBACK');
      } finally {
        await client.end();
      }
    },
  };
}

interface PoolLike {
  waitingCount: number;
}

/** The embedded database's one connection, held by the test until release(). */
export async function holdEmbeddedConnection(ds: DataSource): Promise<{ release(): Promise<void>; waiters(): number }> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  await runner.query('SELECT 1');
  const pool = (ds.driver as unknown as { master: PoolLike }).master;
  return {
    /** how many queries wait for the connection */
    waiters: () => pool.waitingCount,
    release: () => runner.release(),
  };
}
