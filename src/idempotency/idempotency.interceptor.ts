import { CallHandler, ExecutionContext, HttpException, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, lastValueFrom, Observable, of } from 'rxjs';
import { DomainError, invalidRequest } from '../common/errors/domain.error';
import { ERROR_CODES, ErrorCode, httpStatusOf } from '../common/errors/error-codes';
import { fromHttpException } from '../common/filters/http-exception.filter';
import { MetricsService } from '../metrics/metrics.service';
import {
  digestBody,
  idempotencyKeyOf,
  REPLAYED_HEADER,
  requestHash,
  STREAMED_BODY,
  streamedBodyFingerprint,
  tapBody,
} from './idempotency-key';
import { ClaimOutcome, IdempotencyClaim, IdempotencyService } from './idempotency.service';

/** The caller as auth/ puts it on the request; only its brand matters here (auth/ imports this room, not the reverse). */
type AuthenticatedRequest = Request & { user?: { brandId: number } };

/**
 * Makes a write endpoint safe to retry (see @Idempotent()). Runs after the guards (the brand is
 * known) and around the pipes and the handler, so that a body the validation refuses (400) is an
 * answer kept like any other.
 *
 * The work and the bookkeeping run as one promise that does not depend on the client: when the
 * client gives up and disconnects (the very case retries are for), the request still finishes and
 * its answer is still stored, so that the retry gets it.
 *
 * A route whose body the handler streams (@Idempotent with `streamedBody`) has no parsed body to
 * hash when the key is claimed. It claims the key as "body streaming in"; its body is fingerprinted
 * (SHA-256 of the bytes as sent, with Content-Type and Content-Encoding) as the handler reads it, and
 * the answer is kept under the request's whole hash. A later request with the key reads its own
 * body to compare: the same bytes get the answer again, others 422. An answer given before the body
 * was read to its end is not kept (the key is given back): nothing can have been done with it.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly metrics: MetricsService,
    private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const req = http.getRequest<AuthenticatedRequest>();
    const res = http.getResponse<Response>();
    const key = idempotencyKeyOf(req.headers);
    if (key === undefined) return next.handle();
    if (!req.user) throw new Error('@Idempotent() needs an authenticated route: keys are kept per brand');

    const brandId = req.user.brandId;
    const streamed = this.reflector.get<boolean | undefined>(STREAMED_BODY, context.getHandler()) === true;
    const hashOf = (body: unknown): string => requestHash(req.method, req.originalUrl, body);
    let outcome: ClaimOutcome;
    if (!streamed) outcome = await this.idempotency.claim(brandId, key, hashOf(req.body));
    else {
      outcome = await this.idempotency.claim(brandId, key, hashOf(streamedBodyFingerprint(req.headers, null)));
      if (outcome.kind === 'mismatch') {
        // an answer kept under its body's fingerprint (or another request's): this body is read to compare
        const sha256 = await digestBody(req).catch(() => {
          throw invalidRequest('The request body was cut off.', ['the body ended before its end']);
        });
        outcome = await this.idempotency.claim(brandId, key, hashOf(streamedBodyFingerprint(req.headers, sha256)));
        if (outcome.kind === 'claimed') {
          // the key expired meanwhile; the body is read already, so this request cannot run: the next one will
          await this.idempotency.release(outcome.claim);
          outcome = { kind: 'in-progress' };
        }
      }
    }
    switch (outcome.kind) {
      case 'claimed': {
        if (!streamed) return from(this.run(outcome.claim, res, next));
        const digest = tapBody(req);
        return from(
          this.run(outcome.claim, res, next, () => {
            const sha256 = digest();
            return sha256 === null ? null : hashOf(streamedBodyFingerprint(req.headers, sha256));
          }),
        );
      }
      case 'replay':
        this.metrics.idempotentReplays.inc();
        res.setHeader(REPLAYED_HEADER, 'true');
        return replay(res, outcome.status, outcome.body);
      case 'in-progress':
        res.setHeader('Retry-After', '1');
        throw new DomainError(
          'IDEMPOTENCY_KEY_IN_USE',
          'A request with this Idempotency-Key is still in progress; retry once it has finished to get its answer.',
        );
      case 'mismatch':
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was already used for a different request (method, path or body); use a new key for a new request.',
        );
    }
  }

  /**
   * `hashOfRead`: for a streamed body, the request's whole hash once its body has been read to the
   * end, null before (the answer is then not kept).
   */
  private async run(claim: IdempotencyClaim, res: Response, next: CallHandler, hashOfRead?: () => string | null): Promise<unknown> {
    let value: unknown;
    try {
      value = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (err) {
      const answer = errorAnswerOf(err);
      const hash = hashOfRead?.();
      await this.settle(
        claim,
        answer && hash !== null ? () => this.idempotency.complete(claim, answer.status, JSON.stringify(answer.body), hash) : undefined,
      );
      throw err;
    }
    const hash = hashOfRead?.();
    // the status the route answers with (@HttpCode), set by Nest before the interceptors run
    await this.settle(
      claim,
      hash === null ? undefined : () => this.idempotency.complete(claim, res.statusCode, JSON.stringify(value) ?? '', hash),
    );
    return value;
  }

  /**
   * Stores the answer (or gives the key back). A failure here must not turn an answer into an
   * error: the work is done (or failed) already. The key is then given back, or, if even that
   * fails, blocks retries only until its lease runs out.
   */
  private async settle(claim: IdempotencyClaim, store: (() => Promise<void>) | undefined): Promise<void> {
    try {
      if (store) return await store();
    } catch (err) {
      this.logger.warn(`could not store an idempotent answer: ${(err as Error).message}`);
    }
    await this.idempotency.release(claim);
  }
}

/**
 * The answer the exception filter will write for an error, without the request id (each answer,
 * a replay too, names its own). Undefined for errors that are not answers on purpose (database
 * errors, bugs): they are 5xx, never kept.
 */
function errorAnswerOf(err: unknown): { status: number; body: Record<string, unknown> } | undefined {
  let described: { code: ErrorCode; message: string; extra: Record<string, unknown> };
  if (err instanceof DomainError) described = { code: err.code, message: err.message, extra: err.extra };
  else if (err instanceof HttpException) described = fromHttpException(err);
  else return undefined;
  const status = httpStatusOf(described.code);
  return { status, body: { statusCode: status, code: described.code, message: described.message, ...described.extra } };
}

/**
 * The first answer again. An error is thrown again as the domain error it was, so that the
 * exception filter writes it exactly as the first time, with this request's id and headers.
 */
function replay(res: Response, status: number, text: string): Observable<unknown> {
  const body: unknown = text === '' ? undefined : JSON.parse(text);
  if (status >= 400 && isErrorBody(body)) {
    const { statusCode: _status, code, message, requestId: _requestId, ...extra } = body;
    throw new DomainError(code, message, extra);
  }
  res.status(status);
  return of(body);
}

function isErrorBody(body: unknown): body is { statusCode: number; code: ErrorCode; message: string; requestId?: string } {
  if (!body || typeof body !== 'object') return false;
  const { code, message } = body as { code?: unknown; message?: unknown };
  return typeof message === 'string' && (ERROR_CODES as readonly unknown[]).includes(code);
}
