import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { setFlagsFromString } from 'node:v8';
import { AppModule } from './app.module';

/**
 * A worker process for bulk import jobs (`npm run worker`, `node dist/worker.js`): the application
 * without its HTTP server, taking jobs from the queue in the same PostgreSQL as the API. Run as many
 * as needed, on any machine; each runs one job at a time, one job per brand runs at once overall.
 * SIGTERM stops it at the next chunk boundary; the job is resumed by another worker.
 */
/**
 * As in main.ts: V8 may let the old generation grow 100 % past what survived, not 300 %; npm run
 * worker passes the young generation's cap and glibc's malloc settings as start:prod does.
 */
if (!process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) {
  setFlagsFromString('--heap-growing-percent=100');
}

/** Without DATABASE_URL there is no queue to share: the embedded database belongs to the one API process, which runs the jobs itself. */
const EMBEDDED_REFUSAL =
  'a separate worker needs a PostgreSQL server: set DATABASE_URL (and JWT_SECRET) as for the API. ' +
  'On the embedded database the API process runs the import jobs itself (JOB_WORKERS).';

async function bootstrap(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    process.stderr.write(`worker: ${EMBEDDED_REFUSAL}\n`);
    process.exit(2);
  }
  process.env.JOB_WORKERS = 'true';
  const app = await NestFactory.createApplicationContext(AppModule, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(PinoLogger));
  app.flushLogs();
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  new Logger('Worker').log(`import job worker started (pid ${process.pid})`);
}

bootstrap().catch((err: Error) => {
  process.stderr.write(`worker failed to start: ${err.stack ?? String(err)}\n`);
  process.exit(1);
});
