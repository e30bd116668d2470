import { INestApplication, ValidationError } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import type { Server } from 'node:http';
import { Logger } from 'nestjs-pino';
import { AppConfig } from './config/app.config';
import { requestIdMiddleware } from './common/middleware/request-id.middleware';
import { requestDeadline } from './common/middleware/request-deadline.middleware';
import { AllExceptionsFilter } from './common/filters/http-exception.filter';
import { invalidRequest } from './common/errors/domain.error';
import { documentInputErrors } from './common/decorators/api-error-responses.decorator';
import { JsonObjectBodyPipe } from './common/pipes/json-object-body.pipe';
import { ValidateOnlyPipe } from './common/pipes/validate-only.pipe';

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => [...Object.values(e.constraints ?? {}), ...flatten(e.children ?? [], `${prefix}${e.property}.`)]);
}

/**
 * Everything main.ts and the end-to-end tests both need, so that the tests drive the app exactly
 * as it runs: request ids, security headers, CORS, validation, the error filter, Swagger.
 */
export function configureApp(app: NestExpressApplication): void {
  const config = app.get(ConfigService).getOrThrow<AppConfig>('app');
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // before the body parser: an answer to a body that does not parse carries a request id too
  app.use(requestIdMiddleware);
  app.use(requestDeadline(app.getHttpServer() as Server, config.requestTimeoutMs));
  // no upgrade-insecure-requests: /docs must also work over plain HTTP on a host other than localhost
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.enableCors(
    config.corsOrigins === '*' || config.corsOrigins.length > 0
      ? {
          origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
          exposedHeaders: ['X-Request-Id', 'Retry-After', 'Idempotent-Replayed'],
        }
      : { origin: false },
  );
  // the JSON body parser is JsonBodyModule's middleware: it runs after the request logger
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
        const details = flatten(errors).map((d) => d.replace(/^property (.*) should not exist$/s, 'unknown property $1'));
        return invalidRequest(details.length === 1 ? details[0] : 'The request is not valid.', details);
      },
    }),
  );
  setupSwagger(app);
}

/** The OpenAPI document, from the controllers' and DTOs' metadata (also written to openapi.json by `npm run openapi`). */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Contact Extensions API')
      .setDescription(
        'Bulk insert and update of the extra email addresses, phone numbers and WhatsApp numbers of your contacts. ' +
          'Log in with `POST /rest/login`, then send `Authorization: Bearer <access_token>`.',
      )
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The access_token of POST /rest/login.' })
      // relative: "Try it out" calls the server that serves /docs, wherever it runs
      .addServer('/', 'The server that serves this document')
      .build(),
  );
  // tags with their descriptions, in this order; only those that operations use (see docs/OPENAPI.md).
  // A tag missing from API_TAGS is still listed, without a description, for the lint to point at.
  const used = new Set(
    Object.values(document.paths).flatMap((item) => Object.values(item).flatMap((op: { tags?: string[] }) => op?.tags ?? [])),
  );
  const undescribed = [...used].filter((name) => !API_TAGS.some((t) => t.name === name)).map((name) => ({ name }));
  document.tags = [...API_TAGS.filter((t) => used.has(t.name)), ...undescribed];
  documentInputErrors(document);
  return document;
}

/** The tags of the API, in the order Swagger UI shows them. */
const API_TAGS: { name: string; description: string }[] = [
  { name: 'Authentication', description: 'Exchange an API user key and secret for a bearer token.' },
  {
    name: 'Contact extensions',
    description: "Insert, update and read the extensions (emails, phone and WhatsApp numbers) of your brand's contacts.",
  },
  { name: 'Contacts', description: "Your brand's contacts (master_contact): insert and update them in bulk, list, read and delete them." },
  { name: 'Health', description: 'Liveness and readiness for orchestrators and load balancers; no token needed.' },
  { name: 'Dashboard', description: "Figures about your brand's contacts and extensions, for the admin dashboard." },
  {
    name: 'Contact extensions (dashboard)',
    description: "Search, read and delete your brand's contact extensions from the admin dashboard.",
  },
  { name: 'Brand settings', description: "Your brand's name and enabled extension columns." },
  { name: 'Extension types', description: "Your brand's extension types (the allowed `name` of an extension per channel)." },
  { name: 'API users', description: "Your brand's API users, their permissions and secrets." },
  { name: 'Operations log', description: 'The bulk requests of your brand, with their counts and per-record errors.' },
  { name: 'Consent history', description: 'How the opt-in (`permission`) of an extension changed over time.' },
];

export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, createOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}
