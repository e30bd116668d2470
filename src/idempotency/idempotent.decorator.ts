import { applyDecorators, SetMetadata, Type, UseInterceptors } from '@nestjs/common';
import { ApiConflictResponse, ApiExtraModels, ApiHeader, ApiUnprocessableEntityResponse, getSchemaPath } from '@nestjs/swagger';
import { errorExample } from '../common/decorators/api-error-responses.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER, STREAMED_BODY } from './idempotency-key';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/** A 409 the route answers on its own: documented together with IDEMPOTENCY_KEY_IN_USE. */
export interface OwnConflict {
  /** starts with the code, as the other response descriptions do */
  description: string;
  /** the body's schema when it is not ErrorResponseDto */
  type?: Type<unknown>;
  example: Record<string, unknown> & { code: string };
}

const IN_USE_DESCRIPTION = `IDEMPOTENCY_KEY_IN_USE: a request with this ${IDEMPOTENCY_KEY_HEADER} is still running; retry after Retry-After (seconds) to get its answer.`;
const IN_USE_EXAMPLE = errorExample(
  'IDEMPOTENCY_KEY_IN_USE',
  'A request with this Idempotency-Key is still in progress; retry once it has finished to get its answer.',
);

/**
 * Makes a write endpoint safe to retry with an `Idempotency-Key` header, and documents the header
 * and its answers (409, 422) in Swagger. For an authenticated route (keys are kept per brand); the
 * module of the controller imports IdempotencyModule. With @RateLimited(), put @RateLimited() below
 * this decorator, so that the limit is checked first (either order is correct; that one is cheaper).
 * A route that answers a 409 of its own passes it as `ownConflict` instead of its own
 * @ApiConflictResponse: one status has one response in OpenAPI, so both are documented in it.
 * A route whose handler streams the body itself (no body parser) sets `streamedBody`: its body is
 * compared by the SHA-256 of its bytes as sent, with its Content-Type and Content-Encoding.
 */
export function Idempotent(ownConflict?: OwnConflict, options: { streamedBody?: boolean } = {}): MethodDecorator {
  const sameRequest = options.streamedBody
    ? 'method, path, Content-Type, Content-Encoding and the body, byte for byte'
    : 'method, path and body; key order and whitespace do not matter';
  const schemas = ownConflict?.type && ownConflict.type !== ErrorResponseDto ? [ownConflict.type, ErrorResponseDto] : [ErrorResponseDto];
  return applyDecorators(
    SetMetadata(STREAMED_BODY, options.streamedBody === true),
    UseInterceptors(IdempotencyInterceptor),
    ApiExtraModels(...schemas),
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      description:
        'Makes the request safe to retry: a unique value per request (e.g. a UUID), 1 to 255 visible ASCII characters. ' +
        'The first answer (status and body) is kept for your brand for 24 hours. A retry with the same key and the same request ' +
        `(${sameRequest}) gets that answer again, with the header \`${REPLAYED_HEADER}: true\`, ` +
        'and writes nothing. Answers 5xx and 429 are not kept: a retry after them runs again. ' +
        (options.streamedBody ? 'Nor is an answer given before the body was read to its end (nothing was done with it). ' : '') +
        'The same key with another request: 422 IDEMPOTENCY_KEY_REUSED. A retry while the first is still running: 409 IDEMPOTENCY_KEY_IN_USE. ' +
        'An invalid value: 400 INVALID_REQUEST.',
      schema: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        pattern: '^[\\x21-\\x7E]{1,255}$',
        example: '4f9c1a52-7d0e-4c4b-9a55-0e1f3b0c7d21',
      },
    }),
    ApiConflictResponse({
      description: ownConflict ? `${ownConflict.description}\n\n${IN_USE_DESCRIPTION}` : IN_USE_DESCRIPTION,
      headers: {
        'Retry-After': {
          description: 'Seconds to wait before retrying (IDEMPOTENCY_KEY_IN_USE).',
          schema: { type: 'integer', example: 1 },
        },
      },
      content: {
        'application/json': {
          schema:
            schemas.length > 1 ? { anyOf: schemas.map((t) => ({ $ref: getSchemaPath(t) })) } : { $ref: getSchemaPath(ErrorResponseDto) },
          examples: {
            ...(ownConflict ? { [ownConflict.example.code]: { summary: ownConflict.example.code, value: ownConflict.example } } : {}),
            IDEMPOTENCY_KEY_IN_USE: { summary: 'IDEMPOTENCY_KEY_IN_USE', value: IN_USE_EXAMPLE },
          },
        },
      },
    }),
    ApiUnprocessableEntityResponse({
      type: ErrorResponseDto,
      description: `IDEMPOTENCY_KEY_REUSED: this ${IDEMPOTENCY_KEY_HEADER} was used for a different request; nothing was done.`,
      example: errorExample(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used for a different request (method, path or body); use a new key for a new request.',
      ),
    }),
  );
}
