import request from 'supertest';
import { QueryFailedError } from 'typeorm';
import { ContactExtensionsRepository } from '../src/contact-extensions/contact-extensions.repository';
import { BULK_PATH } from './support/bulk';
import { brandWithToken, createApiUser, createBrand, login } from './support/factories';
import { createTestApp, TEST_JWT_SECRET, TestApp } from './support/test-app';

/*
 * Security misconfiguration (OWASP API8, docs/SECURITY.md): the headers helmet sets, no
 * X-Powered-By, CORS closed unless CORS_ORIGINS names an origin, internal and SQL errors answered
 * without their stack trace or SQL, and no token, secret or address in the request log.
 */

jest.setTimeout(60_000);

const FOREIGN_ORIGIN = 'https://evil.example.net';
const ADMIN_ORIGIN = 'https://admin.example.com';
const METRICS_TOKEN = 'metrics-token-for-the-security-test';

describe('security headers, CORS and what answers and logs never show', () => {
  let t: TestApp;
  let token: string;
  /** what the service wrote to stdout while `capturing` */
  let captured = '';
  let capturing = false;
  let restoreStdout: () => void = () => undefined;

  beforeAll(async () => {
    // pino writes through process.stdout.write (instead of straight to file descriptor 1) when that has
    // been replaced before the logger is built. nestjs-pino keeps one logger per process, built by the
    // first app: so the interception goes in first, the first app logs at info, and the lines of the
    // whole file are swallowed (quiet), those of the log test kept.
    const original = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (capturing) captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
    restoreStdout = () => {
      process.stdout.write = original;
    };
    t = await createTestApp({ LOG_LEVEL: 'info' });
    ({ token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] }));
  });
  afterAll(async () => {
    await t?.close();
    restoreStdout();
  });

  describe('with the default configuration', () => {
    const bulkBody = {
      columns: ['contact_key', 'address'],
      contactDatas: [{ contact_key: 'c1', address: 'a@b.com' }],
      throwOnError: false,
    };
    // closures: t and token exist only once beforeAll has run
    const answers: [string, () => request.Test][] = [
      ['a public route (GET /health/live)', () => t.http.get('/health/live')],
      ['a refused login (401)', () => t.http.post('/rest/login').send({ userKey: 'nobody', secret: 'wrong' })],
      ['an authenticated bulk upsert (200)', () => t.http.post(BULK_PATH).set('Authorization', `Bearer ${token}`).send(bulkBody)],
      ['an unknown route (404)', () => t.http.get('/no/such/route')],
      [
        'a body that is no JSON (400)',
        () => t.http.post(BULK_PATH).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send('{'),
      ],
    ];

    it.each(answers)('%s carries the helmet headers and no X-Powered-By', async (_label, send) => {
      const res = await send();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const csp = res.headers['content-security-policy'] ?? '';
      for (const directive of ["default-src 'self'", "object-src 'none'", 'frame-ancestors', "script-src 'self'"])
        expect(csp).toContain(directive);
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('CORS is closed: no Access-Control-Allow-Origin for a foreign origin, on a request or a preflight', async () => {
      const simple = await t.http.get('/health/live').set('Origin', FOREIGN_ORIGIN);
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await t.http
        .options(BULK_PATH)
        .set('Origin', FOREIGN_ORIGIN)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
      expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
    });

    it('GET /metrics does not exist without METRICS_TOKEN (404), not even for a valid API token', async () => {
      expect((await t.http.get('/metrics')).status).toBe(404);
      expect((await t.http.get('/metrics').set('Authorization', `Bearer ${token}`)).status).toBe(404);
    });

    it('an internal error with SQL in it is answered 500 INTERNAL_ERROR without stack trace, SQL, parameters or driver message', async () => {
      const sql = 'SELECT e.id FROM master_contact_extensions e WHERE e.brand_id = $1 AND e.address = ANY($2::text[])';
      const driverError = Object.assign(new Error('relation "master_contact_extensions" does not exist'), { code: '42P01' });
      const spy = jest
        .spyOn(ContactExtensionsRepository.prototype, 'lookup')
        .mockRejectedValue(new QueryFailedError(sql, [1, ['leaked.address@example.com']], driverError));
      try {
        const res = await t.http
          .post(BULK_PATH)
          .set('Authorization', `Bearer ${token}`)
          .send({ columns: ['contact_key', 'address'], contactDatas: [{ contact_key: 'c1', address: 'a@b.com' }] });
        expect(spy).toHaveBeenCalled();
        const { requestId, ...body } = res.body as Record<string, unknown>;
        expect({ status: res.status, body }).toEqual({
          status: 500,
          body: { statusCode: 500, code: 'INTERNAL_ERROR', message: 'An unexpected error occurred.' },
        });
        expect(typeof requestId).toBe('string');
        expect(res.headers['x-request-id']).toBe(requestId);
        for (const leak of [
          'SELECT',
          'master_contact_extensions',
          'leaked.address',
          'relation',
          '42P01',
          'QueryFailedError',
          '    at ',
          '.ts:',
        ]) {
          expect({ leak, found: res.text.includes(leak) }).toEqual({ leak, found: false });
        }
      } finally {
        spy.mockRestore();
      }
    });

    it('a thrown TypeError is answered 500 INTERNAL_ERROR without its message or stack', async () => {
      const spy = jest.spyOn(ContactExtensionsRepository.prototype, 'lookup').mockImplementation(() => {
        throw new TypeError("Cannot read properties of undefined (reading 'secretInternalField')");
      });
      try {
        const res = await t.http
          .post(BULK_PATH)
          .set('Authorization', `Bearer ${token}`)
          .send({ columns: ['contact_key', 'address'], contactDatas: [{ contact_key: 'c1', address: 'a@b.com' }] });
        expect(res.status).toBe(500);
        expect(res.body).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'An unexpected error occurred.' });
        expect(res.text).not.toContain('secretInternalField');
        expect(res.text).not.toContain('TypeError');
        expect(res.text).not.toContain('    at ');
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('the request log at LOG_LEVEL=info', () => {
    it('shows every request (method, path, status) but no token, secret, JWT secret, Authorization header or address', async () => {
      const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
      const user = await createApiUser(t.dataSource, brand.id);
      captured = '';
      capturing = true;
      const addresses = [
        'Secret.Person@Example.com',
        '+90 535 765 43 21',
        '905357654321',
        'secret.person@example.com',
        'not-an-address@@x',
      ];

      // a refused login (wrong secret), a good one, a bulk upsert with good and bad records, a forged token
      await t.http
        .post('/rest/login')
        .send({ userKey: user.userKey, secret: `${user.secret}-wrong` })
        .expect(401);
      const token = await login(t.http, user);
      const res = await t.http
        .post(BULK_PATH)
        .set('Authorization', `Bearer ${token}`)
        .send({
          columns: ['contact_key', 'address', 'channel'],
          insertIfNotExists: true,
          throwOnError: false,
          contactDatas: [
            { contact_key: 'c1', address: addresses[0], channel: 'E' },
            { contact_key: 'c1', address: addresses[1], channel: 'S' },
            { contact_key: 'c1', address: addresses[4], channel: 'E' },
          ],
        });
      expect(res.body).toMatchObject({ inserted: 2, failed: 1 });
      await t.http.get('/rest/contact_extensions').query({ contact_key: 'c1' }).set('Authorization', `Bearer ${token}`).expect(200);
      await t.http.get('/rest/contact_extensions').query({ contact_key: 'c1' }).set('Authorization', `Bearer ${token}x`).expect(401);
      // bodies the parser refuses: the body parser runs after the request logger, so these are logged too
      await t.http.post(BULK_PATH).set('Content-Type', 'application/json').send('{"columns": [').expect(400);
      await t.http
        .post(BULK_PATH)
        .set('Content-Type', 'application/json')
        .send(`{"x":"${'a'.repeat(6 * 1024 * 1024)}"}`)
        .expect(413);
      // pino may write asynchronously
      await new Promise((resolve) => setTimeout(resolve, 200));
      capturing = false;
      const output = captured;

      const lines = output.split('\n').filter((line) => line.trim().length > 0);
      const requestLines = lines.filter((line) => /"(method|path)"/.test(line));
      expect(requestLines.some((l) => l.includes('/rest/login') && l.includes('"statusCode":200'))).toBe(true);
      expect(requestLines.some((l) => l.includes('/rest/login') && l.includes('"statusCode":401'))).toBe(true);
      expect(requestLines.some((l) => l.includes('/rest/bulk/contact_extensions') && l.includes('"statusCode":200'))).toBe(true);
      expect(requestLines.some((l) => l.includes('/rest/contact_extensions') && l.includes('"statusCode":401'))).toBe(true);
      expect(requestLines.some((l) => l.includes('/rest/bulk/contact_extensions') && l.includes('"statusCode":400'))).toBe(true);
      expect(requestLines.some((l) => l.includes('/rest/bulk/contact_extensions') && l.includes('"statusCode":413'))).toBe(true);

      const secrets = {
        secret: user.secret,
        wrongSecret: `${user.secret}-wrong`,
        token,
        tokenSignature: token.split('.')[2],
        jwtSecret: TEST_JWT_SECRET,
        bearer: 'Bearer ',
        authorizationHeader: 'authorization',
        queryString: 'contact_key=c1',
      };
      const found = Object.entries(secrets).filter(([, value]) => output.toLowerCase().includes(value.toLowerCase()));
      expect(found.map(([name]) => name)).toEqual([]);
      const foundAddresses = addresses.filter((a) => output.toLowerCase().includes(a.toLowerCase()));
      expect(foundAddresses).toEqual([]);
    });
  });

  // last: an app built in this process takes over passport's strategy registry, which is process-wide
  describe(`with CORS_ORIGINS=${ADMIN_ORIGIN} and METRICS_TOKEN set`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ CORS_ORIGINS: ADMIN_ORIGIN, METRICS_TOKEN });
    });
    afterAll(async () => {
      await t.close();
    });

    it('the configured origin gets Access-Control-Allow-Origin, on a request and a preflight, with the request id exposed', async () => {
      const simple = await t.http.get('/health/live').set('Origin', ADMIN_ORIGIN);
      expect(simple.headers['access-control-allow-origin']).toBe(ADMIN_ORIGIN);
      expect(simple.headers['access-control-expose-headers']).toContain('X-Request-Id');
      const preflight = await t.http
        .options(BULK_PATH)
        .set('Origin', ADMIN_ORIGIN)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(ADMIN_ORIGIN);
      expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    });

    it('GET /metrics answers only to Bearer METRICS_TOKEN: 401 without it, with another token or an API token', async () => {
      expect((await t.http.get('/metrics')).status).toBe(401);
      expect((await t.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`)).status).toBe(401);
      expect((await t.http.get('/metrics').set('Authorization', `Bearer ${token}`)).status).toBe(401);
      expect((await t.http.get('/metrics').set('Authorization', METRICS_TOKEN)).status).toBe(401);
      const ok = await t.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('http_request_duration_seconds');
    });

    it('another origin still gets no Access-Control-Allow-Origin', async () => {
      const simple = await t.http.get('/health/live').set('Origin', FOREIGN_ORIGIN);
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await t.http.options(BULK_PATH).set('Origin', FOREIGN_ORIGIN).set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
