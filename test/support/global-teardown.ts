import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const base = process.env.TEST_DATABASE_URL;
  const name = process.env.E2E_DATABASE_NAME;
  if (!base || !name) return;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
