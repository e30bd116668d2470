import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { from, lastValueFrom, Observable } from 'rxjs';
import { DomainError } from '../common/errors/domain.error';
import { isStorableText, isTextLength } from '../common/validation/storable-text';
import { ReliabilityConfig } from '../config/reliability.config';
import { MetricsService } from '../metrics/metrics.service';
import { loginAddressKey } from './client-address';
import { HitResult, LimitStore, UNLIMITED } from './limit-store';

export type RateLimitPolicy = 'bulk' | 'login';
export const RATE_LIMIT_POLICY = 'rateLimitPolicy';

/** The caller as auth/ puts it on the request; only its brand matters here (auth/ imports this room, not the reverse). */
type LimitedRequest = Request & { user?: { brandId: number } };

const limitOf = (n: number): number => (n > 0 ? n : UNLIMITED);

/**
 * The limits of @RateLimited(policy), checked before the pipes and the handler:
 *
 * - `bulk`, per brand: at most BULK_RATE_LIMIT requests per window and BULK_CONCURRENCY_LIMIT in
 *   flight. One statement (or Redis round trip) counts the hit and takes a slot; one more gives
 *   the slot back when the request is over, whether the client is still there or not.
 * - `login`, per userKey and per client address (the socket's; there is no trusted proxy): at
 *   most LOGIN_FAILURES_* failed logins (401) per window. Every attempt is counted before the
 *   secret is checked, so that parallel guesses cannot overrun the limit, and taken back when the
 *   login did not fail (it succeeded, was malformed, or was refused by the limit). Once over the
 *   limit, even the right secret is refused until the window ends: otherwise the limit would tell a
 *   guesser which secret was right.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  private readonly logger = new Logger(RateLimitInterceptor.name);
  private readonly config: ReliabilityConfig;

  constructor(
    private readonly reflector: Reflector,
    private readonly store: LimitStore,
    private readonly metrics: MetricsService,
    config: ConfigService,
  ) {
    this.config = config.getOrThrow<ReliabilityConfig>('reliability');
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const policy = this.reflector.get<RateLimitPolicy | undefined>(RATE_LIMIT_POLICY, context.getHandler());
    const req = context.switchToHttp().getRequest<LimitedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    switch (policy) {
      case 'bulk':
        return this.bulk(req, res, next);
      case 'login':
        return this.login(req, res, next);
      default:
        return next.handle();
    }
  }

  private async bulk(req: LimitedRequest, res: Response, next: CallHandler): Promise<Observable<unknown>> {
    const { bulkRateLimit, bulkConcurrencyLimit, bulkRateWindowSeconds, requestLeaseSeconds } = this.config;
    if (!req.user) throw new Error("@RateLimited('bulk') needs an authenticated route: it limits per brand");
    if (bulkRateLimit === 0 && bulkConcurrencyLimit === 0) return next.handle();
    const bucket = `bulk:brand:${req.user.brandId}`;
    const token = randomUUID();
    const result = await this.store.hit({
      bucket,
      limit: limitOf(bulkRateLimit),
      windowMs: bulkRateWindowSeconds * 1000,
      slot: bulkConcurrencyLimit > 0 ? { limit: bulkConcurrencyLimit, token, leaseMs: requestLeaseSeconds * 1000 } : undefined,
    });
    if (!result.allowed) {
      const what =
        result.refusedBy === 'concurrency' ? 'Too many bulk requests of your brand in flight' : 'Too many bulk requests of your brand';
      this.refuse(res, result, `bulk_${result.refusedBy}`, what);
    }
    if (bulkConcurrencyLimit === 0) return next.handle();
    return from(
      (async () => {
        try {
          return await lastValueFrom(next.handle(), { defaultValue: undefined });
        } finally {
          // a slot that cannot be given back (the database away) frees itself when its lease runs out
          await this.store
            .releaseSlot(bucket, token)
            .catch((err: Error) => this.logger.warn(`could not release a bulk slot: ${err.message}`));
        }
      })(),
    );
  }

  private async login(req: LimitedRequest, res: Response, next: CallHandler): Promise<Observable<unknown>> {
    const { loginFailuresPerUser, loginFailuresPerAddress, loginWindowSeconds } = this.config;
    const windowMs = loginWindowSeconds * 1000;
    const hits: { bucket: string; limit: number; metric: string }[] = [];
    const userKey = (req.body as { userKey?: unknown } | undefined)?.userKey;
    // a body without a usable userKey is refused by the validation (400) and guesses nothing
    if (loginFailuresPerUser > 0 && typeof userKey === 'string' && isTextLength(userKey, 1, 100) && isStorableText(userKey)) {
      hits.push({ bucket: `login:user:${userKey}`, limit: loginFailuresPerUser, metric: 'login_user' });
    }
    if (loginFailuresPerAddress > 0) {
      hits.push({
        bucket: `login:address:${loginAddressKey(req.socket.remoteAddress)}`,
        limit: loginFailuresPerAddress,
        metric: 'login_address',
      });
    }
    if (hits.length === 0) return next.handle();

    // short statements of their own, one after the other: never two connections at once
    const counted: { bucket: string; result: HitResult; metric: string }[] = [];
    for (const h of hits) counted.push({ ...h, result: await this.store.hit({ bucket: h.bucket, limit: h.limit, windowMs }) });
    const refund = async (): Promise<void> => {
      try {
        for (const c of counted) await this.store.refund(c.bucket, c.result.window);
      } catch (err) {
        this.logger.warn(`could not take back a login attempt: ${(err as Error).message}`);
      }
    };
    const refused = counted.find((c) => !c.result.allowed);
    if (refused) {
      // a refused attempt guessed nothing either: the counters stay the number of failed logins
      await refund();
      this.refuse(res, refused.result, refused.metric, 'Too many failed logins');
    }
    return from(
      (async () => {
        try {
          const value = await lastValueFrom(next.handle(), { defaultValue: undefined });
          await refund();
          return value;
        } catch (err) {
          // only a failed login (401) stays counted: a 400 or a 503 guessed nothing
          if (!(err instanceof DomainError && err.code === 'UNAUTHENTICATED')) await refund();
          throw err;
        }
      })(),
    );
  }

  private refuse(res: Response, result: HitResult, limit: string, what: string): never {
    this.metrics.rateLimited.inc({ limit });
    res.setHeader('Retry-After', String(result.retryAfterSeconds));
    throw new DomainError('RATE_LIMITED', `${what}; retry after ${result.retryAfterSeconds} s (Retry-After).`);
  }
}
