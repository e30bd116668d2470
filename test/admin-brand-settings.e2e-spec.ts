import { PERMISSIONS } from '../src/auth/permissions';
import { call, bulkExtensions } from './support/admin';
import { brandWithToken, createApiUser, extensionsOf, insertExtensions, login } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { FORBIDDEN_BODY } from './support/tokens';
import { ALL_COLUMNS } from './support/bulk';

const forbidden = (res: { status: number; body: unknown }): void => {
  expect(res.status).toBe(403);
  expect(res.body).toMatchObject(FORBIDDEN_BODY);
};

/** Brand configuration: GET/PATCH /admin/brand and /admin/extension-types (Brand.Read / Brand.Manage). */
describe('admin: brand settings and extension types', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const typesOf = async (token: string) =>
    (await call(t, token, 'get', '/admin/extension-types').expect(200)).body.items as {
      id: number;
      name: string;
      channel: string;
      columnOrder: number;
      extensionCount: number;
    }[];
  const typeId = async (token: string, channel: string, name: string): Promise<number> =>
    (await typesOf(token)).find((x) => x.channel === channel && x.name === name)!.id;

  describe('GET/PATCH /admin/brand', () => {
    it('shows the caller brand, its name and enabled columns', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      const res = await call(t, token, 'get', '/admin/brand').expect(200);
      expect(res.body).toEqual({
        key: brand.key,
        name: brand.key,
        extensionColumns: ALL_COLUMNS,
        createdAt: expect.stringMatching(/Z$/),
        updatedAt: expect.stringMatching(/Z$/),
      });
    });

    it('changes the name and the enabled columns (stored in canonical order), effective on the next bulk request', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const res = await call(t, token, 'patch', '/admin/brand', {
        body: { name: 'Acme Europe', extensionColumns: ['permission', 'address', 'contact_key'] },
      }).expect(200);
      expect(res.body).toMatchObject({ name: 'Acme Europe', extensionColumns: ['contact_key', 'address', 'permission'] });
      const refused = await bulkExtensions(t, token, {
        columns: ['contact_key', 'address', 'channel'],
        insertIfNotExists: true,
        contactDatas: [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }],
      }).expect(400);
      expect(refused.body).toMatchObject({ code: 'INVALID_REQUEST', message: 'column channel is not enabled for your brand' });
    });

    it('keeps updated_at when nothing changes', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const before = (await call(t, token, 'get', '/admin/brand').expect(200)).body;
      const after = (
        await call(t, token, 'patch', '/admin/brand', { body: { name: before.name, extensionColumns: [...ALL_COLUMNS].reverse() } }).expect(
          200,
        )
      ).body;
      expect(after.updatedAt).toBe(before.updatedAt);
    });

    it.each([
      [{ extensionColumns: ['contact_key', 'channel'] }, 'extensionColumns must contain contact_key and address (they cannot be disabled)'],
      [
        { extensionColumns: ['contact_key', 'address', 'colour'] },
        'each of extensionColumns must be one of contact_key, address, channel, name, permission',
      ],
      [{ extensionColumns: ['contact_key', 'address', 'address'] }, 'extensionColumns must not name a column twice'],
      [{ name: '   ' }, 'name must not be blank'],
      // found by a sweep of the admin routes: a 500 (NUL), or U+FFFD stored (unpaired surrogate)
      [{ name: 'Acme\u0000' }, 'name must not contain a NUL character or an unpaired surrogate'],
      [{ name: '\u0645\udfff' }, 'name must not contain a NUL character or an unpaired surrogate'],
      [{ key: 'other' }, 'unknown property key'],
    ])('refuses %j with 400 INVALID_REQUEST and changes nothing', async (body, message) => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const before = (await call(t, token, 'get', '/admin/brand').expect(200)).body;
      const res = await call(t, token, 'patch', '/admin/brand', { body }).expect(400);
      expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', message });
      expect((await call(t, token, 'get', '/admin/brand').expect(200)).body).toEqual(before);
    });

    it('lets Brand.Read read but not change the brand', async () => {
      const { brand } = await brandWithToken(t.dataSource, t.http);
      const token = await login(t.http, await createApiUser(t.dataSource, brand.id, { permissions: ['Brand.Read'] }));
      await call(t, token, 'get', '/admin/brand').expect(200);
      forbidden(await call(t, token, 'patch', '/admin/brand', { body: { name: 'x' } }));
      forbidden(await call(t, token, 'post', '/admin/extension-types', { body: { name: 'X', channel: 'E' } }));
    });

    it("shows and changes only the caller's own brand", async () => {
      const a = await brandWithToken(t.dataSource, t.http);
      const b = await brandWithToken(t.dataSource, t.http);
      expect((await call(t, b.token, 'get', '/admin/brand').expect(200)).body.key).toBe(b.brand.key);
      await call(t, b.token, 'patch', '/admin/brand', { body: { name: 'B renamed' } }).expect(200);
      expect((await call(t, a.token, 'get', '/admin/brand').expect(200)).body.name).toBe(a.brand.key);
    });
  });

  describe('/admin/extension-types', () => {
    it('lists the types by columnOrder with how many extensions carry each', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
      await insertExtensions(t.dataSource, brand.id, [
        { contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email' },
        { contact_key: 'c2', address: 'c@d.com', channel: 'E', name: 'Work Email' },
        { contact_key: 'c2', address: '905351234567', channel: 'S', name: 'Mobile' },
      ]);
      expect((await typesOf(token)).map((x) => [x.channel, x.name, x.columnOrder, x.extensionCount])).toEqual([
        ['E', 'Work Email', 1, 2],
        ['E', 'Personal Email', 2, 0],
        ['S', 'Mobile', 3, 1],
        ['W', 'WhatsApp', 4, 0],
      ]);
      const one = await call(t, token, 'get', `/admin/extension-types/${await typeId(token, 'S', 'Mobile')}`).expect(200);
      expect(one.body).toMatchObject({ name: 'Mobile', channel: 'S', extensionCount: 1 });
    });

    it('creates a type after the last one by default; (channel, name) is unique: 409 EXTENSION_TYPE_EXISTS', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const created = await call(t, token, 'post', '/admin/extension-types', { body: { name: 'Home', channel: 'S' } }).expect(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        name: 'Home',
        channel: 'S',
        columnOrder: 5,
        extensionCount: 0,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      await call(t, token, 'post', '/admin/extension-types', { body: { name: 'Home', channel: 'W', columnOrder: 0 } }).expect(201);
      const dup = await call(t, token, 'post', '/admin/extension-types', { body: { name: 'Home', channel: 'S' } }).expect(409);
      expect(dup.body).toMatchObject({ statusCode: 409, code: 'EXTENSION_TYPE_EXISTS' });
    });

    it.each([
      ['an unknown channel', { name: 'X', channel: 'Q' }, 'channel must be one of E, S, W'],
      ['no name', { channel: 'E' }, 'name is required'],
      ['a name over 100 characters', { name: 'x'.repeat(101), channel: 'E' }, 'name must be 1 to 100 characters'],
      ['a fractional columnOrder', { name: 'X', channel: 'E', columnOrder: 1.5 }, 'columnOrder must be an integer'],
      ['a columnOrder given as a string', { name: 'X', channel: 'E', columnOrder: '2' }, 'columnOrder must be an integer'],
      ['a columnOrder given as a boolean', { name: 'X', channel: 'E', columnOrder: true }, 'columnOrder must be an integer'],
      [
        'a columnOrder out of range',
        { name: 'X', channel: 'E', columnOrder: 1_000_001 },
        'columnOrder must be between -1000000 and 1000000',
      ],
      // found by a sweep of the admin routes: a 500 (NUL), or U+FFFD stored (unpaired surrogate)
      [
        'a NUL character in the name',
        { name: 'Work\u0000Email', channel: 'E' },
        'name must not contain a NUL character or an unpaired surrogate',
      ],
      [
        'an unpaired surrogate in the name',
        { name: '\u0645\udfff', channel: 'E' },
        'name must not contain a NUL character or an unpaired surrogate',
      ],
    ])('refuses to create a type with %s (400)', async (_, body, message) => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const res = await call(t, token, 'post', '/admin/extension-types', { body }).expect(400);
      expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', message });
    });

    it.each([
      ['a NUL character', 'Work\u0000Email'],
      ['an unpaired surrogate', '\u0645\udfff'],
    ])('refuses a rename to a name with %s (400) and changes nothing (found by a sweep of the admin routes)', async (_, name) => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const id = await typeId(token, 'E', 'Work Email');
      const res = await call(t, token, 'patch', `/admin/extension-types/${id}`, { body: { name } }).expect(400);
      expect(res.body).toMatchObject({
        code: 'INVALID_REQUEST',
        message: 'name must not contain a NUL character or an unpaired surrogate',
      });
      expect((await call(t, token, 'get', `/admin/extension-types/${id}`).expect(200)).body).toMatchObject({ name: 'Work Email' });
    });

    it('renames a type on every extension that carries it, in the same transaction, and logs the operation', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
      const other = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await insertExtensions(t.dataSource, brand.id, [
        { contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email' },
        { contact_key: 'c2', address: 'c@d.com', channel: 'E', name: 'Work Email' },
        { contact_key: 'c2', address: 'e@f.com', channel: 'E', name: 'Personal Email' },
      ]);
      await insertExtensions(t.dataSource, other.brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email' }]);
      const id = await typeId(token, 'E', 'Work Email');
      const res = await call(t, token, 'patch', `/admin/extension-types/${id}`, {
        body: { name: 'Business Email', columnOrder: 9 },
      }).expect(200);
      expect(res.body).toMatchObject({ id, name: 'Business Email', channel: 'E', columnOrder: 9, extensionCount: 2 });
      expect((await extensionsOf(t.dataSource, brand.id)).map((e) => e.name)).toEqual([
        'Business Email',
        'Business Email',
        'Personal Email',
      ]);
      expect((await extensionsOf(t.dataSource, other.brand.id)).map((e) => e.name)).toEqual(['Work Email']);

      const old = await bulkExtensions(t, token, {
        columns: ['contact_key', 'address', 'name'],
        contactDatas: [{ contact_key: 'c1', address: 'a@b.com', name: 'Work Email' }],
        throwOnError: false,
      }).expect(200);
      expect(old.body.errors).toEqual([expect.objectContaining({ code: 'UNKNOWN_EXTENSION_TYPE', field: 'name' })]);

      const ops = (await call(t, token, 'get', '/admin/operations', { query: { kind: 'extension_types.rename' } }).expect(200)).body.items;
      expect(ops).toEqual([expect.objectContaining({ kind: 'extension_types.rename', total: 2, updated: 2 })]);
    });

    it('moves updated_at of the extensions a rename renames, as clearing a type does, and of no other extension', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await insertExtensions(t.dataSource, brand.id, [
        { contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email' },
        { contact_key: 'c1', address: 'c@d.com', channel: 'E', name: 'Personal Email' },
        { contact_key: 'c1', address: 'e@f.com', channel: 'E' },
      ]);
      await t.dataSource.query(`UPDATE master_contact_extensions SET updated_at = '2026-01-01T00:00:00Z' WHERE brand_id = $1`, [brand.id]);
      await call(t, token, 'patch', `/admin/extension-types/${await typeId(token, 'E', 'Work Email')}`, {
        body: { name: 'Business Email' },
      }).expect(200);
      const rows = await extensionsOf(t.dataSource, brand.id);
      const moved = rows.filter((r) => r.updated_at.getTime() > Date.parse('2026-01-01T00:00:00Z')).map((r) => [r.address, r.name]);
      expect(moved).toEqual([['a@b.com', 'Business Email']]);
      // a reorder alone changes no extension
      await call(t, token, 'patch', `/admin/extension-types/${await typeId(token, 'E', 'Personal Email')}`, {
        body: { columnOrder: 7 },
      }).expect(200);
      const after = await extensionsOf(t.dataSource, brand.id);
      expect(after.find((r) => r.address === 'c@d.com')!.updated_at.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    });

    it('refuses a rename to a name the channel already has (409) and changes nothing', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const id = await typeId(token, 'E', 'Work Email');
      const res = await call(t, token, 'patch', `/admin/extension-types/${id}`, { body: { name: 'Personal Email' } }).expect(409);
      expect(res.body).toMatchObject({ code: 'EXTENSION_TYPE_EXISTS' });
      expect((await typesOf(token)).map((x) => x.name)).toContain('Work Email');
      // the same name on another channel is free
      await call(t, token, 'patch', `/admin/extension-types/${id}`, { body: { name: 'Mobile' } }).expect(200);
    });

    it('deletes an unused type; a used one is refused with 409 EXTENSION_TYPE_IN_USE and the count', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await insertExtensions(t.dataSource, brand.id, [
        { contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email' },
        { contact_key: 'c1', address: 'c@d.com', channel: 'E', name: 'Work Email' },
      ]);
      const unused = await typeId(token, 'W', 'WhatsApp');
      expect((await call(t, token, 'delete', `/admin/extension-types/${unused}`).expect(200)).body).toEqual({
        id: unused,
        name: 'WhatsApp',
        channel: 'W',
        clearedExtensions: 0,
      });
      const used = await typeId(token, 'E', 'Work Email');
      const refused = await call(t, token, 'delete', `/admin/extension-types/${used}`).expect(409);
      expect(refused.body).toMatchObject({ statusCode: 409, code: 'EXTENSION_TYPE_IN_USE', count: 2 });
      await call(t, token, 'delete', `/admin/extension-types/${used}`, { query: { clearExtensions: 'false' } }).expect(409);
      expect((await extensionsOf(t.dataSource, brand.id)).map((e) => e.name)).toEqual(['Work Email', 'Work Email']);
      await call(t, token, 'get', `/admin/extension-types/${unused}`).expect(404);
    });

    it('with clearExtensions=true clears the type from its extensions and deletes it, in one transaction', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await insertExtensions(t.dataSource, brand.id, [
        { contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email', permission: true },
        { contact_key: 'c1', address: 'c@d.com', channel: 'E', name: 'Personal Email' },
      ]);
      const id = await typeId(token, 'E', 'Work Email');
      const res = await call(t, token, 'delete', `/admin/extension-types/${id}`, { query: { clearExtensions: 'true' } }).expect(200);
      expect(res.body).toEqual({ id, name: 'Work Email', channel: 'E', clearedExtensions: 1 });
      expect((await extensionsOf(t.dataSource, brand.id)).map((e) => [e.address, e.name, e.permission])).toEqual([
        ['a@b.com', null, true],
        ['c@d.com', 'Personal Email', false],
      ]);
      expect((await typesOf(token)).map((x) => x.name)).not.toContain('Work Email');
      const ops = (await call(t, token, 'get', '/admin/operations', { query: { kind: 'extension_types.delete' } }).expect(200)).body.items;
      expect(ops).toEqual([expect.objectContaining({ total: 1, updated: 1 })]);
    });

    it('answers 404 for an id that is not a type of the brand, and 400 for a bad clearExtensions', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      await call(t, token, 'get', '/admin/extension-types/999999999').expect(404);
      await call(t, token, 'patch', '/admin/extension-types/abc', { body: { columnOrder: 1 } }).expect(404);
      for (const id of ['0', '-1', '1.5', '1e3', '2147483648', '99999999999']) {
        expect((await call(t, token, 'get', `/admin/extension-types/${id}`).expect(404)).body).toMatchObject({ code: 'NOT_FOUND' });
      }
      const id = await typeId(token, 'E', 'Work Email');
      const bad = await call(t, token, 'delete', `/admin/extension-types/${id}`, { query: { clearExtensions: 'yes' } }).expect(400);
      expect(bad.body).toMatchObject({ code: 'INVALID_REQUEST', message: 'clearExtensions must be true or false' });
    });

    it("gives another brand's user nothing of the brand's types: not listed, 404 to read, rename or delete", async () => {
      const a = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await insertExtensions(t.dataSource, a.brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email' }]);
      const b = await brandWithToken(t.dataSource, t.http, { types: [] });
      const id = await typeId(a.token, 'E', 'Work Email');
      expect((await call(t, b.token, 'get', '/admin/extension-types').expect(200)).body.items).toEqual([]);
      await call(t, b.token, 'get', `/admin/extension-types/${id}`).expect(404);
      await call(t, b.token, 'patch', `/admin/extension-types/${id}`, { body: { name: 'Hijacked' } }).expect(404);
      await call(t, b.token, 'delete', `/admin/extension-types/${id}`, { query: { clearExtensions: 'true' } }).expect(404);
      expect((await typesOf(a.token)).find((x) => x.id === id)).toMatchObject({ name: 'Work Email', extensionCount: 1 });
      expect((await extensionsOf(t.dataSource, a.brand.id))[0].name).toBe('Work Email');
      // a type of the same name in B is B's own
      await call(t, b.token, 'post', '/admin/extension-types', { body: { name: 'Work Email', channel: 'E' } }).expect(201);
    });

    it('needs Brand.Manage to change types and Brand.Read to list them', async () => {
      const { brand } = await brandWithToken(t.dataSource, t.http);
      const others = PERMISSIONS.filter((p) => p !== 'Brand.Manage' && p !== 'Brand.Read');
      const token = await login(t.http, await createApiUser(t.dataSource, brand.id, { permissions: others }));
      forbidden(await call(t, token, 'get', '/admin/extension-types'));
      forbidden(await call(t, token, 'patch', '/admin/extension-types/1', { body: { name: 'x' } }));
      forbidden(await call(t, token, 'delete', '/admin/extension-types/1'));
    });
  });
});
