import { ErrorCode } from './error-codes';

/**
 * An error the API answers on purpose. `extra` is merged into the answer body
 * (for example `details`, or `errors` and `warnings` of a failed bulk validation).
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalidRequest = (message: string, details: string[] = []): DomainError =>
  new DomainError('INVALID_REQUEST', message, { details });
