import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { AppConfig } from './config/app.config';
import { DatabaseConfig } from './config/database.config';
import { DemoSeeder } from './seed/demo-seeder';

/**
 * How far V8 lets the old generation grow past what survived its last full collection before it
 * collects again. V8 picks up to 300 % when the service allocates fast, which it does under load:
 * with 8 clients sending 1000-record batches the old space reached 180 MB for some 45 MB alive, and
 * the service's RSS 300 MB. At 100 % it stays near 90 MB, RSS near 210 MB, with the same
 * throughput (bench/README.md). `node --heap-growing-percent=N dist/main.js` overrides it.
 * The young generation's cap (--max-semi-space-size) cannot be set here: V8 reads it only when it
 * creates the heap, so npm start and start:prod pass it on the command line, as they pass glibc's
 * malloc settings (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_) in the environment (README, Memory).
 */
const HEAP_GROWING_PERCENT = 100;
if (!process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/** Errors whose message is the whole story: printed as one line, without a stack. */
const ONE_LINE_ERRORS = new Set(['ConfigError', 'DataDirLockedError']);

async function bootstrap(): Promise<void> {
  // logs during start are buffered, then written by pino (configureApp) in the LOG_LEVEL asked for;
  // a start that fails is reported by the catch below (one line for a wrong setting), not by Nest
  // with a stack trace: so no abort, and the buffer is flushed only once the app is built
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bufferLogs: true,
    abortOnError: false,
    autoFlushLogs: false,
    // only JSON bodies (configureApp): no urlencoded or text parsers
    bodyParser: false,
  });
  configureApp(app);
  app.flushLogs();
  const config = app.get(ConfigService);
  const { port, shutdownGraceMs } = config.getOrThrow<AppConfig>('app');
  const database = config.getOrThrow<DatabaseConfig>('database');
  await app.listen(port);
  stopGracefullyOn(['SIGTERM', 'SIGINT'], app, shutdownGraceMs);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  const logger = new Logger('Bootstrap');
  logger.log(`Contact Extensions API listening on ${url}; Swagger UI at ${url}/docs`);
  if (!database.url) {
    const demo = await app.get(DemoSeeder).ensure(database.dataDir);
    process.stdout.write(
      [
        '',
        `  Embedded database in ${database.dataDir} (set DATABASE_URL to use your own PostgreSQL).`,
        `  Swagger UI:   ${url}/docs`,
        `  Demo user:    userKey ${demo.userKey}   secret ${demo.secret}`,
        `  Log in:       curl -s -X POST ${url}/rest/login -H 'Content-Type: application/json' -d '{"userKey":"${demo.userKey}","secret":"${demo.secret}"}'`,
        '',
      ].join('\n') + '\n',
    );
  }
}

/**
 * SIGTERM: stop taking connections, let the requests in flight finish (up to the grace period), then
 * close the application: the job queue stops at its next chunk boundary, the pool and the embedded
 * database close (shutdown hooks), and the process exits 0. The listener is closed here, first:
 * app.close() alone runs the queue's shutdown hook before it stops listening, and would take new
 * connections meanwhile.
 */
function stopGracefullyOn(signals: NodeJS.Signals[], app: NestExpressApplication, graceMs: number): void {
  const logger = new Logger('Shutdown');
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: finishing the requests in flight (at most ${graceMs} ms)`);
    setTimeout(() => {
      logger.error('grace period over: exiting with requests still in flight');
      process.exit(1);
    }, graceMs).unref();
    const server = app.getHttpServer() as Server;
    // closes idle keep-alive connections; the others close once their request is answered
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    drained
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (err: Error) => {
          logger.error(`shutdown failed: ${err.message}`);
          process.exit(1);
        },
      );
  };
  for (const signal of signals) process.once(signal, stop);
}

bootstrap().catch((err: Error) => {
  const cause = (err as { cause?: Error }).cause;
  const oneLine = [err, cause].find((e) => e && ONE_LINE_ERRORS.has(e.name));
  process.stderr.write(oneLine ? `${oneLine.message}\n` : `failed to start: ${err.stack ?? String(err)}\n`);
  process.exit(1);
});
