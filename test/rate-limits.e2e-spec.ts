import Redis from 'ioredis';
import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import reliabilityConfig from '../src/config/reliability.config';
import { MetricsService } from '../src/metrics/metrics.service';
import { bulkContacts } from './support/admin';
import { ALL_COLUMNS, bulk } from './support/bulk';
import { brandWithToken, createApiUser, createBrand, insertExtensions, uniqueKey } from './support/factories';
import { holdEmbeddedConnection, lockRows, until } from './support/hold';
import { createTestApp, TestApp } from './support/test-app';
import { serverDatabaseUrl } from './support/test-database';

/*
 * Limits: per brand, bulk writes are limited in rate and in concurrency; POST /rest/login
 * is limited per userKey and per client address. 429 RATE_LIMITED with Retry-After. The counters
 * are shared by every instance: in PostgreSQL, or in Redis when REDIS_URL is set.
 *
 * Failed logins are sent from addresses of their own (127.0.0.2 and up, on loopback), so that
 * they never count against 127.0.0.1, the address every other test logs in from.
 */

jest.setTimeout(60_000);

const REDIS_URL = 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** The answer body of a 429, exactly. */
function expectRateLimited(res: Answer, maxRetryAfter: number): void {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({
    statusCode: 429,
    code: 'RATE_LIMITED',
    message: expect.stringContaining('retry after'),
    requestId: expect.any(String),
  });
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxRetryAfter);
}

/** Serves the app on a port of loopback, so that requests can come from other loopback addresses. */
async function listen(t: TestApp): Promise<number> {
  if (!t.app.getHttpServer().listening) await t.app.listen(0, '127.0.0.1');
  return (t.app.getHttpServer().address() as AddressInfo).port;
}

