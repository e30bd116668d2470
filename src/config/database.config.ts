import { registerAs } from '@nestjs/config';
import { IsBooleanString, IsOptional, IsString, Matches } from 'class-validator';
import { validateConfig } from './validate-config';

class DatabaseEnv {
  @IsOptional() @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a URL such as postgres://user:pass@host:5432/db' })
  DATABASE_URL?: string;

  @IsOptional() @IsString()
  DATA_DIR?: string;

  @IsOptional() @IsBooleanString({ message: 'must be true or false' })
  DB_MIGRATIONS_RUN?: string;
}

export interface DatabaseConfig {
  /** Unset: the embedded PGlite database under dataDir. */
  url: string | undefined;
  dataDir: string;
  migrationsRun: boolean;
}

export function readDatabaseConfig(env: Record<string, unknown> = process.env): DatabaseConfig {
  const parsed = validateConfig(env, DatabaseEnv);
  return {
    url: parsed.DATABASE_URL || undefined,
    dataDir: parsed.DATA_DIR || './data',
    migrationsRun: parsed.DB_MIGRATIONS_RUN !== 'false',
  };
}

export default registerAs('database', (): DatabaseConfig => readDatabaseConfig());
