/**
 * The OpenAPI text of AuthController's routes: one decorator per operation, named after its
 * operationId. Decorators that also act (access, retries, limits) document themselves and stay on
 * the controller.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiUnauthorizedResponse } from '@nestjs/swagger';
import {
  ApiDatabaseUnavailableResponse,
  ApiInvalidRequestResponse,
  ApiPayloadTooLargeErrorResponse,
  errorExample,
} from '../common/decorators/api-error-responses.decorator';
import { UNAUTHENTICATED_MESSAGE } from '../common/errors/error-codes';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { LoginDto, LoginResponseDto } from './dto/login.dto';

export function ApiLogin(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'Login',
      summary: 'Log in as an API user',
      description:
        'Exchanges an API user key and secret for a bearer token (JWT, HS256). Send it as `Authorization: Bearer <access_token>` ' +
        'on every other request, and log in again when it expires (`expires_in` seconds) or when a request answers 401.',
      // the one operation that needs no token
      security: [],
    }),
    ApiBody({
      type: LoginDto,
      examples: {
        demo: {
          summary: 'The demo user of the embedded database',
          description: '`npm start` prints the demo secret (and keeps it in DATA_DIR/demo-credentials.json).',
          value: { userKey: 'demo-integrator', secret: 'the-secret-printed-at-first-start' },
        },
      },
    }),
    ApiOkResponse({
      type: LoginResponseDto,
      description: 'A bearer token.',
      example: {
        access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
        token_type: 'Bearer',
        expires_in: 3600,
      },
    }),
    ApiInvalidRequestResponse('the body is not `{userKey: string, secret: string}`.', {
      missingSecret: { summary: 'secret missing', details: ['secret must be a string'] },
    }),
    ApiUnauthorizedResponse({
      type: ErrorResponseDto,
      description: 'UNAUTHENTICATED: unknown user, wrong secret or disabled user (the same answer for all three).',
      example: errorExample('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE),
    }),
    ApiPayloadTooLargeErrorResponse(),
    ApiDatabaseUnavailableResponse(),
  );
}
