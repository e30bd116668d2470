import { Controller, Get, Header, Headers } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app.config';
import { Public } from '../common/decorators/public.decorator';
import { DomainError } from '../common/errors/domain.error';
import { UNAUTHENTICATED_MESSAGE } from '../common/errors/error-codes';
import { MetricsService } from './metrics.service';

/**
 * Prometheus metrics. Off the public surface: without METRICS_TOKEN the route answers 404, and with
 * it only `Authorization: Bearer <METRICS_TOKEN>` gets the metrics (not an API user's JWT).
 */
@ApiTags('Operations')
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly token: Buffer | undefined;

  constructor(
    private readonly metrics: MetricsService,
    config: ConfigService,
  ) {
    const token = config.getOrThrow<AppConfig>('app').metricsToken;
    this.token = token ? Buffer.from(token) : undefined;
  }

  @Get()
  @ApiBearerAuth()
  @ApiExcludeEndpoint()
  @ApiOperation({ summary: 'Prometheus metrics (METRICS_TOKEN as bearer token)' })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(@Headers('authorization') authorization: string | undefined): Promise<string> {
    if (!this.token) throw new DomainError('NOT_FOUND', 'Cannot GET /metrics');
    const given = Buffer.from(/^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '');
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) {
      throw new DomainError('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE);
    }
    return this.metrics.registry.metrics();
  }
}
