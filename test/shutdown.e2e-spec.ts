/**
 * SIGTERM: the service stops taking connections, lets the request in flight finish, closes
 * the pool and exits 0. The service runs as its own process, as in production; the request is kept
 * in flight by a row lock the test holds, so this needs a PostgreSQL server.
 */
import { brandWithToken, insertExtensions } from './support/factories';
import { lockRows, until } from './support/hold';
import { childEnv, freePort, ServiceProcess } from './support/processes';
import { createTestApp, TEST_JWT_SECRET } from './support/test-app';
import { serverDatabaseUrl } from './support/test-database';

jest.setTimeout(120_000);

const serverUrl = serverDatabaseUrl();
const maybe: (name: string, fn: () => void) => void = serverUrl
  ? describe
  : (name) =>
      describe(name, () =>
        it('needs a PostgreSQL server (TEST_DATABASE_URL) to keep a request in flight', () => expect(serverUrl).toBeUndefined()),
      );

maybe('SIGTERM', () => {
  it('finishes the request in flight, refuses new connections, and exits 0', async () => {
    // data through an in-process app on the same database, then closed
    const t = await createTestApp();
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'slow@example.com', channel: 'E' }]);
    await t.close();

    const port = await freePort();
    const service = new ServiceProcess(
      childEnv({ DATABASE_URL: serverUrl, JWT_SECRET: TEST_JWT_SECRET, PORT: String(port), LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '20000' }),
    );
    let lock: Awaited<ReturnType<typeof lockRows>> | undefined;
    try {
      await service.waitFor(/listening on/);
      const base = `http://127.0.0.1:${port}`;
      const held = await lockRows('SELECT id FROM master_contact_extensions WHERE brand_id = $1 AND contact_key = $2', [brand.id, 'c1']);
      lock = held;
      const inFlight = fetch(`${base}/rest/bulk/contact_extensions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({
          columns: ['contact_key', 'address', 'permission'],
          contactDatas: [{ contact_key: 'c1', address: 'slow@example.com', permission: true }],
        }),
      });
      // the first request of a process just started: 30 s, for a machine busy with the suite's other files
      await until('the request to wait for the lock', async () => (await held.waiters()) > 0, 30_000).catch(async (err: Error) => {
        throw new Error(
          `${err.message}; the database's sessions:\n${await held.activity()}\nthe service's output:\n${service.stdout.slice(-3000)}`,
        );
      });

      const stopped = service.stop('SIGTERM', 30_000);
      await until('the shutdown to begin', () => /SIGTERM: finishing the requests in flight/.test(service.stdout));
      // no new connections while the request in flight finishes
      await expect(fetch(`${base}/health/live`)).rejects.toThrow();

      lock = undefined;
      await held.release();
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ total: 1, updated: 1, failed: 0 });
      const finished = await stopped;
      expect({ code: finished.code, signal: finished.signal }).toEqual({ code: 0, signal: null });
    } finally {
      // a failure with the rows still locked would leave them locked for the test files after this one
      await lock?.release();
      await service.stop('SIGKILL');
    }
  });
});