/** POST /rest/login from a given local address (127.0.0.x). */
async function loginFrom(t: TestApp, from: string, body: unknown): Promise<Answer> {
  const port = await listen(t);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/rest/login', method: 'POST', localAddress: from, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** A fresh loopback address for each test, so that no two tests share an address's counter. */
let nextAddress = 2;
const freshAddress = (): string => `127.0.0.${nextAddress++}`;

const insertBody = (contactKey: string, address = `${randomUUID()}@example.com`) => ({
  columns: ALL_COLUMNS,
  insertIfNotExists: true,
  contactDatas: [{ contact_key: contactKey, address, channel: 'E' }],
});

/**
 * Keeps a bulk request of `brandId` in flight: it writes the brand's extension row, which a
 * transaction of the test locks (server); or every request waits for the embedded database's one
 * connection, which the test holds, and they then take turns statement by statement.
 */
async function inFlight(
  t: TestApp,
  brandId: number,
  send: () => Promise<Answer>,
  during: () => Promise<Answer>,
): Promise<[Answer, Answer]> {
  if (serverDatabaseUrl()) {
    const lock = await lockRows('SELECT 1 FROM master_contact_extensions WHERE brand_id = $1', [brandId]);
    let first: Promise<Answer>;
    let second: Answer;
    try {
      first = send();
      await until('the first request to wait for the row lock', async () => (await lock.waiters()) >= 1);
      second = await during();
    } finally {
      await lock.release();
    }
    return [await first, second];
  }
  const held = await holdEmbeddedConnection(t.dataSource);
  let first: Promise<Answer>;
  let second: Promise<Answer>;
  try {
    first = send();
    await until('the first request to wait for the connection', () => held.waiters() >= 1);
    second = during();
    await until('the second request to wait for the connection', () => held.waiters() >= 2);
  } finally {
    await held.release();
  }
  return [await first, await second];
}

/** A brand with one extension (c1, a@b.com) and an update of it: the request `inFlight` holds. */
async function brandWithRow(t: TestApp) {
  const setup = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
  await insertExtensions(t.dataSource, setup.brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
  const update = (app: TestApp = t) =>
    bulk(app, setup.token, { columns: ALL_COLUMNS, contactDatas: [{ contact_key: 'c1', address: 'a@b.com', permission: true }] }).then(
      (r) => r,
    );
  return { ...setup, update };
}

/** The limits' tests, on the store that `env` selects (PostgreSQL, or Redis with REDIS_URL). */
function limitsOn(store: string, env: () => Record<string, string>) {
  describe(`bulk rate limit per brand (${store})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ ...env(), BULK_RATE_LIMIT: '3', BULK_RATE_WINDOW_SECONDS: '60' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('the request over the limit gets 429 RATE_LIMITED with Retry-After, and writes nothing; other brands are not affected', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      for (let i = 0; i < 3; i++) await bulk(t, token, insertBody('c1')).expect(200);
      const refused = await bulk(t, token, insertBody('c1', 'late@example.com'));
      expectRateLimited(refused, 60);
      expect(refused.body.message).toContain('Too many bulk requests of your brand');
      const rows: unknown[] = await t.dataSource.query('SELECT 1 FROM master_contact_extensions WHERE brand_id = $1', [brand.id]);
      expect(rows).toHaveLength(3);
      // an invalid request counts too, and is refused before it is looked at
      expectRateLimited(await bulk(t, token, { columns: 'nope' }), 60);

      const other = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await bulk(t, other.token, insertBody('c1')).expect(200);
      expect((await t.app.get(MetricsService).rateLimited.get()).values).toContainEqual(
        expect.objectContaining({ labels: { limit: 'bulk_rate' }, value: expect.any(Number) }),
      );
    });
    it('POST /rest/bulk/contacts counts against the same limit of the brand: over it, 429 and nothing written', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const contact = (key: string) => ({ columns: ['contact_key', 'name'], contactDatas: [{ contact_key: key, name: 'Jane' }] });
      await bulk(t, token, insertBody('c1')).expect(200);
      await bulkContacts(t, token, contact('k1')).expect(200);
      await bulkContacts(t, token, contact('k2')).expect(200);
      const refused = await bulkContacts(t, token, contact('k3'));
      expectRateLimited(refused, 60);
      expect(refused.body.message).toContain('Too many bulk requests of your brand');
      expectRateLimited(await bulk(t, token, insertBody('c1')), 60);
      const contacts: { contact_key: string }[] = await t.dataSource.query(
        'SELECT contact_key FROM master_contact WHERE brand_id = $1 ORDER BY contact_key',
        [brand.id],
      );
      expect(contacts.map((c) => c.contact_key)).toEqual(['c1', 'k1', 'k2']);
    });
  });

  describe(`bulk rate window (${store})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ ...env(), BULK_RATE_LIMIT: '1', BULK_RATE_WINDOW_SECONDS: '1' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('once the window is over, requests pass again; a refused request with an Idempotency-Key is not kept, so its retry runs', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await bulk(t, token, insertBody('c1')).expect(200);
      const body = insertBody('c1');
      const refused = await bulk(t, token, body).set('Idempotency-Key', 'retry-me');
      expectRateLimited(refused, 1);
      await sleep(Number(refused.headers['retry-after']) * 1000 + 100);
      const retried = await bulk(t, token, body).set('Idempotency-Key', 'retry-me').expect(200);
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
      expect(retried.body.inserted).toBe(1);
    });
  });

  describe(`bulk concurrency limit per brand (${store})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ ...env(), BULK_CONCURRENCY_LIMIT: '1' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('a request while the limit is in flight gets 429 with Retry-After 1; once it is over, the slot is free again', async () => {
      const { brand, token, update } = await brandWithRow(t);
      const [first, second] = await inFlight(t, brand.id, update, () => bulk(t, token, insertBody('c1')).then((r) => r));
      expect(first.status).toBe(200);
      expectRateLimited(second, 1);
      expect(second.headers['retry-after']).toBe('1');
      expect(second.body.message).toContain('in flight');
      // the slot was given back: requests one after the other always pass
      for (let i = 0; i < 3; i++) await bulk(t, token, insertBody('c1')).expect(200);
      // and so were the slots of refused and failed requests
      await bulk(t, token, { columns: ['contact_key'], contactDatas: [{}] }).expect(400);
      await bulk(t, token, insertBody('c1')).expect(200);
    });

    it('POST /rest/bulk/contacts while a bulk write of the brand is in flight gets 429 with Retry-After 1, and writes nothing', async () => {
      const { brand, token, update } = await brandWithRow(t);
      const body = { columns: ['contact_key', 'name'], contactDatas: [{ contact_key: 'k1', name: 'Jane' }] };
      const [first, second] = await inFlight(t, brand.id, update, () => bulkContacts(t, token, body).then((r) => r));
      expect(first.status).toBe(200);
      expectRateLimited(second, 1);
      expect(second.body.message).toContain('in flight');
      expect(await t.dataSource.query(`SELECT 1 FROM master_contact WHERE brand_id = $1 AND contact_key = 'k1'`, [brand.id])).toEqual([]);
      await bulkContacts(t, token, body).expect(200);
    });
  });

  describe(`login limits (${store})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ ...env(), LOGIN_FAILURES_PER_USER: '3', LOGIN_FAILURES_PER_ADDRESS: '5', LOGIN_WINDOW_SECONDS: '900' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('per userKey: after 3 failed logins, even the right secret gets 429 until the window ends; other users are not affected', async () => {
      const brand = await createBrand(t.dataSource);
      const user = await createApiUser(t.dataSource, brand.id);
      const other = await createApiUser(t.dataSource, brand.id);
      // successful logins do not count
      for (let i = 0; i < 4; i++)
        expect((await loginFrom(t, freshAddress(), { userKey: user.userKey, secret: user.secret })).status).toBe(200);
      // nor do requests that are not logins at all
      for (let i = 0; i < 4; i++) expect((await loginFrom(t, freshAddress(), { userKey: user.userKey })).status).toBe(400);
      // failures from several addresses add up for the user
      for (let i = 0; i < 3; i++) expect((await loginFrom(t, freshAddress(), { userKey: user.userKey, secret: 'wrong' })).status).toBe(401);

      expectRateLimited(await loginFrom(t, freshAddress(), { userKey: user.userKey, secret: 'wrong' }), 900);
      const right = await loginFrom(t, freshAddress(), { userKey: user.userKey, secret: user.secret });
      expectRateLimited(right, 900);
      expect(right.body.message).toContain('Too many failed logins');
      expect((await loginFrom(t, freshAddress(), { userKey: other.userKey, secret: other.secret })).status).toBe(200);
    });

    it('per client address: after 5 failed logins from one address, any login from it gets 429; other addresses are not affected', async () => {
      const brand = await createBrand(t.dataSource);
      const user = await createApiUser(t.dataSource, brand.id);
      const guesser = freshAddress();
      // five different (unknown) userKeys: the per-user limit never applies
      for (let i = 0; i < 5; i++) expect((await loginFrom(t, guesser, { userKey: uniqueKey('nobody'), secret: 'guess' })).status).toBe(401);
      expectRateLimited(await loginFrom(t, guesser, { userKey: uniqueKey('nobody'), secret: 'guess' }), 900);
      expectRateLimited(await loginFrom(t, guesser, { userKey: user.userKey, secret: user.secret }), 900);
      expect((await loginFrom(t, freshAddress(), { userKey: user.userKey, secret: user.secret })).status).toBe(200);
    });
  });
}

