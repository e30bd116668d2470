/**
 * Every error code the API answers with, and the HTTP status each maps to.
 * The filter switches over this union exhaustively, so a new code cannot ship without a status.
 */
export const ERROR_CODES = [
  'INVALID_REQUEST',
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'EXTENSION_TYPE_EXISTS',
  'EXTENSION_TYPE_IN_USE',
  'API_USER_EXISTS',
  'API_USER_SELF_LOCKOUT',
  'IDEMPOTENCY_KEY_IN_USE',
  'IDEMPOTENCY_KEY_REUSED',
  'JOB_STATE_CONFLICT',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'REQUEST_TIMEOUT',
  'PAYLOAD_TOO_LARGE',
  'DATABASE_UNAVAILABLE',
  'SERVICE_UNAVAILABLE',
  'TIMEOUT',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_REQUEST':
    case 'VALIDATION_FAILED':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'EXTENSION_TYPE_EXISTS':
    case 'EXTENSION_TYPE_IN_USE':
    case 'API_USER_EXISTS':
    case 'API_USER_SELF_LOCKOUT':
      return 409;
    case 'IDEMPOTENCY_KEY_IN_USE':
    case 'JOB_STATE_CONFLICT':
      return 409;
    case 'IDEMPOTENCY_KEY_REUSED':
      return 422;
    case 'REQUEST_TIMEOUT':
      return 408;
    case 'RATE_LIMITED':
      return 429;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'DATABASE_UNAVAILABLE':
    case 'SERVICE_UNAVAILABLE':
    case 'TIMEOUT':
      return 503;
    case 'INTERNAL_ERROR':
      return 500;
    default: {
      const unreachable: never = code;
      throw new Error(`no HTTP status for error code ${String(unreachable)}`);
    }
  }
}

/** The fixed messages of contract section 2. */
export const UNAUTHENTICATED_MESSAGE = 'Not-authenticated. Please re-login.';
export const FORBIDDEN_MESSAGE = 'The operation is not allowed. Your API user is not authorized to use this API.';
