import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { serverDatabaseUrl } from './test-database';

/** The JWT secret of the tests, so that a test can sign its own (expired, forged ...) tokens. */
export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export interface TestApp {
  app: NestExpressApplication;
  http: TestAgent;
  dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * The real application, configured exactly as main.ts does, on the run's database (or an
 * in-memory embedded one). `env` overrides environment variables for this app only.
 */
export async function createTestApp(env: Record<string, string | undefined> = {}): Promise<TestApp> {
  const url = serverDatabaseUrl();
  const settings: Record<string, string | undefined> = {
    DATABASE_URL: url,
    DATA_DIR: url ? undefined : 'memory://',
    JWT_SECRET: TEST_JWT_SECRET,
    JWT_EXPIRES_IN: undefined,
    BODY_LIMIT: undefined,
    PORT: undefined,
    DB_MIGRATIONS_RUN: 'true',
    LOG_LEVEL: 'error',
    // the import job workers (pg-boss polling) run only in the apps of the tests that ask for them
    JOB_WORKERS: 'false',
    ...env,
  };
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(settings)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error', 'warn'], bodyParser: false });
    configureApp(app);
    await app.init();
    return {
      app,
      http: request(app.getHttpServer()),
      dataSource: app.get(DataSource),
      close: () => app.close(),
    };
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