describe('limits in PostgreSQL', () => {
  limitsOn('PostgreSQL', () => ({}));

  describe('a slot of a request that died', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ BULK_CONCURRENCY_LIMIT: '1' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('blocks until its lease runs out, then is dropped', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const bucket = `bulk:brand:${brand.id}`;
      // as an instance that crashed in the middle of a request leaves it
      await t.dataSource.query(
        `INSERT INTO rate_limit_bucket (bucket, hits, window_ends_at, leases)
         VALUES ($1, 1, now() + interval '1 minute', jsonb_build_object('crashed', extract(epoch FROM now()) * 1000 + 60000))`,
        [bucket],
      );
      expectRateLimited(await bulk(t, token, insertBody('c1')), 1);
      await t.dataSource.query(
        `UPDATE rate_limit_bucket SET leases = jsonb_build_object('crashed', extract(epoch FROM now()) * 1000 - 1) WHERE bucket = $1`,
        [bucket],
      );
      await bulk(t, token, insertBody('c1')).expect(200);
      expect(await t.dataSource.query('SELECT leases FROM rate_limit_bucket WHERE bucket = $1', [bucket])).toEqual([{ leases: {} }]);
    });
  });
});

/** Two instances on one database (two apps in this process, like two processes on two ports). */
if (serverDatabaseUrl()) {
  describe('limits shared by two instances on one PostgreSQL', () => {
    let one: TestApp;
    let two: TestApp;
    beforeAll(async () => {
      const env = { BULK_RATE_LIMIT: '4', BULK_CONCURRENCY_LIMIT: '1', LOGIN_FAILURES_PER_USER: '3', LOGIN_FAILURES_PER_ADDRESS: '0' };
      one = await createTestApp(env);
      two = await createTestApp(env);
    });
    afterAll(async () => {
      await Promise.all([one?.close(), two?.close()]);
    });

    it('the rate limit of a brand counts the requests of both', async () => {
      const { token } = await brandWithToken(one.dataSource, one.http, { contacts: ['c1'] });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await bulk(i % 2 ? two : one, token, insertBody('c1'))).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    });

    it('a request in flight on one instance holds the slot against the other', async () => {
      const { brand, token, update } = await brandWithRow(one);
      const [first, second] = await inFlight(
        one,
        brand.id,
        () => update(one),
        () => bulk(two, token, insertBody('c1')).then((r) => r),
      );
      expect(first.status).toBe(200);
      expectRateLimited(second, 1);
      await bulk(two, token, insertBody('c1')).expect(200);
    });

    it('failed logins of a userKey add up across both', async () => {
      const userKey = uniqueKey('nobody');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await loginFrom(i % 2 ? two : one, freshAddress(), { userKey, secret: 'guess' })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    });
  });
} else {
  describe('limits shared by two instances on one PostgreSQL', () => {
    it('need a PostgreSQL server (TEST_DATABASE_URL): the embedded database serves one instance only (DATA_DIR is locked), see the Redis case below', () => {
      expect(serverDatabaseUrl()).toBeUndefined();
    });
  });
}

