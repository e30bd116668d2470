import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { ENTITIES } from '../../src/entities';
import { E2E_DATABASE_URL, withDatabase } from './test-database';

export default async function globalSetup(): Promise<void> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return;
  const name = `ce_test_${Date.now()}_${process.pid}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(base, name);
  process.env[E2E_DATABASE_URL] = url;
  process.env.E2E_DATABASE_NAME = name;
  // migrations once for the whole run, so that test files starting in parallel do not race on them
  const ds = new DataSource(
    dataSourceOptions({ url, dataDir: '', migrationsRun: true, poolSize: 1, statementTimeoutMs: 60_000 }, ENTITIES),
  );
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();
}
