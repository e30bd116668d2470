import { Logger } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { DomainError } from '../common/errors/domain.error';
import { isRetryableConflict } from '../common/errors/database-errors';

/** Thrown by a unit of work when it finds that the data moved under it; the whole unit runs again. */
export class RetryableConflictError extends Error {
  override name = 'RetryableConflictError';
}

export interface RetryOptions {
  isolation?: IsolationLevel;
  maxAttempts?: number;
}

const logger = new Logger('RetryingTransaction');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a unit of work may ask of its transaction. */
export interface TransactionControl {
  /** End with ROLLBACK instead of COMMIT (a dry run): the work's answer is still returned. */
  rollbackOnly(): void;
  /** 1 on the first run of the work, 2 on the run after its first conflict, and so on */
  attempt: number;
}

/**
 * Runs `work` in one transaction on one connection. A serialization failure, deadlock, or a
 * unique or foreign key conflict with a concurrent request rolls back and runs `work` again from
 * the start (with jittered backoff), so concurrent requests see each other's effects instead of an
 * error. `work` must do all its database reads through the given runner: with the embedded
 * database's single connection, a query on another connection would wait forever.
 *
 * The transaction is opened with one `BEGIN ISOLATION LEVEL ...` (TypeORM's startTransaction takes
 * two round trips for that), so `work` must not use TypeORM's own transaction calls on the runner.
 */
export async function runInRetryingTransaction<T>(
  dataSource: DataSource,
  work: (runner: QueryRunner, tx: TransactionControl) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 12;
  const isolation = options.isolation ?? 'REPEATABLE READ';
  for (let attempt = 1; ; attempt++) {
    const runner = dataSource.createQueryRunner();
    let open = false;
    try {
      await runner.connect();
      await runner.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      open = true;
      let rollbackOnly = false;
      const result = await work(runner, { rollbackOnly: () => (rollbackOnly = true), attempt });
      await runner.query(rollbackOnly ? 'ROLLBACK' : 'COMMIT');
      open = false;
      return result;
    } catch (err) {
      if (open && !runner.isReleased) {
        await runner.query('ROLLBACK').catch(() => undefined);
      }
      // TypeORM releases a runner whose connection failed, and the next query then throws
      // QueryRunnerAlreadyReleasedError: whatever `work` threw, the database went away (503, not 500)
      if (runner.isReleased) {
        throw new DomainError('DATABASE_UNAVAILABLE', 'The connection to the database was lost. Please retry.');
      }
      const retryable = err instanceof RetryableConflictError || isRetryableConflict(err);
      if (!retryable) throw err;
      if (attempt >= maxAttempts) {
        logger.warn(`gave up after ${attempt} attempts: ${(err as Error).message}`);
        throw new DomainError('DATABASE_UNAVAILABLE', 'The database is too busy with conflicting requests. Please retry.');
      }
      await sleep(Math.min(200, 5 * 2 ** attempt) * Math.random());
    } finally {
      await runner.release();
    }
  }
}
