import { PERMISSIONS } from '../src/auth/permissions';
import { allPages, call } from './support/admin';
import { brandWithToken, createApiUser, extensionsOf, insertExtensions, login } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { FORBIDDEN_BODY } from './support/tokens';

/** Extensions for the dashboard: list with filters (ContactExtensions.Read), delete one and in bulk (ContactExtensions.Manage). */
describe('admin: contact extensions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  type Item = { contact_key: string; address: string; channel: string; name: string | null; permission: boolean };
  const keysOf = (items: Item[]) => items.map((i) => `${i.contact_key}|${i.address}`);

  async function seeded() {
    const ctx = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2', 'c3'] });
    await insertExtensions(t.dataSource, ctx.brand.id, [
      { contact_key: 'c2', address: 'b@shop.com', channel: 'E', name: 'Work Email', permission: true },
      { contact_key: 'c1', address: 'z@home.org', channel: 'E', name: 'Personal Email' },
      { contact_key: 'c1', address: '905351234567', channel: 'S', name: 'Mobile', permission: true },
      { contact_key: 'c3', address: '905359876543', channel: 'W' },
      { contact_key: 'c1', address: 'a@shop.com', channel: 'E', name: 'Work Email' },
    ]);
    return ctx;
  }

  describe('GET /admin/contact-extensions', () => {
    it('pages through every extension in a stable order (contact_key, then address)', async () => {
      const { token } = await seeded();
      const first = await call(t, token, 'get', '/admin/contact-extensions', { query: { limit: 2 } }).expect(200);
      expect(keysOf(first.body.items)).toEqual(['c1|905351234567', 'c1|a@shop.com']);
      expect(first.body.items[0]).toEqual({
        contact_key: 'c1',
        address: '905351234567',
        channel: 'S',
        name: 'Mobile',
        permission: true,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        updated_at: expect.stringMatching(/Z$/),
      });
      const { items, pages } = await allPages<Item>(t, token, '/admin/contact-extensions', { limit: 2 });
      expect(keysOf(items)).toEqual(['c1|905351234567', 'c1|a@shop.com', 'c1|z@home.org', 'c2|b@shop.com', 'c3|905359876543']);
      expect(pages).toBe(3);
    });

    it.each([
      ['contact', { contact_key: 'c1' }, ['c1|905351234567', 'c1|a@shop.com', 'c1|z@home.org']],
      ['address substring, lowercased', { address: 'SHOP.com' }, ['c1|a@shop.com', 'c2|b@shop.com']],
      ['address substring given as a phone number', { address: '+90 535 98' }, ['c3|905359876543']],
      ['address with LIKE wildcards taken literally', { address: '%' }, []],
      ['channel', { channel: 'E' }, ['c1|a@shop.com', 'c1|z@home.org', 'c2|b@shop.com']],
      ['type name', { name: 'Work Email' }, ['c1|a@shop.com', 'c2|b@shop.com']],
      ['permission true', { permission: 'true' }, ['c1|905351234567', 'c2|b@shop.com']],
      ['permission false and channel', { permission: 'false', channel: 'E' }, ['c1|a@shop.com', 'c1|z@home.org']],
    ])('filters by %s', async (_, query, expected) => {
      const { token } = await seeded();
      const { items } = await allPages<Item>(t, token, '/admin/contact-extensions', { ...query, limit: 1 });
      expect(keysOf(items)).toEqual(expected);
    });

    it.each([
      [{ channel: 'X' }, 'channel must be one of E, S, W'],
      [{ permission: 'yes' }, 'permission must be true or false'],
      [{ limit: 1000 }, 'limit must be at most 500'],
      [
        { cursor: Buffer.from('["only-one"]').toString('base64url') },
        'cursor is not valid; pass back the next_cursor of the previous page',
      ],
      // found by a sweep of the admin routes: a NUL character was a 500
      [{ contact_key: 'c\u00001' }, 'contact_key must not contain a NUL character or an unpaired surrogate'],
      [{ address: 'shop\u0000' }, 'address must not contain a NUL character or an unpaired surrogate'],
      [{ name: 'Work\u0000' }, 'name must not contain a NUL character or an unpaired surrogate'],
    ])('refuses %j with 400 INVALID_REQUEST', async (query, message) => {
      const { token } = await seeded();
      const res = await call(t, token, 'get', '/admin/contact-extensions', { query }).expect(400);
      expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', message });
    });
  });

  describe('DELETE /admin/contact-extensions', () => {
    it('deletes one extension by contact_key and (canonicalized) address and answers it', async () => {
      const { brand, token } = await seeded();
      const res = await call(t, token, 'delete', '/admin/contact-extensions', {
        query: { contact_key: 'c1', address: '+90 535 123 45 67' },
      }).expect(200);
      expect(res.body).toMatchObject({ contact_key: 'c1', address: '905351234567', channel: 'S', permission: true });
      expect((await extensionsOf(t.dataSource, brand.id)).map((e) => e.address)).not.toContain('905351234567');
      await call(t, token, 'delete', '/admin/contact-extensions', { query: { contact_key: 'c1', address: '905351234567' } }).expect(404);
      const missing = await call(t, token, 'delete', '/admin/contact-extensions', { query: { contact_key: 'c1' } }).expect(400);
      expect(missing.body).toMatchObject({ code: 'INVALID_REQUEST', message: 'address is required' });
    });

    it.each([
      [{ contact_key: 'c1\u0000', address: 'a@shop.com' }, 'contact_key must not contain a NUL character or an unpaired surrogate'],
      [{ contact_key: 'c1', address: 'a@shop.com\u0000' }, 'address must not contain a NUL character or an unpaired surrogate'],
    ])('refuses %j with 400 INVALID_REQUEST and deletes nothing (a NUL character was a 500; found by a sweep)', async (query, message) => {
      const { brand, token } = await seeded();
      const before = await extensionsOf(t.dataSource, brand.id);
      const res = await call(t, token, 'delete', '/admin/contact-extensions', { query }).expect(400);
      expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', message });
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual(before);
    });
  });

  describe('POST /admin/contact-extensions/bulk-delete', () => {
    const bulkDelete = (token: string, body: object) => call(t, token, 'post', '/admin/contact-extensions/bulk-delete', { body });

    it('deletes every listed extension in one go, reporting unknown ones (throwOnError false)', async () => {
      const { brand, token } = await seeded();
      const res = await bulkDelete(token, {
        throwOnError: false,
        contactDatas: [
          { contact_key: 'c1', address: 'A@SHOP.COM' },
          { contact_key: 'c1', address: 'nobody@x.com' },
          { contact_key: 'c2', address: 'b@shop.com' },
          { contact_key: 'c1', address: 'a@shop.com' },
          { contact_key: 'c3', channel: 'W' },
        ],
      }).expect(200);
      expect(res.body).toEqual({
        total: 5,
        deleted: 2,
        skipped: 1,
        failed: 2,
        errors: [
          {
            index: 1,
            contact_key: 'c1',
            address: 'nobody@x.com',
            code: 'EXTENSION_NOT_FOUND',
            message: 'no extension with this contact_key and address',
          },
          { index: 4, contact_key: 'c3', address: null, code: 'UNKNOWN_FIELD', field: 'channel', message: expect.any(String) },
          { index: 4, contact_key: 'c3', address: null, code: 'MISSING_FIELD', field: 'address', message: 'address is required' },
        ],
        warnings: [{ index: 0, contact_key: 'c1', address: 'A@SHOP.COM', code: 'DUPLICATE_IN_REQUEST', message: expect.any(String) }],
      });
      expect((await extensionsOf(t.dataSource, brand.id)).map((e) => `${e.contact_key}|${e.address}`)).toEqual([
        'c1|905351234567',
        'c1|z@home.org',
        'c3|905359876543',
      ]);
    });

    it('refuses an unpaired surrogate or a NUL character in contact_key or address as INVALID_FIELD (an unpaired surrogate was a 500 on the embedded database)', async () => {
      const { brand, token } = await seeded();
      const before = await extensionsOf(t.dataSource, brand.id);
      // raw JSON text: the escapes reach the server as sent
      const raw =
        '{"throwOnError":false,"contactDatas":[' +
        '{"contact_key":"\\u0645\\udfff","address":"a@shop.com"},{"contact_key":"c1","address":"\\u0645\\udfff"},' +
        '{"contact_key":"c1\\u0000","address":"a@shop.com"},{"contact_key":"c1","address":"a@shop.com\\u0000"}]}';
      const res = await call(t, token, 'post', '/admin/contact-extensions/bulk-delete')
        .set('Content-Type', 'application/json')
        .send(raw)
        .expect(200);
      expect(res.body).toMatchObject({ total: 4, deleted: 0, skipped: 0, failed: 4, warnings: [] });
      expect(
        res.body.errors.map((e: { index: number; code: string; field: string; message: string }) => [e.index, e.code, e.field, e.message]),
      ).toEqual([
        [0, 'INVALID_FIELD', 'contact_key', 'contact_key must not contain a NUL character or an unpaired surrogate'],
        [1, 'INVALID_FIELD', 'address', 'address must not contain a NUL character or an unpaired surrogate'],
        [2, 'INVALID_FIELD', 'contact_key', 'contact_key must not contain a NUL character or an unpaired surrogate'],
        [3, 'INVALID_FIELD', 'address', 'address must not contain a NUL character or an unpaired surrogate'],
      ]);
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual(before);
    });

    it('with throwOnError (the default) deletes nothing when one key is unknown: 400 VALIDATION_FAILED', async () => {
      const { brand, token } = await seeded();
      const before = await extensionsOf(t.dataSource, brand.id);
      const res = await bulkDelete(token, {
        contactDatas: [
          { contact_key: 'c1', address: 'a@shop.com' },
          { contact_key: 'c9', address: 'a@shop.com' },
        ],
      }).expect(400);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [expect.objectContaining({ index: 1, code: 'EXTENSION_NOT_FOUND' })],
        warnings: [],
      });
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual(before);
    });

    it.each([
      ['no records', { contactDatas: [] }, 'contactDatas must hold at least 1 record'],
      [
        '1001 records',
        { contactDatas: Array.from({ length: 1001 }, () => ({ contact_key: 'c', address: 'a@b.c' })) },
        'contactDatas must hold at most 1000 records',
      ],
      [
        'an unknown property',
        { contactDatas: [{ contact_key: 'c', address: 'a@b.c' }], columns: ['contact_key'] },
        'unknown property columns',
      ],
    ])('refuses %s with 400 INVALID_REQUEST', async (_, body, message) => {
      const { token } = await seeded();
      const res = await bulkDelete(token, body).expect(400);
      expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', message });
    });

    it('accepts 1000 keys', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const rows = Array.from({ length: 1000 }, (_, i) => ({ contact_key: 'c1', address: `k${i}@x.com`, channel: 'E' as const }));
      await insertExtensions(t.dataSource, brand.id, rows);
      const res = await bulkDelete(token, { contactDatas: rows.map((r) => ({ contact_key: r.contact_key, address: r.address })) }).expect(
        200,
      );
      expect(res.body).toMatchObject({ total: 1000, deleted: 1000, failed: 0 });
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([]);
    });
  });

  it('needs ContactExtensions.Read to list and ContactExtensions.Manage to delete', async () => {
    const { brand } = await seeded();
    const reader = await login(
      t.http,
      await createApiUser(t.dataSource, brand.id, { permissions: PERMISSIONS.filter((p) => p !== 'ContactExtensions.Manage') }),
    );
    const writer = await login(
      t.http,
      await createApiUser(t.dataSource, brand.id, { permissions: PERMISSIONS.filter((p) => p !== 'ContactExtensions.Read') }),
    );
    await call(t, reader, 'get', '/admin/contact-extensions').expect(200);
    expect(
      (await call(t, reader, 'delete', '/admin/contact-extensions', { query: { contact_key: 'c1', address: 'a@shop.com' } }).expect(403))
        .body,
    ).toMatchObject(FORBIDDEN_BODY);
    expect(
      (
        await call(t, reader, 'post', '/admin/contact-extensions/bulk-delete', {
          body: { contactDatas: [{ contact_key: 'c1', address: 'a@shop.com' }] },
        }).expect(403)
      ).body,
    ).toMatchObject(FORBIDDEN_BODY);
    expect((await call(t, writer, 'get', '/admin/contact-extensions').expect(403)).body).toMatchObject(FORBIDDEN_BODY);
    await call(t, writer, 'delete', '/admin/contact-extensions', { query: { contact_key: 'c1', address: 'a@shop.com' } }).expect(200);
  });

  it("gives another brand's user nothing: not listed by any filter, 404 or EXTENSION_NOT_FOUND to delete, nothing deleted", async () => {
    const a = await seeded();
    const b = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const before = await extensionsOf(t.dataSource, a.brand.id);
    for (const query of [
      {},
      { contact_key: 'c1' },
      { address: 'shop' },
      { channel: 'E' },
      { name: 'Work Email' },
      { permission: 'true' },
    ]) {
      expect((await call(t, b.token, 'get', '/admin/contact-extensions', { query }).expect(200)).body).toEqual({
        items: [],
        next_cursor: null,
      });
    }
    await call(t, b.token, 'delete', '/admin/contact-extensions', { query: { contact_key: 'c1', address: 'a@shop.com' } }).expect(404);
    const bulk = await call(t, b.token, 'post', '/admin/contact-extensions/bulk-delete', {
      body: { throwOnError: false, contactDatas: before.map((e) => ({ contact_key: e.contact_key, address: e.address })) },
    }).expect(200);
    expect(bulk.body).toMatchObject({ deleted: 0, failed: before.length });
    expect(new Set(bulk.body.errors.map((e: { code: string }) => e.code))).toEqual(new Set(['EXTENSION_NOT_FOUND']));
    expect(await extensionsOf(t.dataSource, a.brand.id)).toEqual(before);
  });
});
