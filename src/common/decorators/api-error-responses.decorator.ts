/**
 * The documented error answers shared by several operations, each with the error body schema and
 * an example of the body as the exception filter writes it. Keeping them here means the
 * document says the same thing for the same error everywhere (see docs/OPENAPI.md).
 */
import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiPayloadTooLargeResponse, ApiServiceUnavailableResponse, OpenAPIObject } from '@nestjs/swagger';
import { ErrorCode, httpStatusOf } from '../errors/error-codes';
import { ErrorResponseDto, InvalidRequestResponseDto } from '../errors/error-response.dto';

export const EXAMPLE_REQUEST_ID = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';

/** An error body as the exception filter writes it. */
export function errorExample(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { statusCode: httpStatusOf(code), code, message, ...extra, requestId: EXAMPLE_REQUEST_ID };
}

export interface InvalidRequestExample {
  summary: string;
  details: string[];
  message?: string;
}

/** Named examples of 400 INVALID_REQUEST bodies. */
export function invalidRequestExamples(
  examples: Record<string, InvalidRequestExample>,
): Record<string, { summary: string; value: unknown }> {
  return Object.fromEntries(
    Object.entries(examples).map(([name, e]) => [
      name,
      {
        summary: e.summary,
        value: errorExample('INVALID_REQUEST', e.message ?? (e.details.length === 1 ? e.details[0] : 'The request is not valid.'), {
          details: e.details,
        }),
      },
    ]),
  );
}

/** 400 INVALID_REQUEST: the request as a whole is wrong; nothing was done. */
export function ApiInvalidRequestResponse(description: string, examples: Record<string, InvalidRequestExample>): MethodDecorator {
  return applyDecorators(
    ApiBadRequestResponse({
      type: InvalidRequestResponseDto,
      description: `INVALID_REQUEST: ${description}`,
      examples: invalidRequestExamples(examples),
    }),
  );
}

/** 413 PAYLOAD_TOO_LARGE: a JSON body over BODY_LIMIT, refused before the handler runs. */
export function ApiPayloadTooLargeErrorResponse(): MethodDecorator {
  return ApiPayloadTooLargeResponse({
    type: ErrorResponseDto,
    description: 'PAYLOAD_TOO_LARGE: the body is over BODY_LIMIT (default 5mb); nothing was done.',
    example: errorExample('PAYLOAD_TOO_LARGE', 'The request body is larger than the limit.'),
  });
}

/**
 * 503 DATABASE_UNAVAILABLE or TIMEOUT: retry later (the answer carries Retry-After); `busy`, where the
 * route also answers SERVICE_UNAVAILABLE, says when.
 */
export function ApiDatabaseUnavailableResponse(busy?: { when: string; message: string }): MethodDecorator {
  return ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description:
      'DATABASE_UNAVAILABLE: the database cannot be reached; TIMEOUT: the request took too long and was cancelled' +
      (busy ? `; SERVICE_UNAVAILABLE: ${busy.when}` : '') +
      '. Nothing was written; retry after the Retry-After header (seconds).',
    headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', example: 5 } } },
    examples: {
      DATABASE_UNAVAILABLE: {
        summary: 'The database cannot be reached',
        value: errorExample('DATABASE_UNAVAILABLE', 'The database is unavailable. Please retry later.'),
      },
      TIMEOUT: {
        summary: 'The request took too long',
        value: errorExample('TIMEOUT', 'The request took too long and was cancelled; nothing was written. Please retry.'),
      },
      ...(busy
        ? { SERVICE_UNAVAILABLE: { summary: 'The service is busy', value: errorExample('SERVICE_UNAVAILABLE', busy.message) } }
        : {}),
    },
  });
}

type DocumentedOperation = {
  requestBody?: unknown;
  parameters?: { in?: string }[];
  responses: Record<string, unknown>;
};

/**
 * The answers to input that every route gives alike, added to each operation that can get such
 * input and does not document them itself: 413 PAYLOAD_TOO_LARGE and 400 INVALID_REQUEST (JSON
 * that does not parse or nests too deeply) where there is a request body, and 400 for an invalid
 * query or header parameter (Idempotency-Key). The body parser and the middleware answer these
 * before any route's own code, so a route's decorators would miss some.
 */
export function documentInputErrors(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method] as DocumentedOperation | undefined;
      if (!operation) continue;
      const validated = operation.parameters?.some((p) => p.in === 'query' || p.in === 'header');
      if ((operation.requestBody || validated) && !operation.responses['400']) {
        operation.responses['400'] = {
          description: operation.requestBody
            ? 'INVALID_REQUEST: the body is not valid JSON, nests too deeply or breaks a rule of its schema, or a parameter is invalid.'
            : 'INVALID_REQUEST: a parameter is invalid (an Idempotency-Key that is not 1 to 255 visible ASCII characters, or sent twice).',
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/InvalidRequestResponseDto' },
              example: errorExample('INVALID_REQUEST', 'Idempotency-Key must be 1 to 255 visible ASCII characters', {
                details: ['Idempotency-Key must be 1 to 255 visible ASCII characters'],
              }),
            },
          },
        };
      }
      if (operation.requestBody && !operation.responses['408']) {
        operation.responses['408'] = {
          description:
            'REQUEST_TIMEOUT: the body did not arrive whole within REQUEST_TIMEOUT_MS (default 300 s; a job upload has no such ' +
            'deadline but is cut off when it sends nothing for JOB_UPLOAD_IDLE_TIMEOUT_MS, default 60 s); nothing of it was used, ' +
            'and the connection is closed.',
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/ErrorResponseDto' },
              example: errorExample('REQUEST_TIMEOUT', 'The request did not arrive whole within 300 s; nothing of it was used.'),
            },
          },
        };
      }
      if (operation.requestBody && !operation.responses['413']) {
        operation.responses['413'] = {
          description: 'PAYLOAD_TOO_LARGE: the body is over BODY_LIMIT (default 5mb); nothing was done.',
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/ErrorResponseDto' },
              example: errorExample('PAYLOAD_TOO_LARGE', 'The request body is larger than the limit.'),
            },
          },
        };
      }
    }
  }
}
