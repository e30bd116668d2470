/**
 * The default start (contract section 1): no DATABASE_URL, so the service runs on an embedded
 * PostgreSQL under DATA_DIR, seeds a demo brand on first start and prints how to use it. The
 * service runs as its own process (src/main.ts), as `npm start` runs it; and wrong settings stop
 * it with one line that names the setting.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabase } from '../src/database/embedded-database';
import { childEnv, freePort, lines, run, ServiceProcess } from './support/processes';

// the embedded database takes seconds to create, more on a busy machine
jest.setTimeout(180_000);

interface Banner {
  url: string;
  userKey: string;
  secret: string;
}

/** What the service prints once it is ready: the /docs URL, the demo credentials and a curl login line. */
async function banner(service: ServiceProcess): Promise<Banner> {
  const [, curlUrl, curlBody] = await service.waitFor(/curl .*?(http:\/\/\S+)\/rest\/login .*?-d '(\{.*?\})'/);
  const [, docsUrl] = service.stdout.match(/(http:\/\/\S+)\/docs\b/) ?? [];
  const [, userKey, secret] = service.stdout.match(/userKey\s+(\S+)\s+secret\s+(\S+)/) ?? [];
  expect({ docsUrl, userKey, secret }).toEqual({ docsUrl: curlUrl, userKey: expect.any(String), secret: expect.any(String) });
  // the curl line logs in with the printed credentials
  expect(JSON.parse(curlBody)).toEqual({ userKey, secret });
  return { url: curlUrl, userKey, secret };
}

async function api(url: string, path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

async function login(b: Banner): Promise<string> {
  const res = await api(b.url, '/rest/login', { body: { userKey: b.userKey, secret: b.secret } });
  expect(res).toMatchObject({ status: 200, body: { token_type: 'Bearer', access_token: expect.any(String) } });
  return res.body.access_token;
}

/** The demo brand's rows that must survive a restart unchanged (a second seeding would rehash the secret). */
async function demoRows(dataDir: string): Promise<unknown[]> {
  const db = await EmbeddedDatabase.open(dataDir);
  try {
    const { rows } = await db.pglite.query(
      `SELECT to_jsonb(b)::text AS brand, (SELECT jsonb_agg(u ORDER BY u.id)::text FROM api_user u WHERE u.brand_id = b.id) AS users
         FROM brand b ORDER BY b.id`,
    );
    return rows;
  } finally {
    await db.close();
  }
}

describe('the embedded database (no DATABASE_URL)', () => {
  const work = mkdtempSync(join(tmpdir(), 'ce-embedded-'));
  const dataDir = join(work, 'data');
  let first: ServiceProcess | undefined;
  let firstBanner: Banner;

  afterAll(async () => {
    await first?.stop('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('starts in DATA_DIR, prints /docs and demo credentials that log in and upsert an extension', async () => {
    first = new ServiceProcess(childEnv({ DATA_DIR: dataDir, PORT: String(await freePort()) }));
    firstBanner = await banner(first);

    expect((await api(firstBanner.url, '/docs')).status).toBe(200);
    const token = await login(firstBanner);
    const upsert = await api(firstBanner.url, '/rest/bulk/contact_extensions', {
      token,
      body: {
        columns: ['contact_key', 'address', 'channel'],
        insertIfNotExists: true,
        contactDatas: [{ contact_key: 'demo-contact-2', address: '+90 535 123 45 67', channel: 'S' }],
      },
    });
    expect(upsert).toMatchObject({ status: 200, body: { total: 1, inserted: 1, failed: 0 } });
    // a contact that does not exist fails the write at the foreign key, and the request runs again
    // asking which contacts exist (the README's request path): the same answer on the embedded database
    const ghost = await api(firstBanner.url, '/rest/bulk/contact_extensions', {
      token,
      body: {
        columns: ['contact_key', 'address', 'channel'],
        insertIfNotExists: true,
        throwOnError: false,
        contactDatas: [
          { contact_key: 'demo-contact-3', address: 'ghost-test@example.com', channel: 'E' },
          { contact_key: 'nobody', address: 'nobody@example.com', channel: 'E' },
        ],
      },
    });
    expect(ghost).toMatchObject({
      status: 200,
      body: { inserted: 1, failed: 1, errors: [expect.objectContaining({ index: 1, code: 'CONTACT_NOT_FOUND' })] },
    });
    const list = await api(firstBanner.url, '/rest/contact_extensions?contact_key=demo-contact-2', { token });
    expect(list).toMatchObject({ status: 200, body: { items: [expect.objectContaining({ address: '905351234567', channel: 'S' })] } });
  });

  it('refuses a second process on the same DATA_DIR with a one-line reason, and the first keeps serving', async () => {
    const second = await run(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
      childEnv({ DATA_DIR: dataDir, PORT: String(await freePort()) }),
    );
    expect({ code: second.code, stderr: lines(second.stderr) }).toEqual({
      code: expect.any(Number),
      stderr: [expect.stringContaining('DATA_DIR')],
    });
    expect(second.code).not.toBe(0);
    await login(firstBanner);
  });

  it('keeps the data and the demo credentials across a restart, without seeding the demo brand again', async () => {
    const stopped = await first!.stop('SIGTERM');
    first = undefined;
    expect(stopped.code === 0 || stopped.signal === 'SIGTERM').toBe(true);
    expect(existsSync(join(dataDir, 'service.lock'))).toBe(false);
    const before = await demoRows(dataDir);
    expect(before).toHaveLength(1);

    const again = new ServiceProcess(childEnv({ DATA_DIR: dataDir, PORT: String(await freePort()) }));
    try {
      const b = await banner(again);
      expect({ userKey: b.userKey, secret: b.secret }).toEqual({ userKey: firstBanner.userKey, secret: firstBanner.secret });
      const token = await login(b);
      const list = await api(b.url, '/rest/contact_extensions?contact_key=demo-contact-2', { token });
      expect(list).toMatchObject({ status: 200, body: { items: [expect.objectContaining({ address: '905351234567', channel: 'S' })] } });
    } finally {
      await again.stop('SIGTERM');
    }
    expect(await demoRows(dataDir)).toEqual(before);
  });

  it('stops with one line naming the setting when a setting is wrong', async () => {
    const start = async (settings: Record<string, string | undefined>) =>
      run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], childEnv(settings));
    // a server nobody listens on: the settings must stop the start before any connection
    const nowhere = 'postgres://nobody:secret@127.0.0.1:9/nowhere';
    const cases = [
      { setting: 'JWT_SECRET', env: { DATABASE_URL: nowhere } },
      { setting: 'JWT_SECRET', env: { DATABASE_URL: nowhere, JWT_SECRET: 'x'.repeat(31) } },
      { setting: 'PORT', env: { DATA_DIR: join(work, 'port'), PORT: 'abc' } },
    ];
    const results = await Promise.all(cases.map((c) => start(c.env)));
    expect(results.map((r) => ({ code: r.code === 0 ? 0 : 'failed', stderr: lines(r.stderr) }))).toEqual(
      cases.map((c) => ({ code: 'failed', stderr: [expect.stringContaining(c.setting)] })),
    );
    // the reason is the broken rule: abc is not a number at all, rather than a port too high
    expect(lines(results[2].stderr)[0]).toMatch(/PORT must be an integer/);
  });
});
