import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { json } from 'express';
import { AppConfig } from '../../config/app.config';
import { jsonDepthLimit } from '../validation/json-depth';

/**
 * The JSON body parser, mounted as module middleware rather than with `app.useBodyParser()`: module
 * middleware runs after the request logger (nestjs-pino's, a global module, is mounted first) and
 * the HTTP metrics, so a request cut short by its body (invalid JSON: 400, over `BODY_LIMIT`: 413)
 * still gets its request log line and its metrics. Its errors reach the global exception filter
 * through Nest's error handler. Import it after LoggingModule and MetricsModule.
 *
 * A parsed body nested deeper than MAX_JSON_DEPTH is refused right after the parser (400), before
 * any pipe, guard or interceptor walks it.
 */
@Module({})
export class JsonBodyModule implements NestModule {
  constructor(private readonly config: ConfigService) {}

  configure(consumer: MiddlewareConsumer): void {
    const { bodyLimit } = this.config.getOrThrow<AppConfig>('app');
    consumer.apply(json({ limit: bodyLimit, strict: true }), jsonDepthLimit).forRoutes('*path');
  }
}
