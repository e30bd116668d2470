/**
 * The OpenAPI text of HealthController's routes: one decorator per operation, named after its
 * operationId. Decorators that also act (access, retries, limits) document themselves and stay on
 * the controller.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { EXAMPLE_REQUEST_ID } from '../common/decorators/api-error-responses.decorator';
import { HealthCheckDto, HealthUnavailableDto } from './dto/health-check.dto';

export function ApiHealthLive(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'HealthLive',
      summary: 'Liveness',
      description:
        'The process is up and serving HTTP. Never touches the database, so a database outage does not restart the service. Needs no token.',
      security: [],
    }),
    ApiOkResponse({ type: HealthCheckDto, description: 'Alive.', example: { status: 'ok', info: {}, error: {}, details: {} } }),
  );
}

export function ApiHealthReady(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'HealthReady',
      summary: 'Readiness',
      description: 'The database answers (SELECT 1 within 1.5 s): the service can take requests. 503 while it does not. Needs no token.',
      security: [],
    }),
    ApiOkResponse({
      type: HealthCheckDto,
      description: 'Ready.',
      example: {
        status: 'ok',
        info: { database: { status: 'up', responseTime: 3 } },
        error: {},
        details: { database: { status: 'up', responseTime: 3 } },
      },
    }),
    ApiServiceUnavailableResponse({
      type: HealthUnavailableDto,
      description: 'SERVICE_UNAVAILABLE: not ready, the database does not answer.',
      headers: { 'Retry-After': { description: 'Seconds to wait before asking again.', schema: { type: 'integer', example: 5 } } },
      example: {
        statusCode: 503,
        code: 'SERVICE_UNAVAILABLE',
        message: 'The service is not ready.',
        status: 'error',
        info: {},
        error: { database: { status: 'down', message: 'timeout of 1500ms exceeded', responseTime: 1502 } },
        details: { database: { status: 'down', message: 'timeout of 1500ms exceeded', responseTime: 1502 } },
        requestId: EXAMPLE_REQUEST_ID,
      },
    }),
  );
}
