import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isUtf8 } from 'node:buffer';
import { json } from 'express';
import { AppConfig } from '../../config/app.config';
import { charsetOf, isUtf8Charset, withUtf8Charset } from '../http/charset';
import { jsonDepthLimit } from '../validation/json-depth';

/**
 * The JSON body parser, mounted as module middleware rather than with `app.useBodyParser()`: module
 * middleware runs after the request logger (nestjs-pino's, a global module, is mounted first) and
 * the HTTP metrics, so a request cut short by its body (invalid JSON: 400, over `BODY_LIMIT`: 413)
 * still gets its request log line and its metrics. Its errors reach the global exception filter
 * through Nest's error handler. Import it after LoggingModule and MetricsModule.
 *
 * A parsed body nested deeper than MAX_JSON_DEPTH is refused right after the parser (400), before
 * any pipe, guard or interceptor walks it. A body in UTF-8 (the charset JSON is sent in, and the
 * default) that is not valid UTF-8 is refused (400) rather than read with U+FFFD in its strings,
 * which would become keys and names no one sent. The parser reads the charsets named `utf-*` only;
 * `utf8` (a common spelling of UTF-8) and `us-ascii` (a subset of it) are read as `utf-8`.
 */
@Module({})
export class JsonBodyModule implements NestModule {
  constructor(private readonly config: ConfigService) {}

  configure(consumer: MiddlewareConsumer): void {
    const { bodyLimit } = this.config.getOrThrow<AppConfig>('app');
    consumer.apply(utf8Aliases, json({ limit: bodyLimit, strict: true, verify: utf8Only }), jsonDepthLimit).forRoutes('*path');
  }
}

function utf8Aliases(req: IncomingMessage, _res: ServerResponse, next: () => void): void {
  const type = req.headers['content-type'];
  const charset = type === undefined ? undefined : charsetOf(type);
  if (type !== undefined && charset !== undefined && isUtf8Charset(charset)) req.headers['content-type'] = withUtf8Charset(type);
  next();
}

function utf8Only(_req: IncomingMessage, _res: ServerResponse, body: Buffer, encoding: string): void {
  if (/^utf-?8$/i.test(encoding) && !isUtf8(body)) {
    throw Object.assign(new Error('The request body is not valid UTF-8.'), { status: 400, type: 'entity.utf8.invalid' });
  }
}
