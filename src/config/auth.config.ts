import { registerAs } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { readDatabaseConfig } from './database.config';
import { ConfigError, validateConfig } from './validate-config';

class AuthEnv {
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  JWT_SECRET?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(31_536_000)
  JWT_EXPIRES_IN?: number;
}

export interface AuthConfig {
  jwtSecret: string;
  /** seconds */
  jwtExpiresIn: number;
}

/**
 * In embedded mode a developer should not have to invent a secret, so one is generated on first
 * start and kept beside the data it protects. Against a real server the operator must set it.
 */
function embeddedSecret(dataDir: string): string {
  // an in-memory database (tests, `npm run openapi`) gets a secret that lives as long as it does
  if (dataDir.startsWith('memory://')) return randomBytes(48).toString('base64url');
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

export default registerAs('auth', (): AuthConfig => {
  const env = validateConfig(process.env, AuthEnv);
  const db = readDatabaseConfig();
  let secret = env.JWT_SECRET;
  if (!secret) {
    if (db.url) throw new ConfigError('Configuration error: JWT_SECRET is required (at least 32 characters) when DATABASE_URL is set');
    secret = embeddedSecret(db.dataDir);
  }
  return { jwtSecret: secret, jwtExpiresIn: env.JWT_EXPIRES_IN ?? 3600 };
});
