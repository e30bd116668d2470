import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isDatabaseUnavailable } from '../common/errors/database-errors';
import { EMBEDDED_DATABASE } from './database.tokens';
import { EmbeddedDatabase } from './embedded-database';

const RETRY_EVERY_MS = 2000;

/**
 * Connects the data source (and applies pending migrations) at start. A database server that is
 * not there yet does not stop the service: it starts, /health/ready says not ready, requests get
 * 503, and the connection is retried in the background until the database comes. Any other error
 * (a failing migration, bad credentials) stops the start. The embedded database is always there.
 */
@Injectable()
export class DatabaseConnector implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(EMBEDDED_DATABASE) private readonly embedded: EmbeddedDatabase | null,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.embedded) {
      await this.dataSource.initialize();
      return;
    }
    await this.attempt(true);
  }

  private async attempt(first: boolean): Promise<void> {
    if (this.stopped || this.dataSource.isInitialized) return;
    try {
      await this.dataSource.initialize();
      if (!first) this.logger.log('database reached; serving requests');
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      if (first) this.logger.warn(`database unreachable (${(err as Error).message}); retrying every ${RETRY_EVERY_MS / 1000} s`);
      this.timer = setTimeout(() => {
        this.attempt(false).catch((fatal: Error) => this.logger.error(`cannot use the database: ${fatal.message}`));
      }, RETRY_EVERY_MS);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
