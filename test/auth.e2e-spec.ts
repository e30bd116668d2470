import { parseSeedFile } from '../src/seed/seed-file';
import { SeedService } from '../src/seed/seed.service';
import { createApiUser, createBrand, extensionsOf, login, TestBrand, TestUser, uniqueKey } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import {
  bearer,
  claimsFor,
  decodeJwt,
  expectErrorAnswer,
  hasHs256Signature,
  nowSeconds,
  signJwt,
  UNAUTHENTICATED_BODY,
  unsignedJwt,
} from './support/tokens';

/**
 * Contract section 2: login, and the one 401 answer for every token that must not be trusted.
 */
describe('authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function userOfNewBrand(options: { active?: boolean } = {}): Promise<{ brand: TestBrand; user: TestUser }> {
    const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
    const user = await createApiUser(t.dataSource, brand.id, options);
    return { brand, user };
  }

  describe('POST /rest/login', () => {
    it('answers 200 with access_token, token_type Bearer and expires_in 3600 (the default)', async () => {
      const { user } = await userOfNewBrand();
      const res = await t.http.post('/rest/login').send({ userKey: user.userKey, secret: user.secret }).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    });

    it('issues a JWT signed HS256 with JWT_SECRET that expires expires_in seconds after it was issued', async () => {
      const { brand, user } = await userOfNewBrand();
      const before = nowSeconds();
      const token = await login(t.http, user);
      const { header, payload } = decodeJwt(token);
      expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(hasHs256Signature(token)).toBe(true);
      // the claims name the user and nothing secret: no secret, hash or permissions in a readable token
      expect(Object.keys(payload).sort()).toEqual(['brand', 'exp', 'iat', 'sub', 'ver']);
      expect(payload).toMatchObject({ sub: String(user.id), brand: brand.id, ver: 0 });
      expect(payload.exp as number).toBe((payload.iat as number) + 3600);
      expect(payload.iat as number).toBeGreaterThanOrEqual(before - 1);
      expect(payload.iat as number).toBeLessThanOrEqual(nowSeconds() + 1);
    });

    it('issues a token that the protected endpoints accept', async () => {
      const { user } = await userOfNewBrand();
      const token = await login(t.http, user);
      await t.http.get('/rest/contact_extensions?contact_key=c1').set('Authorization', bearer(token)).expect(200, { items: [] });
    });

    it('answers an unknown user, a wrong secret and a disabled user with the same 401 body', async () => {
      const { user } = await userOfNewBrand();
      const { user: disabled } = await userOfNewBrand({ active: false });
      const attempts: [string, { userKey: string; secret: string }][] = [
        ['unknown user', { userKey: uniqueKey('nobody'), secret: user.secret }],
        ['wrong secret', { userKey: user.userKey, secret: `${user.secret}x` }],
        ["another user's secret", { userKey: user.userKey, secret: disabled.secret }],
        ['disabled user', { userKey: disabled.userKey, secret: disabled.secret }],
      ];
      for (const [attempt, body] of attempts) {
        expectErrorAnswer(await t.http.post('/rest/login').send(body), UNAUTHENTICATED_BODY, { attempt });
      }
    });

    it.each([
      ['an empty object', {}],
      ['a body without secret', { userKey: 'someone' }],
      ['a body without userKey', { secret: 'something-secret' }],
      ['a numeric userKey', { userKey: 12345, secret: 'something-secret' }],
      ['a numeric secret', { userKey: 'someone', secret: 12345 }],
      ['a null secret', { userKey: 'someone', secret: null }],
      ['an object as secret', { userKey: 'someone', secret: { $ne: '' } }],
      ['an array as userKey', { userKey: ['someone'], secret: 'something-secret' }],
      ['an array body', [{ userKey: 'someone', secret: 'something-secret' }]],
    ])('answers 400 INVALID_REQUEST to a login body that is %s', async (_, body) => {
      const res = await t.http.post('/rest/login').send(body as object);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST', message: expect.any(String) });
    });

    it('answers 400 INVALID_REQUEST to an extra property, even with the right credentials', async () => {
      const { user } = await userOfNewBrand();
      const res = await t.http.post('/rest/login').send({ userKey: user.userKey, secret: user.secret, brand: 1 });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST' });
    });

    it.each([
      ['invalid JSON', '{"userKey": "someone", "secret": '],
      ['the JSON literal null', 'null'],
      ['a JSON string', '"someone"'],
      ['a JSON number', '42'],
    ])('answers 400 INVALID_REQUEST to a login body that is %s', async (_, raw) => {
      const res = await t.http.post('/rest/login').set('Content-Type', 'application/json').send(raw);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST' });
    });

    it('answers 400 INVALID_REQUEST to a login without a body or with a non-JSON body', async () => {
      const empty = await t.http.post('/rest/login');
      expect(empty.status).toBe(400);
      expect(empty.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST' });
      const text = await t.http.post('/rest/login').set('Content-Type', 'text/plain').send('userKey=someone&secret=x');
      expect(text.status).toBe(400);
      expect(text.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST' });
    });

    it('stores a secret only as a salted hash (an API user loaded through the seed service)', async () => {
      const secret = `a-long-secret-${uniqueKey('s')}`;
      const users = [uniqueKey('hashed'), uniqueKey('hashed')];
      await t.app.get(SeedService).load(
        parseSeedFile({
          brands: [
            {
              key: uniqueKey('brand'),
              apiUsers: users.map((userKey) => ({ userKey, secret, permissions: ['ContactExtensions.Read'] })),
            },
          ],
        }),
      );
      const rows: { secret_hash: string }[] = await t.dataSource.query(
        'SELECT secret_hash FROM api_user WHERE user_key = ANY($1::text[])',
        [users],
      );
      expect(rows).toHaveLength(2);
      for (const { secret_hash } of rows) {
        expect(secret_hash).not.toContain(secret);
        expect(secret_hash).not.toContain(Buffer.from(secret).toString('base64'));
        expect(secret_hash).not.toContain(Buffer.from(secret).toString('hex'));
      }
      // the same secret gives different hashes: they are salted
      expect(rows[0].secret_hash).not.toBe(rows[1].secret_hash);
      // ... and the stored user logs in with the secret
      await login(t.http, { userKey: users[0], secret });
    });
  });

  /**
   * Every way a bearer token can be untrustworthy, each tried on both contact-extension routes.
   * A case returns the Authorization header to send (undefined: none), after changing the
   * database if it needs to (a user disabled or deleted after login).
   */
  type Ctx = { brand: TestBrand; user: TestUser; token: string };
  const badTokens: [string, (ctx: Ctx) => Promise<string | undefined> | string | undefined][] = [
    ['a missing Authorization header', () => undefined],
    ['a token that is not a JWT', () => bearer('not-a-jwt')],
    ['a token of three garbage parts', () => bearer('abc.def.ghi')],
    ['an empty bearer token', () => 'Bearer '],
    ['a valid token under another scheme than Bearer', ({ token }) => `Basic ${token}`],
    ['a token without its signature', ({ token }) => bearer(token.split('.').slice(0, 2).join('.') + '.')],
    [
      'a token signed with another secret',
      ({ user }) => bearer(signJwt(claimsFor(user), { secret: 'another-secret-that-is-at-least-32-characters' })),
    ],
    [
      'a token whose claims were changed after signing',
      ({ token, user }) => {
        const [header, , signature] = token.split('.');
        const forged = Buffer.from(JSON.stringify(claimsFor(user, { ver: 0, exp: nowSeconds() + 86400 }))).toString('base64url');
        return bearer(`${header}.${forged}.${signature}`);
      },
    ],
    ['an alg "none" token', ({ user }) => bearer(unsignedJwt(claimsFor(user)))],
    ['an expired token', ({ user }) => bearer(signJwt(claimsFor(user, { iat: nowSeconds() - 7200, exp: nowSeconds() - 60 })))],
    ['a token without exp', ({ user }) => bearer(signJwt(claimsFor(user, { exp: undefined })))],
    ['a token signed HS512 with the right secret', ({ user }) => bearer(signJwt(claimsFor(user), { alg: 'HS512' }))],
    ['a token signed HS384 with the right secret', ({ user }) => bearer(signJwt(claimsFor(user), { alg: 'HS384' }))],
    ['a token of a user that never existed', ({ user }) => bearer(signJwt(claimsFor({ id: 2_000_000_000, brandId: user.brandId })))],
    ['a token with a non-numeric sub', ({ user }) => bearer(signJwt(claimsFor(user, { sub: 'admin' })))],
    // signed with the right secret, but claims the service never issues: past the integer columns, or no integer at all
    ['a token whose sub is past the range of an id', ({ user }) => bearer(signJwt(claimsFor(user, { sub: '99999999999' })))],
    ['a token whose sub is an id spelled otherwise', ({ user }) => bearer(signJwt(claimsFor(user, { sub: ` ${user.id}.0` })))],
    ['a token whose ver is not an integer', ({ user }) => bearer(signJwt(claimsFor(user, { ver: 0.5 })))],
    ['a token whose ver is past the range of an integer', ({ user }) => bearer(signJwt(claimsFor(user, { ver: 1e300 })))],
    [
      'a token whose ver is negative past the range of an integer',
      ({ user }) => bearer(signJwt(claimsFor(user, { ver: -99_999_999_999 }))),
    ],
    [
      'a token of a user disabled after login',
      async ({ user, token }) => {
        await t.dataSource.query('UPDATE api_user SET active = false WHERE id = $1', [user.id]);
        return bearer(token);
      },
    ],
    [
      'a token of a user deleted after login',
      async ({ user, token }) => {
        await t.dataSource.query('DELETE FROM api_user WHERE id = $1', [user.id]);
        return bearer(token);
      },
    ],
    [
      'a token whose ver no longer matches the token_version of the user',
      async ({ user, token }) => {
        await t.dataSource.query('UPDATE api_user SET token_version = token_version + 1 WHERE id = $1', [user.id]);
        return bearer(token);
      },
    ],
  ];

  const routes: [string, (auth: string | undefined) => Promise<{ status: number; body: unknown }>][] = [
    [
      'POST /rest/bulk/contact_extensions',
      (auth) => {
        const req = t.http.post('/rest/bulk/contact_extensions');
        if (auth !== undefined) req.set('Authorization', auth);
        return req.send({
          columns: ['contact_key', 'address', 'channel'],
          insertIfNotExists: true,
          contactDatas: [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }],
        });
      },
    ],
    [
      'GET /rest/contact_extensions',
      (auth) => {
        const req = t.http.get('/rest/contact_extensions?contact_key=c1');
        if (auth !== undefined) req.set('Authorization', auth);
        return req;
      },
    ],
  ];

  describe.each(routes)('%s', (_, call) => {
    it('accepts a token signed by hand exactly as the app signs it (the control for the cases below)', async () => {
      const { user } = await userOfNewBrand();
      const res = await call(bearer(signJwt(claimsFor(user))));
      expect(res.status).toBe(200);
    });

    it.each(badTokens)('answers 401 UNAUTHENTICATED, and writes nothing, for %s', async (_, authorization) => {
      const { brand, user } = await userOfNewBrand();
      const token = await login(t.http, user);
      const res = await call(await authorization({ brand, user, token }));
      expectErrorAnswer(res, UNAUTHENTICATED_BODY);
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual([]);
    });
  });

  it('revokes every earlier token when token_version is bumped, while a new login is accepted', async () => {
    const { user } = await userOfNewBrand();
    const token = await login(t.http, user);
    await t.dataSource.query('UPDATE api_user SET token_version = token_version + 1 WHERE id = $1', [user.id]);
    expectErrorAnswer(
      await t.http.get('/rest/contact_extensions?contact_key=c1').set('Authorization', bearer(token)),
      UNAUTHENTICATED_BODY,
    );
    // a new login issues a token of the new version, which is accepted
    const fresh = await login(t.http, user);
    expect(decodeJwt(fresh).payload.ver).toBe(1);
    await t.http.get('/rest/contact_extensions?contact_key=c1').set('Authorization', bearer(fresh)).expect(200);
  });
});
