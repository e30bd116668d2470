import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { EXAMPLE_REQUEST_ID } from '../common/decorators/api-error-responses.decorator';
import { Public } from '../common/decorators/public.decorator';
import { HealthCheckDto, HealthUnavailableDto } from './dto/health-check.dto';

@ApiTags('Health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  @Get('live')
  // documented below: terminus's own documentation does not know our error body
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'HealthLive',
    summary: 'Liveness',
    description:
      'The process is up and serving HTTP. Never touches the database, so a database outage does not restart the service. Needs no token.',
    security: [],
  })
  @ApiOkResponse({ type: HealthCheckDto, description: 'Alive.', example: { status: 'ok', info: {}, error: {}, details: {} } })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'HealthReady',
    summary: 'Readiness',
    description: 'The database answers (SELECT 1 within 1.5 s): the service can take requests. 503 while it does not. Needs no token.',
    security: [],
  })
  @ApiOkResponse({
    type: HealthCheckDto,
    description: 'Ready.',
    example: {
      status: 'ok',
      info: { database: { status: 'up', responseTime: 3 } },
      error: {},
      details: { database: { status: 'up', responseTime: 3 } },
    },
  })
  @ApiServiceUnavailableResponse({
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
  })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.db.pingCheck('database', { timeout: 1500 })]);
  }
}
