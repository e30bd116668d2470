import { INestApplication, ValidationError } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppConfig } from './config/app.config';
import { requestIdMiddleware } from './common/middleware/request-id.middleware';
import { AllExceptionsFilter } from './common/filters/http-exception.filter';
import { invalidRequest } from './common/errors/domain.error';
import { JsonObjectBodyPipe } from './common/pipes/json-object-body.pipe';
import { ValidateOnlyPipe } from './common/pipes/validate-only.pipe';

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}),
    ...flatten(e.children ?? [], `${prefix}${e.property}.`),
  ]);
}

/**
 * Everything main.ts and the end-to-end tests both need, so that the tests drive the app exactly
 * as it runs: body limit, validation, the error filter, Swagger.
 */
export function configureApp(app: NestExpressApplication): void {
  const config = app.get(ConfigService).getOrThrow<AppConfig>('app');
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // before the body parser: an answer to a body that does not parse carries a request id too
  app.use(requestIdMiddleware);
  app.use(helmet());
  app.enableCors(
    config.corsOrigins === '*' || config.corsOrigins.length > 0
      ? { origin: config.corsOrigins === '*' ? '*' : config.corsOrigins, exposedHeaders: ['X-Request-Id', 'Retry-After'] }
      : { origin: false },
  );
  app.useBodyParser('json', { limit: config.bodyLimit, strict: true });
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(
    new JsonObjectBodyPipe(),
    new ValidateOnlyPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      // the handler gets the body as sent: records are validated one by one by the service
      transform: false,
      forbidUnknownValues: true,
      stopAtFirstError: true,
      exceptionFactory: (errors) => {
        const details = flatten(errors).map((d) => d.replace(/^property (\S+) should not exist$/, 'unknown property $1'));
        return invalidRequest(details.length === 1 ? details[0] : 'The request is not valid.', details);
      },
    }),
  );
  setupSwagger(app);
}

/** The OpenAPI document, from the controllers' and DTOs' metadata (also written to openapi.json by `npm run openapi`). */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Contact Extensions API')
      .setDescription(
        'Bulk insert and update of the extra email addresses, phone numbers and WhatsApp numbers of your contacts. ' +
          'Log in with `POST /rest/login`, then send `Authorization: Bearer <access_token>`.',
      )
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
}

export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, createOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}
