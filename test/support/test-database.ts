/**
 * Where the end-to-end tests run. With TEST_DATABASE_URL (a real PostgreSQL server), the global
 * setup creates a fresh database for this run and the teardown drops it; its URL is passed to the
 * tests as E2E_DATABASE_URL. Without it, each test file gets its own in-memory embedded database.
 */
export const E2E_DATABASE_URL = 'E2E_DATABASE_URL';

export function serverDatabaseUrl(): string | undefined {
  return process.env[E2E_DATABASE_URL] || undefined;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