describe('limits in Redis (REDIS_URL)', () => {
  const prefix = `ce-test-${randomUUID()}:`;
  // a prefix per app: on the embedded database every app has a database of its own, whose brand ids
  // (and so bucket names) repeat; apps that share a prefix share their counters
  let apps = 0;
  const env = () => ({ REDIS_URL, REDIS_KEY_PREFIX: `${prefix}${++apps}:` });
  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  limitsOn('Redis', env);

  describe('shared by two instances', () => {
    let one: TestApp;
    let two: TestApp;
    beforeAll(async () => {
      // two instances that share only Redis: on the embedded database each has a database of its own
      const settings = { ...env(), LOGIN_FAILURES_PER_USER: '3', LOGIN_FAILURES_PER_ADDRESS: '0' };
      one = await createTestApp(settings);
      two = await createTestApp(settings);
    });
    afterAll(async () => {
      await Promise.all([one?.close(), two?.close()]);
    });

    it('failed logins of a userKey add up across both, and nothing is counted in PostgreSQL', async () => {
      const userKey = uniqueKey('nobody');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await loginFrom(i % 2 ? two : one, freshAddress(), { userKey, secret: 'guess' })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect(await one.dataSource.query('SELECT 1 FROM rate_limit_bucket WHERE bucket = $1', [`login:user:${userKey}`])).toEqual([]);
    });
  });
});

describe('the limits in the API document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(['/rest/bulk/contact_extensions', '/rest/bulk/contacts'])(
    'POST %s documents its 429 with Retry-After, quoting the defaults the service uses',
    async (path) => {
      const document = (await t.http.get('/docs-json').expect(200)).body;
      const answer = document.paths[path].post.responses['429'];
      expect(answer.headers['Retry-After']).toBeDefined();
      const unset = Object.fromEntries(
        ['BULK_RATE_LIMIT', 'BULK_RATE_WINDOW_SECONDS', 'BULK_CONCURRENCY_LIMIT'].map((name) => [name, process.env[name]]),
      );
      for (const name of Object.keys(unset)) delete process.env[name];
      let defaults: ReturnType<typeof reliabilityConfig>;
      try {
        defaults = reliabilityConfig();
      } finally {
        for (const [name, value] of Object.entries(unset)) if (value !== undefined) process.env[name] = value;
      }
      expect(answer.description).toContain(`BULK_CONCURRENCY_LIMIT, default ${defaults.bulkConcurrencyLimit})`);
      expect(answer.description).toContain(`default ${defaults.bulkRateLimit} per ${defaults.bulkRateWindowSeconds} seconds`);
    },
  );
});
