import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';

/**
 * A worker process for bulk import jobs (`npm run worker`, `node dist/worker.js`): the application
 * without its HTTP server, taking jobs from the queue in the same PostgreSQL as the API. Run as many
 * as needed, on any machine; each runs one job at a time, one job per brand runs at once overall.
 * SIGTERM stops it at the next chunk boundary; the job is resumed by another worker.
 */
async function bootstrap(): Promise<void> {
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
