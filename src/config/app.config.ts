import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { validateConfig } from './validate-config';

class AppEnv {
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @Matches(/^\d+(b|kb|mb)?$/i, { message: 'must be a size such as 5mb, 512kb or 1048576' })
  BODY_LIMIT?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  METRICS_TOKEN?: string;

  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*)$/, {
    message: 'must be * or a comma-separated list of origins such as https://admin.example.com',
  })
  CORS_ORIGINS?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_GRACE_MS?: number;

  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  REQUEST_TIMEOUT_MS?: number;
}

export interface AppConfig {
  port: number;
  bodyLimit: string;
  logLevel: string;
  /** unset: GET /metrics answers 404 */
  metricsToken: string | undefined;
  /** empty: no cross-origin access */
  corsOrigins: string[] | '*';
  /** on SIGTERM, how long in-flight requests may take before the process exits anyway */
  shutdownGraceMs: number;
  /** how long a request (but a job's upload) may take to arrive whole, headers and body */
  requestTimeoutMs: number;
}

export default registerAs('app', (): AppConfig => {
  const env = validateConfig(process.env, AppEnv);
  return {
    port: env.PORT ?? 3000,
    bodyLimit: env.BODY_LIMIT ?? '5mb',
    logLevel: env.LOG_LEVEL ?? 'info',
    metricsToken: env.METRICS_TOKEN || undefined,
    corsOrigins: env.CORS_ORIGINS === '*' ? '*' : (env.CORS_ORIGINS?.split(',') ?? []),
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS ?? 10_000,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS ?? 300_000,
  };
});
