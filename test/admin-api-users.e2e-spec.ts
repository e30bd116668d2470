import { PERMISSIONS } from '../src/auth/permissions';
import { call } from './support/admin';
import { brandWithToken, createApiUser, login } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { FORBIDDEN_BODY, UNAUTHENTICATED_BODY } from './support/tokens';

/** API users (Brand.Manage): list, create (secret shown once), permissions, disable, enable, rotate, delete. */
describe('admin: API users', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const expectBody = (res: { status: number; body: unknown }, status: number, body: object): void => {
    expect({ status: res.status, body: res.body }).toMatchObject({ status, body });
  };
  const whoAmI = (token: string) => call(t, token, 'get', '/rest/contact_extensions', { query: { contact_key: 'c1' } });
  const USER = {
    id: expect.any(Number),
    userKey: expect.any(String),
    permissions: expect.any(Array),
    active: expect.any(Boolean),
    createdAt: expect.any(String),
    updatedAt: expect.any(String),
  };

  it('lists the users of the brand without their secrets', async () => {
    const { brand, user, token } = await brandWithToken(t.dataSource, t.http);
    const second = await createApiUser(t.dataSource, brand.id, { permissions: ['ContactExtensions.Read'], active: false });
    const res = await call(t, token, 'get', '/admin/api-users').expect(200);
    expect(res.body.items).toEqual([
      { ...USER, id: user.id, userKey: user.userKey, permissions: [...PERMISSIONS], active: true },
      { ...USER, id: second.id, userKey: second.userKey, permissions: ['ContactExtensions.Read'], active: false },
    ]);
    expect(JSON.stringify(res.body)).not.toMatch(/secret|scrypt/i);
  });

  it('creates a user whose secret is shown once, in the creation answer, and logs in with it', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http);
    const created = await call(t, token, 'post', '/admin/api-users', {
      body: { userKey: `crm-${Date.now()}`, permissions: ['ContactExtensions.Read', 'Brand.Read'] },
    }).expect(201);
    expect(created.body).toEqual({
      ...USER,
      userKey: expect.stringMatching(/^crm-/),
      permissions: ['ContactExtensions.Read', 'Brand.Read'],
      active: true,
      secret: expect.any(String),
    });
    expect(created.body.secret.length).toBeGreaterThanOrEqual(40);
    const stored: { secret_hash: string }[] = await t.dataSource.query('SELECT secret_hash FROM api_user WHERE id = $1', [created.body.id]);
    expect(stored[0].secret_hash).toMatch(/^scrypt\$/);
    expect(stored[0].secret_hash).not.toContain(created.body.secret);
    const newToken = await login(t.http, { userKey: created.body.userKey, secret: created.body.secret });
    await whoAmI(newToken).expect(200);
    // never shown again
    const again = await call(t, token, 'get', `/admin/api-users/${created.body.id}`).expect(200);
    expect(again.body.secret).toBeUndefined();
  });

  it('refuses a taken userKey with 409 API_USER_EXISTS, also when another brand has it', async () => {
    const a = await brandWithToken(t.dataSource, t.http);
    const b = await brandWithToken(t.dataSource, t.http);
    const res = await call(t, b.token, 'post', '/admin/api-users', { body: { userKey: a.user.userKey, permissions: [] } }).expect(409);
    expect(res.body).toMatchObject({ statusCode: 409, code: 'API_USER_EXISTS' });
  });

  it.each([
    ['an unknown permission', { userKey: 'u-x', permissions: ['Everything'] }],
    ['a permission twice', { userKey: 'u-x', permissions: ['Brand.Read', 'Brand.Read'] }],
    ['no permissions list', { userKey: 'u-x' }],
    ['a userKey with spaces', { userKey: 'u x', permissions: [] }],
    ['a secret chosen by the client', { userKey: 'u-x', permissions: [], secret: 'mine' }],
  ])('refuses %s with 400 INVALID_REQUEST', async (_, body) => {
    const { token } = await brandWithToken(t.dataSource, t.http);
    const res = await call(t, token, 'post', '/admin/api-users', { body }).expect(400);
    expect(res.body).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it("changes a user's permissions, effective for the tokens it already has", async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const other = await createApiUser(t.dataSource, brand.id, { permissions: ['ContactExtensions.Read'] });
    const otherToken = await login(t.http, other);
    await whoAmI(otherToken).expect(200);
    const res = await call(t, token, 'patch', `/admin/api-users/${other.id}`, {
      body: { permissions: ['Brand.Read', 'Contacts.Read'] },
    }).expect(200);
    expect(res.body.permissions).toEqual(['Contacts.Read', 'Brand.Read']);
    expectBody(await whoAmI(otherToken), 403, FORBIDDEN_BODY);
  });

  it('disabling stops the user at once (login and tokens); enabling lets it log in again but does not revive old tokens', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const other = await createApiUser(t.dataSource, brand.id, { permissions: ['ContactExtensions.Read'] });
    const oldToken = await login(t.http, other);
    expect((await call(t, token, 'post', `/admin/api-users/${other.id}/disable`).expect(200)).body).toMatchObject({
      id: other.id,
      active: false,
    });
    expectBody(await whoAmI(oldToken), 401, UNAUTHENTICATED_BODY);
    await t.http.post('/rest/login').send({ userKey: other.userKey, secret: other.secret }).expect(401);
    expect((await call(t, token, 'post', `/admin/api-users/${other.id}/enable`).expect(200)).body).toMatchObject({ active: true });
    expectBody(await whoAmI(oldToken), 401, UNAUTHENTICATED_BODY);
    await whoAmI(await login(t.http, other)).expect(200);
  });

  it('rotating the secret shows the new one once; the old secret and old tokens stop working at once', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const other = await createApiUser(t.dataSource, brand.id, { permissions: ['ContactExtensions.Read'] });
    const oldToken = await login(t.http, other);
    const rotated = await call(t, token, 'post', `/admin/api-users/${other.id}/rotate-secret`).expect(200);
    expect(rotated.body).toEqual({ ...USER, id: other.id, userKey: other.userKey, active: true, secret: expect.any(String) });
    expect(rotated.body.secret).not.toBe(other.secret);
    expectBody(await whoAmI(oldToken), 401, UNAUTHENTICATED_BODY);
    await t.http.post('/rest/login').send({ userKey: other.userKey, secret: other.secret }).expect(401);
    await whoAmI(await login(t.http, { userKey: other.userKey, secret: rotated.body.secret })).expect(200);
  });

  it('deleting a user stops its tokens at once; the caller cannot delete, disable or demote itself', async () => {
    const { brand, user, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const other = await createApiUser(t.dataSource, brand.id, { permissions: ['ContactExtensions.Read'] });
    const otherToken = await login(t.http, other);
    await call(t, token, 'delete', `/admin/api-users/${other.id}`).expect(204);
    expectBody(await whoAmI(otherToken), 401, UNAUTHENTICATED_BODY);
    await call(t, token, 'get', `/admin/api-users/${other.id}`).expect(404);
    await call(t, token, 'delete', `/admin/api-users/${other.id}`).expect(404);

    for (const [method, path, body] of [
      ['delete', `/admin/api-users/${user.id}`, undefined],
      ['post', `/admin/api-users/${user.id}/disable`, undefined],
      ['patch', `/admin/api-users/${user.id}`, { permissions: ['Brand.Read'] }],
    ] as const) {
      const res = await call(t, token, method, path, body ? { body } : undefined).expect(409);
      expect(res.body).toMatchObject({ code: 'API_USER_SELF_LOCKOUT' });
    }
    await whoAmI(token).expect(200);
  });

  it("gives another brand's user nothing: not listed, and 404 to read, change, disable, enable, rotate or delete", async () => {
    const a = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const victim = await createApiUser(t.dataSource, a.brand.id, { permissions: ['ContactExtensions.Read'] });
    const victimToken = await login(t.http, victim);
    const b = await brandWithToken(t.dataSource, t.http);
    const list = await call(t, b.token, 'get', '/admin/api-users').expect(200);
    expect(list.body.items.map((u: { id: number }) => u.id)).toEqual([b.user.id]);
    await call(t, b.token, 'get', `/admin/api-users/${victim.id}`).expect(404);
    await call(t, b.token, 'patch', `/admin/api-users/${victim.id}`, { body: { permissions: [] } }).expect(404);
    await call(t, b.token, 'post', `/admin/api-users/${victim.id}/disable`).expect(404);
    await call(t, b.token, 'post', `/admin/api-users/${victim.id}/enable`).expect(404);
    const rotate = await call(t, b.token, 'post', `/admin/api-users/${victim.id}/rotate-secret`).expect(404);
    expect(rotate.body.secret).toBeUndefined();
    await call(t, b.token, 'delete', `/admin/api-users/${victim.id}`).expect(404);
    // untouched
    await whoAmI(victimToken).expect(200);
    expect((await call(t, a.token, 'get', `/admin/api-users/${victim.id}`).expect(200)).body).toMatchObject({
      active: true,
      permissions: ['ContactExtensions.Read'],
    });
  });

  it('answers 404 NOT_FOUND to an id that is not a positive 32-bit integer, on every route', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http);
    for (const id of ['abc', '0', '-1', '1.5', '1e3', '2147483648', '99999999999']) {
      for (const [method, path, body] of [
        ['get', `/admin/api-users/${id}`],
        ['patch', `/admin/api-users/${id}`, { permissions: [] }],
        ['post', `/admin/api-users/${id}/disable`],
        ['post', `/admin/api-users/${id}/enable`],
        ['post', `/admin/api-users/${id}/rotate-secret`],
        ['delete', `/admin/api-users/${id}`],
      ] as const) {
        const res = await call(t, token, method, path, body ? { body } : undefined).expect(404);
        expect(res.body).toMatchObject({ code: 'NOT_FOUND', message: 'No such API user in your brand.' });
      }
    }
  });

  it('needs Brand.Manage for every API user route (Brand.Read is not enough)', async () => {
    const { brand, user } = await brandWithToken(t.dataSource, t.http);
    const token = await login(
      t.http,
      await createApiUser(t.dataSource, brand.id, { permissions: PERMISSIONS.filter((p) => p !== 'Brand.Manage') }),
    );
    for (const [method, path] of [
      ['get', '/admin/api-users'],
      ['get', `/admin/api-users/${user.id}`],
      ['post', '/admin/api-users'],
      ['patch', `/admin/api-users/${user.id}`],
      ['post', `/admin/api-users/${user.id}/disable`],
      ['post', `/admin/api-users/${user.id}/enable`],
      ['post', `/admin/api-users/${user.id}/rotate-secret`],
      ['delete', `/admin/api-users/${user.id}`],
    ] as const) {
      expectBody(await call(t, token, method, path), 403, FORBIDDEN_BODY);
    }
  });
});
