import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from '../errors/domain.error';
import { ErrorCode, FORBIDDEN_MESSAGE, httpStatusOf, UNAUTHENTICATED_MESSAGE } from '../errors/error-codes';
import { isDatabaseUnavailable, isStatementTimeout } from '../errors/database-errors';

/**
 * The one place where errors become answers: `{statusCode, code, message, ...}`.
 * Domain errors carry their code; Nest's HTTP exceptions and body-parser errors are mapped to ours;
 * anything else is a 500 that is logged here and never shown to the client.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const { code, message, extra } = this.describe(exception, req);
    const statusCode = httpStatusOf(code);
    if (res.headersSent) return;
    if (statusCode === 503 && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '5');
    const requestId = (req as Request & { id?: string }).id;
    res.status(statusCode).json({ statusCode, code, message, ...extra, ...(requestId ? { requestId } : {}) });
  }

  private describe(exception: unknown, req: Request): { code: ErrorCode; message: string; extra: Record<string, unknown> } {
    if (exception instanceof DomainError) {
      return { code: exception.code, message: exception.message, extra: exception.extra };
    }
    // Express cannot decode a path parameter that is no valid %-encoding of UTF-8 (`/admin/contacts/%FF`):
    // such a path names nothing, so it is answered as an unknown key or id is
    if (exception instanceof HttpException && exception.cause instanceof URIError) {
      return { code: 'NOT_FOUND', message: 'Nothing is found at this path: it is not valid percent-encoded UTF-8.', extra: {} };
    }
    // Nest's Express adapter hands body-parser's errors on as HttpExceptions, the original as their cause
    const bodyParser = bodyParserError(exception instanceof HttpException ? exception.cause : exception, req);
    if (bodyParser) return bodyParser;
    if (exception instanceof HttpException) {
      return fromHttpException(exception);
    }
    if (isStatementTimeout(exception)) {
      this.logger.warn(`statement timeout during ${req.method} ${req.path}`);
      return { code: 'TIMEOUT', message: 'The request took too long and was cancelled; nothing was written. Please retry.', extra: {} };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable during ${req.method} ${req.path}: ${errorName(exception)}`);
      return { code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable. Please retry later.', extra: {} };
    }
    this.logger.error(
      { err: exception instanceof Error ? exception : new Error(String(exception)), requestId: (req as Request & { id?: string }).id },
      `unhandled error during ${req.method} ${req.path}`,
    );
    return { code: 'INTERNAL_ERROR', message: 'An unexpected error occurred.', extra: {} };
  }
}

const contentEncoding = (req: Request): string =>
  String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();

function errorName(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * Errors raised by Express's body parser before any route runs (bad JSON, too large, bad charset, a
 * body that does not decompress).
 */
function bodyParserError(
  exception: unknown,
  req: Request,
): { code: ErrorCode; message: string; extra: Record<string, unknown> } | undefined {
  if (!exception || typeof exception !== 'object') return undefined;
  const { type, status, code } = exception as { type?: unknown; status?: unknown; code?: unknown };
  // zlib's own error (Z_DATA_ERROR, Z_BUF_ERROR, a brotli ERR_...), which body-parser passes on as a 400 without a type
  const encoding = type === undefined && status === 400 && typeof code === 'string' ? contentEncoding(req) : 'identity';
  if (encoding !== 'identity') {
    return {
      code: 'INVALID_REQUEST',
      message: `The request body is not valid ${encoding} data (its Content-Encoding).`,
      extra: { details: [] },
    };
  }
  if (type === 'entity.too.large') {
    return { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than the limit.', extra: {} };
  }
  if (type === 'entity.utf8.invalid') {
    return { code: 'INVALID_REQUEST', message: 'The request body is not valid UTF-8.', extra: { details: [] } };
  }
  if (type === 'entity.parse.failed') {
    return { code: 'INVALID_REQUEST', message: 'The request body is not valid JSON.', extra: { details: [] } };
  }
  if ((typeof type === 'string' && type.startsWith('encoding.')) || type === 'charset.unsupported') {
    return { code: 'INVALID_REQUEST', message: 'The request body encoding is not supported.', extra: { details: [] } };
  }
  return undefined;
}

export function fromHttpException(exception: HttpException): {
  code: ErrorCode;
  message: string;
  extra: Record<string, unknown>;
} {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const raw = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
  const messages = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : [];
  switch (status) {
    case HttpStatus.BAD_REQUEST:
      return {
        code: 'INVALID_REQUEST',
        message: messages.length > 1 ? 'The request is not valid.' : (messages[0] ?? 'The request is not valid.'),
        extra: { details: messages },
      };
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than the limit.', extra: {} };
    case HttpStatus.SERVICE_UNAVAILABLE:
      // the readiness check (terminus) answers with what is down
      return {
        code: 'SERVICE_UNAVAILABLE',
        message: 'The service is not ready.',
        extra: typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {},
      };
    case HttpStatus.NOT_FOUND:
      return { code: 'NOT_FOUND', message: messages[0] ?? 'Not found.', extra: {} };
    case HttpStatus.UNAUTHORIZED:
      return { code: 'UNAUTHENTICATED', message: UNAUTHENTICATED_MESSAGE, extra: {} };
    case HttpStatus.FORBIDDEN:
      return {
        code: 'FORBIDDEN',
        message: FORBIDDEN_MESSAGE,
        extra: {},
      };
    default:
      return status >= 500
        ? { code: 'INTERNAL_ERROR', message: 'An unexpected error occurred.', extra: {} }
        : { code: 'INVALID_REQUEST', message: messages[0] ?? 'The request is not valid.', extra: { details: messages } };
  }
}
