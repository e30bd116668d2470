import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { errorExample } from '../common/decorators/api-error-responses.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { LIMIT_DEFAULTS } from '../config/reliability.config';
import { RATE_LIMIT_POLICY, RateLimitInterceptor, RateLimitPolicy } from './rate-limit.interceptor';

const d = LIMIT_DEFAULTS;
const DESCRIPTIONS: Record<RateLimitPolicy, string> = {
  bulk:
    'RATE_LIMITED: your brand sent more bulk requests than allowed per window (BULK_RATE_LIMIT per BULK_RATE_WINDOW_SECONDS, ' +
    `default ${d.bulkRateLimit} per ${d.bulkRateWindowSeconds} seconds) or has too many in flight at once (BULK_CONCURRENCY_LIMIT, default ${d.bulkConcurrencyLimit}). ` +
    'Every bulk write of the brand counts against the same limits. Nothing was done; retry after Retry-After (seconds).',
  login:
    `RATE_LIMITED: too many failed logins for this userKey (LOGIN_FAILURES_PER_USER, default ${d.loginFailuresPerUser}) or from your address ` +
    `(LOGIN_FAILURES_PER_ADDRESS, default ${d.loginFailuresPerAddress}) within LOGIN_WINDOW_SECONDS (default ${d.loginWindowSeconds / 60} minutes). ` +
    'Refused even with the right secret until Retry-After (seconds) has passed.',
};

const EXAMPLES: Record<RateLimitPolicy, string> = {
  bulk: 'Too many bulk requests of your brand; retry after 12 s (Retry-After).',
  login: 'Too many failed logins; retry after 840 s (Retry-After).',
};

/**
 * Limits a route (see RateLimitInterceptor) and documents its 429 with Retry-After in Swagger.
 * The module of the controller imports RateLimitModule.
 */
export function RateLimited(policy: RateLimitPolicy): MethodDecorator {
  return applyDecorators(
    SetMetadata(RATE_LIMIT_POLICY, policy),
    UseInterceptors(RateLimitInterceptor),
    ApiTooManyRequestsResponse({
      type: ErrorResponseDto,
      description: DESCRIPTIONS[policy],
      headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', example: 12 } } },
      example: errorExample('RATE_LIMITED', EXAMPLES[policy]),
    }),
  );
}
