import { registerAs } from '@nestjs/config';
import { IsBooleanString, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { validateConfig } from './validate-config';

class DatabaseEnv {
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a URL such as postgres://user:pass@host:5432/db' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  DATA_DIR?: string;

  @IsOptional()
  @IsBooleanString({ message: 'must be true or false' })
  DB_MIGRATIONS_RUN?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE?: number;

  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  DB_STATEMENT_TIMEOUT_MS?: number;
}

export interface DatabaseConfig {
  /** Unset: the embedded PGlite database under dataDir. */
  url: string | undefined;
  dataDir: string;
  migrationsRun: boolean;
  /** connections to a server (the embedded database always has one) */
  poolSize: number;
  /** a statement running longer is cancelled by the server (the request answers 503) */
  statementTimeoutMs: number;
}

export function readDatabaseConfig(env: Record<string, unknown> = process.env): DatabaseConfig {
  const parsed = validateConfig(env, DatabaseEnv);
  return {
    url: parsed.DATABASE_URL || undefined,
    dataDir: parsed.DATA_DIR || './data',
    migrationsRun: parsed.DB_MIGRATIONS_RUN !== 'false',
    poolSize: parsed.DB_POOL_SIZE ?? 10,
    statementTimeoutMs: parsed.DB_STATEMENT_TIMEOUT_MS ?? 30_000,
  };
}

export default registerAs('database', (): DatabaseConfig => readDatabaseConfig());
