import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { PERMISSIONS } from '../src/auth/permissions';
import { allPages, bulkContacts, call } from './support/admin';
import { brandWithToken, createApiUser, createContacts, extensionsOf, insertExtensions, login } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { FORBIDDEN_BODY } from './support/tokens';

/** Contacts: POST /rest/bulk/contacts (Contacts.Manage) and /admin/contacts (Contacts.Read / Contacts.Manage). */
describe('admin: contacts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const ALL = ['contact_key', 'name', 'surname', 'email', 'gsm', 'email_permission', 'gsm_permission', 'contact_status'];
  const contactsOf = (brandId: number) =>
    t.dataSource.query(
      `SELECT contact_key, name, surname, email, gsm, email_permission, gsm_permission, contact_status, created_at, updated_at
         FROM master_contact WHERE brand_id = $1 ORDER BY contact_key COLLATE "C"`,
      [brandId],
    );
  const DEFAULTS = {
    name: null,
    surname: null,
    email: null,
    gsm: null,
    email_permission: false,
    gsm_permission: false,
    contact_status: 'A',
  };

  describe('POST /rest/bulk/contacts', () => {
    it('inserts contacts with emails lowercased and gsm numbers canonical, and counts them', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      const res = await bulkContacts(t, token, {
        columns: ALL,
        contactDatas: [
          {
            contact_key: 'c1',
            name: 'Jane',
            surname: 'Doe',
            email: ' Jane.Doe@Example.COM ',
            gsm: '+90 535 123 45 67',
            email_permission: true,
            gsm_permission: true,
            contact_status: 'P',
          },
          { contact_key: 'c2' },
        ],
      }).expect(200);
      expect(res.body).toEqual({ total: 2, inserted: 2, updated: 0, unchanged: 0, skipped: 0, failed: 0, errors: [], warnings: [] });
      expect(await contactsOf(brand.id)).toEqual([
        {
          contact_key: 'c1',
          name: 'Jane',
          surname: 'Doe',
          email: 'jane.doe@example.com',
          gsm: '905351234567',
          email_permission: true,
          gsm_permission: true,
          contact_status: 'P',
          created_at: expect.any(Date),
          updated_at: expect.any(Date),
        },
        { contact_key: 'c2', ...DEFAULTS, created_at: expect.any(Date), updated_at: expect.any(Date) },
      ]);
    });

    it('updates what changed, leaves unchanged contacts (and updated_at) alone, and keeps the columns a record leaves out', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      await bulkContacts(t, token, {
        columns: ALL,
        contactDatas: [
          { contact_key: 'c1', name: 'Jane', email: 'j@x.com', email_permission: true },
          { contact_key: 'c2', name: 'Bob' },
        ],
      }).expect(200);
      const [c1, c2] = await contactsOf(brand.id);
      const res = await bulkContacts(t, token, {
        columns: ['contact_key', 'name', 'email', 'email_permission'],
        contactDatas: [
          { contact_key: 'c1', surname: 'ignored: not in columns', name: 'Janet' },
          { contact_key: 'c2', name: 'Bob' },
          { contact_key: 'c3', email: 'NEW@X.COM' },
        ],
      }).expect(200);
      expect(res.body).toMatchObject({ total: 3, inserted: 1, updated: 1, unchanged: 1, failed: 0 });
      const [after1, after2, after3] = await contactsOf(brand.id);
      expect(after1).toMatchObject({ name: 'Janet', surname: null, email: 'j@x.com', email_permission: true });
      expect(after1.updated_at.getTime()).toBeGreaterThan(c1.updated_at.getTime() - 1);
      expect(after2).toEqual(c2);
      expect(after3).toMatchObject({ contact_key: 'c3', ...DEFAULTS, email: 'new@x.com' });
    });

    it('clears a text column with null', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      await bulkContacts(t, token, { columns: ALL, contactDatas: [{ contact_key: 'c1', name: 'Jane', gsm: '905351234567' }] }).expect(200);
      await bulkContacts(t, token, {
        columns: ['contact_key', 'name', 'gsm'],
        contactDatas: [{ contact_key: 'c1', name: null, gsm: null }],
      }).expect(200);
      expect((await contactsOf(brand.id))[0]).toMatchObject({ name: null, gsm: null });
    });

    it('lets the last record of a contact_key win; the earlier ones are skipped with DUPLICATE_IN_REQUEST', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      const res = await bulkContacts(t, token, {
        columns: ALL,
        contactDatas: [
          { contact_key: 'c1', name: 'first' },
          { contact_key: 'c1', email: 'not valid' },
          { contact_key: 'c1', name: 'last' },
        ],
      }).expect(200);
      expect(res.body).toMatchObject({ total: 3, inserted: 1, skipped: 2, failed: 0, errors: [] });
      expect(res.body.warnings.map((w: { index: number; code: string }) => [w.index, w.code])).toEqual([
        [0, 'DUPLICATE_IN_REQUEST'],
        [1, 'DUPLICATE_IN_REQUEST'],
      ]);
      expect((await contactsOf(brand.id)).map((c: { name: string }) => c.name)).toEqual(['last']);
    });

    it('with throwOnError (the default) refuses the whole request for one bad record: 400 VALIDATION_FAILED, nothing written', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      const res = await bulkContacts(t, token, {
        columns: ALL,
        contactDatas: [{ contact_key: 'c1' }, { contact_key: 'c2', email: 'nope', gsm: '123', contact_status: 'X', colour: 'red' }],
      }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', warnings: [] });
      expect(
        res.body.errors.map((e: { index: number; contact_key: string; code: string; field: string }) => [
          e.index,
          e.contact_key,
          e.code,
          e.field,
        ]),
      ).toEqual([
        [1, 'c2', 'UNKNOWN_FIELD', 'colour'],
        [1, 'c2', 'INVALID_FIELD', 'email'],
        [1, 'c2', 'INVALID_FIELD', 'gsm'],
        [1, 'c2', 'INVALID_FIELD', 'contact_status'],
      ]);
      expect(await contactsOf(brand.id)).toEqual([]);
    });

    it('with throwOnError false writes the valid records and reports the others', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      const res = await bulkContacts(t, token, {
        columns: ALL,
        throwOnError: false,
        contactDatas: [{ contact_key: 'c1' }, { name: 'no key' }, 'x'],
      }).expect(200);
      expect(res.body).toMatchObject({ total: 3, inserted: 1, failed: 2 });
      expect(res.body.errors).toEqual([
        { index: 1, contact_key: null, code: 'MISSING_FIELD', field: 'contact_key', message: 'contact_key is required' },
        { index: 2, contact_key: null, code: 'INVALID_FIELD', message: 'the record must be a JSON object' },
      ]);
      expect((await contactsOf(brand.id)).map((c: { contact_key: string }) => c.contact_key)).toEqual(['c1']);
    });

    it.each([
      ['an unpaired surrogate', '\\u0645\\udfff'],
      ['a NUL character', 'c\\u00001'],
    ])('refuses %s in any string field as INVALID_FIELD of the record (not a 500, never stored as U+FFFD)', async (_, escaped) => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      const fields = ['contact_key', 'name', 'surname', 'email', 'gsm'];
      // raw JSON text: the escapes reach the server as sent
      const records = fields.map((field) =>
        field === 'contact_key' ? `{"contact_key":"${escaped}"}` : `{"contact_key":"c-${field}","${field}":"${escaped}"}`,
      );
      const raw = `{"columns":${JSON.stringify(ALL)},"contactDatas":[${records.join(',')}],"throwOnError":false}`;
      const res = await call(t, token, 'post', '/rest/bulk/contacts').set('Content-Type', 'application/json').send(raw).expect(200);
      expect(res.body).toMatchObject({ total: fields.length, inserted: 0, updated: 0, failed: fields.length, warnings: [] });
      expect(
        res.body.errors.map((e: { index: number; code: string; field: string; message: string }) => [e.index, e.code, e.field, e.message]),
      ).toEqual(
        fields.map((field, index) => [index, 'INVALID_FIELD', field, `${field} must not contain a NUL character or an unpaired surrogate`]),
      );
      expect(await contactsOf(brand.id)).toEqual([]);
    });

    it.each([
      ['columns without contact_key', { columns: ['name'], contactDatas: [{ contact_key: 'c1' }] }, 'columns must contain contact_key'],
      ['an unknown column', { columns: ['contact_key', 'age'], contactDatas: [{ contact_key: 'c1' }] }, /^each column must be one of/],
      ['no records', { columns: ['contact_key'], contactDatas: [] }, 'contactDatas must hold at least 1 record'],
      [
        '1001 records',
        { columns: ['contact_key'], contactDatas: Array.from({ length: 1001 }, (_, i) => ({ contact_key: `c${i}` })) },
        'contactDatas must hold at most 1000 records',
      ],
      [
        'an unknown top-level property',
        { columns: ['contact_key'], contactDatas: [{ contact_key: 'c1' }], insertIfNotExists: true },
        'unknown property insertIfNotExists',
      ],
      [
        'a flag that is not a boolean',
        { columns: ['contact_key'], contactDatas: [{ contact_key: 'c1' }], throwOnError: 'no' },
        'throwOnError must be a boolean',
      ],
    ])('refuses %s with 400 INVALID_REQUEST', async (_, body, message) => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      const res = await bulkContacts(t, token, body).expect(400);
      expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', message });
      expect(await contactsOf(brand.id)).toEqual([]);
    });

    it('issues the same number of SQL statements for 1 record as for 1000', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
      try {
        const statements = async (n: number, prefix: string): Promise<number> => {
          spy.mockClear();
          const contactDatas = Array.from({ length: n }, (_, i) => ({
            contact_key: `${prefix}${i}`,
            name: 'N',
            email: `${prefix}${i}@x.com`,
          }));
          const res = await bulkContacts(t, token, { columns: ['contact_key', 'name', 'email'], contactDatas }).expect(200);
          expect(res.body).toMatchObject({ inserted: n, failed: 0 });
          return spy.mock.calls.length;
        };
        const one = await statements(1, 'one');
        expect(await statements(1000, 'many')).toBe(one);
        expect(one).toBeLessThanOrEqual(7);
      } finally {
        spy.mockRestore();
      }
    });

    it('answers 200 to 10 parallel requests on overlapping keys, each contact inserted once, and no column lost', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
      // half the requests write name, the other half email, of the same contacts: neither may undo the other
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, r) =>
          bulkContacts(t, token, {
            columns: ['contact_key', 'name', 'email'],
            contactDatas: keys.map((k) => (r % 2 === 0 ? { contact_key: k, name: `n-${k}` } : { contact_key: k, email: `${k}@x.com` })),
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
      expect(answers.reduce((sum, a) => sum + a.body.inserted, 0)).toBe(keys.length);
      const rows = await contactsOf(brand.id);
      expect(rows).toHaveLength(keys.length);
      for (const row of rows) expect(row).toMatchObject({ name: `n-${row.contact_key}`, email: `${row.contact_key}@x.com` });
    });

    it('needs Contacts.Manage', async () => {
      const { brand } = await brandWithToken(t.dataSource, t.http);
      const token = await login(
        t.http,
        await createApiUser(t.dataSource, brand.id, { permissions: PERMISSIONS.filter((p) => p !== 'Contacts.Manage') }),
      );
      const res = await bulkContacts(t, token, { columns: ['contact_key'], contactDatas: [{ contact_key: 'c1' }] });
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 403, body: FORBIDDEN_BODY });
      expect(await contactsOf(brand.id)).toEqual([]);
    });

    it("writes only the caller's brand: the same contact_key in another brand is another contact", async () => {
      const a = await brandWithToken(t.dataSource, t.http);
      const b = await brandWithToken(t.dataSource, t.http);
      await bulkContacts(t, a.token, { columns: ['contact_key', 'name'], contactDatas: [{ contact_key: 'c1', name: 'A' }] }).expect(200);
      const res = await bulkContacts(t, b.token, {
        columns: ['contact_key', 'name'],
        contactDatas: [{ contact_key: 'c1', name: 'B' }],
      }).expect(200);
      expect(res.body).toMatchObject({ inserted: 1, updated: 0 });
      expect((await contactsOf(a.brand.id)).map((c: { name: string }) => c.name)).toEqual(['A']);
      expect((await contactsOf(b.brand.id)).map((c: { name: string }) => c.name)).toEqual(['B']);
    });
  });

  describe('GET /admin/contacts', () => {
    it('pages through all contacts in byte order of contact_key with an opaque cursor', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      const keys = ['b', 'a', 'B', 'a-1', 'é', 'c', 'aa'];
      await createContacts(t.dataSource, brand.id, keys);
      const first = await call(t, token, 'get', '/admin/contacts', { query: { limit: 3 } }).expect(200);
      expect(first.body.items.map((c: { contact_key: string }) => c.contact_key)).toEqual(['B', 'a', 'a-1']);
      expect(first.body.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(first.body.items[0]).toEqual({
        contact_key: 'B',
        ...DEFAULTS,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const { items, pages } = await allPages<{ contact_key: string }>(t, token, '/admin/contacts', { limit: 3 });
      expect(items.map((c) => c.contact_key)).toEqual(['B', 'a', 'a-1', 'aa', 'b', 'c', 'é']);
      expect(pages).toBe(3);
    });

    it('searches by key prefix (literally: % and _ are no wildcards), by email (any case) and by gsm (any spelling)', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      await createContacts(t.dataSource, brand.id, ['shop-1', 'shop-2', 'shopper', 'sh%p', 'other']);
      await bulkContacts(t, token, {
        columns: ['contact_key', 'email', 'gsm'],
        contactDatas: [{ contact_key: 'other', email: 'Jane@X.com', gsm: '00905351234567' }],
      }).expect(200);
      const keys = async (query: Record<string, unknown>) =>
        (await call(t, token, 'get', '/admin/contacts', { query }).expect(200)).body.items.map(
          (c: { contact_key: string }) => c.contact_key,
        );
      expect(await keys({ key_prefix: 'shop-' })).toEqual(['shop-1', 'shop-2']);
      expect(await keys({ key_prefix: 'sh%' })).toEqual(['sh%p']);
      expect(await keys({ key_prefix: 'sh_p' })).toEqual([]);
      expect(await keys({ email: 'JANE@x.COM' })).toEqual(['other']);
      expect(await keys({ gsm: '+90 535 123 45 67' })).toEqual(['other']);
      expect(await keys({ gsm: '+90 535 123 45 67', key_prefix: 'shop' })).toEqual([]);
    });

    it.each([
      [{ limit: 501 }, 'limit must be at most 500'],
      [{ limit: 0 }, 'limit must be at least 1'],
      [{ limit: 'ten' }, 'limit must be an integer'],
      // numbers that Number() reads but that are not written in decimal digits: 0x10 was 16 items
      [{ limit: '0x10' }, 'limit must be an integer'],
      [{ limit: '1e2' }, 'limit must be an integer'],
      [{ limit: ' 5' }, 'limit must be an integer'],
      [{ limit: '5.0' }, 'limit must be an integer'],
      [{ cursor: 'not-a-cursor!' }, 'cursor is not valid; pass back the next_cursor of the previous page'],
      [{ sort: 'name' }, 'unknown property sort'],
      // found by a sweep of the admin routes: a NUL character was a 500
      [{ email: 'jane\u0000@x.com' }, 'email must not contain a NUL character or an unpaired surrogate'],
      [{ gsm: '+90 535\u0000' }, 'gsm must not contain a NUL character or an unpaired surrogate'],
      [{ key_prefix: 'c\u0000' }, 'key_prefix must not contain a NUL character or an unpaired surrogate'],
    ])('refuses %j with 400 INVALID_REQUEST', async (query, message) => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const res = await call(t, token, 'get', '/admin/contacts', { query }).expect(400);
      expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', message });
    });

    it('accepts limit 500', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      await createContacts(
        t.dataSource,
        brand.id,
        Array.from({ length: 501 }, (_, i) => `k${String(i).padStart(3, '0')}`),
      );
      const res = await call(t, token, 'get', '/admin/contacts', { query: { limit: 500 } }).expect(200);
      expect(res.body.items).toHaveLength(500);
      expect(res.body.next_cursor).not.toBeNull();
    });
  });

  describe('GET/DELETE /admin/contacts/:contactKey', () => {
    it("shows a contact with its extensions ordered by their type's columnOrder, untyped last", async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, {
        contacts: ['c/1'],
        types: [
          { channel: 'S', name: 'Mobile', columnOrder: 1 },
          { channel: 'E', name: 'Work Email', columnOrder: 2 },
        ],
      });
      await insertExtensions(t.dataSource, brand.id, [
        { contact_key: 'c/1', address: 'z@x.com', channel: 'E' },
        { contact_key: 'c/1', address: 'a@x.com', channel: 'E', name: 'Work Email' },
        { contact_key: 'c/1', address: '905351234567', channel: 'S', name: 'Mobile' },
      ]);
      const res = await call(t, token, 'get', `/admin/contacts/${encodeURIComponent('c/1')}`).expect(200);
      expect(res.body).toMatchObject({ contact_key: 'c/1', ...DEFAULTS });
      expect(res.body.extensions.map((e: { address: string; name: string | null }) => [e.address, e.name])).toEqual([
        ['905351234567', 'Mobile'],
        ['a@x.com', 'Work Email'],
        ['z@x.com', null],
      ]);
      await call(t, token, 'get', '/admin/contacts/nobody').expect(404);
    });

    it('deletes a contact with its extensions, logged with the consent history in the same transaction', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
      await insertExtensions(t.dataSource, brand.id, [
        { contact_key: 'c1', address: 'a@x.com', channel: 'E', permission: true },
        { contact_key: 'c2', address: 'b@x.com', channel: 'E' },
      ]);
      const res = await call(t, token, 'delete', '/admin/contacts/c1').expect(200);
      expect(res.body).toEqual({ contact_key: 'c1', deleted_extensions: 1 });
      expect((await contactsOf(brand.id)).map((c: { contact_key: string }) => c.contact_key)).toEqual(['c2']);
      expect((await extensionsOf(t.dataSource, brand.id)).map((e) => e.address)).toEqual(['b@x.com']);
      const history = await call(t, token, 'get', '/admin/consent-history', { query: { address: 'A@X.COM' } }).expect(200);
      expect(history.body.items).toEqual([
        expect.objectContaining({ contact_key: 'c1', old_permission: true, new_permission: null, operation_kind: 'contacts.delete' }),
      ]);
      await call(t, token, 'delete', '/admin/contacts/c1').expect(404);
    });

    it('answers 404 to a contact_key with a NUL character, to read or delete (it was a 500; found by a sweep)', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      for (const method of ['get', 'delete'] as const) {
        for (const key of ['c1%00', '%00']) {
          const res = await call(t, token, method, `/admin/contacts/${key}`).expect(404);
          expect(res.body).toMatchObject({ code: 'NOT_FOUND', message: 'No such contact in your brand.' });
        }
      }
      expect((await contactsOf(brand.id)).map((c: { contact_key: string }) => c.contact_key)).toEqual(['c1']);
    });

    it('needs Contacts.Read to read and Contacts.Manage to delete', async () => {
      const { brand } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const reader = await login(t.http, await createApiUser(t.dataSource, brand.id, { permissions: ['Contacts.Read'] }));
      const manager = await login(t.http, await createApiUser(t.dataSource, brand.id, { permissions: ['Contacts.Manage'] }));
      await call(t, reader, 'get', '/admin/contacts/c1').expect(200);
      expect((await call(t, reader, 'delete', '/admin/contacts/c1').expect(403)).body).toMatchObject(FORBIDDEN_BODY);
      expect((await call(t, manager, 'get', '/admin/contacts').expect(403)).body).toMatchObject(FORBIDDEN_BODY);
      await call(t, manager, 'delete', '/admin/contacts/c1').expect(200);
    });
  });

  it("gives another brand's user nothing: not listed or found by any search, 404 to read or delete", async () => {
    const a = await brandWithToken(t.dataSource, t.http, { contacts: ['secret-1'] });
    await bulkContacts(t, a.token, {
      columns: ['contact_key', 'email', 'gsm'],
      contactDatas: [{ contact_key: 'secret-1', email: 'vip@a.com', gsm: '905351234567' }],
    }).expect(200);
    await insertExtensions(t.dataSource, a.brand.id, [{ contact_key: 'secret-1', address: 'vip@a.com', channel: 'E' }]);
    const b = await brandWithToken(t.dataSource, t.http);
    for (const query of [{}, { key_prefix: 'secret' }, { email: 'vip@a.com' }, { gsm: '905351234567' }]) {
      const res = await call(t, b.token, 'get', '/admin/contacts', { query }).expect(200);
      expect(res.body).toEqual({ items: [], next_cursor: null });
    }
    await call(t, b.token, 'get', '/admin/contacts/secret-1').expect(404);
    await call(t, b.token, 'delete', '/admin/contacts/secret-1').expect(404);
    expect((await contactsOf(a.brand.id)).map((c: { contact_key: string }) => c.contact_key)).toEqual(['secret-1']);
    expect(await extensionsOf(t.dataSource, a.brand.id)).toHaveLength(1);
  });
});
