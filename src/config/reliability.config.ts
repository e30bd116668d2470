import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, Matches, Max, Min, MinLength } from 'class-validator';
import { validateConfig } from './validate-config';

/**
 * Retry safety and limits: how long an Idempotency-Key is kept, and the rate, concurrency
 * and login limits. The defaults are meant not to be hit by a busy, well-behaved integrator.
 * A limit of 0 turns that limit off.
 */
class ReliabilityEnv {
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a URL such as redis://127.0.0.1:6379' })
  REDIS_URL?: string;

  @IsOptional()
  @MinLength(1)
  @Matches(/^[\x21-\x7e]+$/, { message: 'must be visible ASCII characters such as ce:' })
  REDIS_KEY_PREFIX?: string;

  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(30 * 86_400)
  IDEMPOTENCY_TTL_SECONDS?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  REQUEST_LEASE_SECONDS?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  BULK_RATE_LIMIT?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  BULK_RATE_WINDOW_SECONDS?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  BULK_CONCURRENCY_LIMIT?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  LOGIN_FAILURES_PER_USER?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  LOGIN_FAILURES_PER_ADDRESS?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  LOGIN_WINDOW_SECONDS?: number;
}

export interface ReliabilityConfig {
  /** unset: the limits' shared state is kept in PostgreSQL */
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  /** how long the first answer to an Idempotency-Key is kept */
  idempotencyTtlSeconds: number;
  /**
   * How long a request that holds an Idempotency-Key or a concurrency slot is presumed alive. A
   * request of an instance that crashed stops blocking others after this; it must exceed the
   * longest request (statement timeout times the statements of a request).
   */
  requestLeaseSeconds: number;
  /** bulk requests per brand per window; 0: no limit */
  bulkRateLimit: number;
  bulkRateWindowSeconds: number;
  /** bulk requests per brand in flight at once, across instances; 0: no limit */
  bulkConcurrencyLimit: number;
  /** failed logins (401) per userKey per window; 0: no limit */
  loginFailuresPerUser: number;
  /** failed logins (401) per client address per window; 0: no limit */
  loginFailuresPerAddress: number;
  loginWindowSeconds: number;
}

/** The limits' defaults, which the API documentation quotes. */
export const LIMIT_DEFAULTS = {
  bulkRateLimit: 600,
  bulkRateWindowSeconds: 60,
  bulkConcurrencyLimit: 16,
  loginFailuresPerUser: 10,
  loginFailuresPerAddress: 100,
  loginWindowSeconds: 900,
} as const;

export default registerAs('reliability', (): ReliabilityConfig => {
  const env = validateConfig(process.env, ReliabilityEnv);
  return {
    redisUrl: env.REDIS_URL || undefined,
    redisKeyPrefix: env.REDIS_KEY_PREFIX ?? 'ce:',
    idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS ?? 86_400,
    requestLeaseSeconds: env.REQUEST_LEASE_SECONDS ?? 120,
    bulkRateLimit: env.BULK_RATE_LIMIT ?? LIMIT_DEFAULTS.bulkRateLimit,
    bulkRateWindowSeconds: env.BULK_RATE_WINDOW_SECONDS ?? LIMIT_DEFAULTS.bulkRateWindowSeconds,
    bulkConcurrencyLimit: env.BULK_CONCURRENCY_LIMIT ?? LIMIT_DEFAULTS.bulkConcurrencyLimit,
    loginFailuresPerUser: env.LOGIN_FAILURES_PER_USER ?? LIMIT_DEFAULTS.loginFailuresPerUser,
    loginFailuresPerAddress: env.LOGIN_FAILURES_PER_ADDRESS ?? LIMIT_DEFAULTS.loginFailuresPerAddress,
    loginWindowSeconds: env.LOGIN_WINDOW_SECONDS ?? LIMIT_DEFAULTS.loginWindowSeconds,
  };
});
