import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { AuthUser } from '../auth/auth-user';
import { AppConfig } from '../config/app.config';

type LoggedRequest = IncomingMessage & {
  id?: string;
  user?: AuthUser;
  route?: { path?: string };
  originalUrl?: string;
};

/**
 * Structured JSON logs (pino): one line per request with its id, route, status, duration, brand
 * and API user. Headers, bodies and query strings are never logged, so no token, secret or
 * address can reach a log line. Pretty output only in an interactive terminal outside production.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const { logLevel } = config.getOrThrow<AppConfig>('app');
        const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production' && !process.env.CI;
        return {
          pinoHttp: {
            level: logLevel,
            genReqId: (req: LoggedRequest) => req.id ?? 'unknown',
            customProps: (req: LoggedRequest) => ({
              route: req.route?.path,
              brand: req.user?.brandId,
              apiUser: req.user?.userKey,
            }),
            serializers: {
              req: (req: LoggedRequest) => ({ id: req.id, method: req.method, path: (req.url ?? '').split('?')[0] }),
              res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
              // a 500 is a bug: its stack goes to the log (never to the client)
              err: (err: Error) => ({ type: err.name, message: err.message, stack: err.stack }),
            },
            customLogLevel: (_req: unknown, res: ServerResponse, err?: Error) =>
              err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'info',
            transport: pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
          },
          // exclude nothing: health probes are requests too, but quiet ones
          forRoutes: ['*path'],
        };
      },
    }),
  ],
})
export class LoggingModule {}
