import { DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '../config/database.config';
import { EmbeddedDatabase } from './embedded-database';
import { InitialSchema1764165600000 } from './migrations/1764165600000-InitialSchema';
import { AdminDashboard1764180000000 } from './migrations/1764180000000-AdminDashboard';
import { RetrySafetyAndLimits1764200000000 } from './migrations/1764200000000-RetrySafetyAndLimits';
import { BulkPathCosts1764300000000 } from './migrations/1764300000000-BulkPathCosts';
import { CanonicalPhoneNumbers1764400000000 } from './migrations/1764400000000-CanonicalPhoneNumbers';
import { ImportJobs1764500000000 } from './migrations/1764500000000-ImportJobs';
import { ImportJobSuperseded1764600000000 } from './migrations/1764600000000-ImportJobSuperseded';
import { ImportJobUploadSeen1764650000000 } from './migrations/1764650000000-ImportJobUploadSeen';
import { ImportJobKeyOrder1764700000000 } from './migrations/1764700000000-ImportJobKeyOrder';
import { ImportJobOrderTids1764800000000 } from './migrations/1764800000000-ImportJobOrderTids';

/** Listed explicitly (not globbed) so that ts-node, jest and the built service load the same set. */
export const MIGRATIONS = [
  InitialSchema1764165600000,
  AdminDashboard1764180000000,
  RetrySafetyAndLimits1764200000000,
  BulkPathCosts1764300000000,
  CanonicalPhoneNumbers1764400000000,
  ImportJobs1764500000000,
  ImportJobSuperseded1764600000000,
  ImportJobUploadSeen1764650000000,
  ImportJobKeyOrder1764700000000,
  ImportJobOrderTids1764800000000,
];

/**
 * The one description of how to reach the database, shared by the service, the CLI (ormconfig.ts),
 * the seed command and the tests. `synchronize` is always off: the schema comes from migrations.
 * The entities come from the caller (src/entities.ts lists them): database/ knows no feature.
 */
export function dataSourceOptions(
  config: DatabaseConfig,
  entities: NonNullable<DataSourceOptions['entities']>,
  embedded?: EmbeddedDatabase,
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: false,
  };
  if (embedded) {
    return { ...common, extra: embedded.pgConfig(), poolSize: 1 };
  }
  if (!config.url) throw new Error('dataSourceOptions: no DATABASE_URL and no embedded database');
  return {
    ...common,
    url: config.url,
    poolSize: config.poolSize,
    connectTimeoutMS: 5000,
    extra: {
      max: config.poolSize,
      // waiting for a connection, and every statement, are bounded: nothing hangs forever
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: config.statementTimeoutMs,
      idle_in_transaction_session_timeout: config.statementTimeoutMs * 2,
    },
  };
}
