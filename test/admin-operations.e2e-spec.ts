import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { PERMISSIONS } from '../src/auth/permissions';
import { allPages, bulkContacts, bulkExtensions, call } from './support/admin';
import { brandWithToken, createApiUser, extensionsOf, login } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { FORBIDDEN_BODY } from './support/tokens';
import { ALL_COLUMNS } from './support/bulk';

/**
 * Operations log and consent history (ContactExtensions.Read): every bulk write is logged in
 * the transaction of its writes, and every change of an extension's permission is in the history.
 */
describe('admin: operations log and consent history', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  type Operation = {
    id: string;
    kind: string;
    request_id: string;
    api_user_id: number | null;
    user_key: string | null;
    started_at: string;
    total: number;
  };
  type Change = {
    contact_key: string;
    address: string;
    old_permission: boolean | null;
    new_permission: boolean | null;
    operation_id: string;
    request_id: string;
    user_key: string;
  };
  const operations = async (token: string, query: Record<string, unknown> = {}) =>
    (await call(t, token, 'get', '/admin/operations', { query }).expect(200)).body.items as Operation[];
  const history = async (token: string, address: string, query: Record<string, unknown> = {}) =>
    (await call(t, token, 'get', '/admin/consent-history', { query: { address, ...query } }).expect(200)).body.items as Change[];

  it('logs a bulk upsert with its request id, API user, time, duration, counts and errors', async () => {
    const { user, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const before = Date.now();
    const res = await bulkExtensions(
      t,
      token,
      {
        columns: ALL_COLUMNS,
        insertIfNotExists: true,
        throwOnError: false,
        contactDatas: [
          { contact_key: 'c1', address: 'a@x.com', channel: 'E' },
          { contact_key: 'c1', address: 'a@x.com', channel: 'E', permission: true },
          { contact_key: 'c1', address: 'not-an-email', channel: 'E' },
        ],
      },
      'req-upsert-1',
    ).expect(200);
    expect(res.body).toMatchObject({ inserted: 1, skipped: 1, failed: 1 });
    const [op] = await operations(token);
    expect(op).toEqual({
      id: expect.stringMatching(/^\d+$/),
      kind: 'contact_extensions.bulk_upsert',
      request_id: 'req-upsert-1',
      api_user_id: user.id,
      user_key: user.userKey,
      started_at: expect.stringMatching(/Z$/),
      duration_ms: expect.any(Number),
      total: 3,
      inserted: 1,
      updated: 0,
      unchanged: 0,
      skipped: 1,
      failed: 1,
      deleted: 0,
      error_count: 1,
    });
    expect(new Date(op.started_at).getTime()).toBeGreaterThanOrEqual(before - 1000);
    const detail = await call(t, token, 'get', `/admin/operations/${op.id}`).expect(200);
    expect(detail.body).toEqual({ ...op, errors: res.body.errors, consent_changes: 1 });
  });

  it('logs nothing for a request that writes nothing (VALIDATION_FAILED)', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    await bulkExtensions(t, token, {
      columns: ALL_COLUMNS,
      insertIfNotExists: true,
      contactDatas: [{ contact_key: 'c1', address: 'bad', channel: 'E' }],
    }).expect(400);
    await bulkContacts(t, token, { columns: ['contact_key', 'email'], contactDatas: [{ contact_key: 'c1', email: 'bad' }] }).expect(400);
    expect(await operations(token)).toEqual([]);
  });

  it('writes the log in the same transaction as the extensions: when the log cannot be written, nothing is', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    // a constraint that refuses this brand's log entries, added for this test only
    await t.dataSource.query(`ALTER TABLE operation ADD CONSTRAINT tmp_refuse_brand_${brand.id} CHECK (brand_id <> ${brand.id}) NOT VALID`);
    try {
      const res = await bulkExtensions(t, token, {
        columns: ALL_COLUMNS,
        insertIfNotExists: true,
        contactDatas: [{ contact_key: 'c1', address: 'a@x.com', channel: 'E', permission: true }],
      });
      expect(res.status).toBe(500);
      const contacts = await bulkContacts(t, token, { columns: ['contact_key', 'name'], contactDatas: [{ contact_key: 'c2', name: 'x' }] });
      expect(contacts.status).toBe(500);
    } finally {
      await t.dataSource.query(`ALTER TABLE operation DROP CONSTRAINT tmp_refuse_brand_${brand.id}`);
    }
    expect(await extensionsOf(t.dataSource, brand.id)).toEqual([]);
    expect(await t.dataSource.query('SELECT contact_key FROM master_contact WHERE brand_id = $1', [brand.id])).toEqual([
      { contact_key: 'c1' },
    ]);
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM consent_change WHERE brand_id = $1', [brand.id])).toEqual([{ n: 0 }]);
  });

  it('logs contact upserts and deletes of extensions and contacts too, newest first', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http);
    await bulkContacts(t, token, { columns: ['contact_key'], contactDatas: [{ contact_key: 'c1' }, { contact_key: 'c2' }] }).expect(200);
    await bulkExtensions(t, token, {
      columns: ALL_COLUMNS,
      insertIfNotExists: true,
      contactDatas: [
        { contact_key: 'c1', address: 'a@x.com', channel: 'E' },
        { contact_key: 'c1', address: 'b@x.com', channel: 'E' },
        { contact_key: 'c2', address: 'c@x.com', channel: 'E' },
      ],
    }).expect(200);
    await call(t, token, 'delete', '/admin/contact-extensions', { query: { contact_key: 'c1', address: 'a@x.com' } }).expect(200);
    await call(t, token, 'post', '/admin/contact-extensions/bulk-delete', {
      body: { contactDatas: [{ contact_key: 'c1', address: 'b@x.com' }] },
    }).expect(200);
    await call(t, token, 'delete', '/admin/contacts/c2').expect(200);
    expect((await operations(token)).map((o) => [o.kind, o.total])).toEqual([
      ['contacts.delete', 1],
      ['contact_extensions.bulk_delete', 1],
      ['contact_extensions.delete', 1],
      ['contact_extensions.bulk_upsert', 3],
      ['contacts.bulk_upsert', 2],
    ]);
  });

  it('pages newest first and filters by API user, kind and time', async () => {
    const { brand, user, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const other = await createApiUser(t.dataSource, brand.id);
    const otherToken = await login(t.http, other);
    for (let i = 0; i < 3; i++)
      await bulkContacts(t, token, { columns: ['contact_key'], contactDatas: [{ contact_key: `u${i}` }] }, `mine-${i}`).expect(200);
    await bulkContacts(t, otherToken, { columns: ['contact_key'], contactDatas: [{ contact_key: 'o' }] }, 'theirs').expect(200);
    const { items, pages } = await allPages<Operation>(t, token, '/admin/operations', { limit: 1 });
    expect(items.map((o) => o.request_id)).toEqual(['theirs', 'mine-2', 'mine-1', 'mine-0']);
    expect(pages).toBe(4);
    expect((await operations(token, { api_user_id: other.id })).map((o) => o.request_id)).toEqual(['theirs']);
    expect(
      (await allPages<Operation>(t, token, '/admin/operations', { api_user_id: user.id, limit: 2 })).items.map((o) => o.request_id),
    ).toEqual(['mine-2', 'mine-1', 'mine-0']);
    expect(await operations(token, { kind: 'contact_extensions.bulk_upsert' })).toEqual([]);
    // backdate one operation: the time filter is a range on started_at
    await t.dataSource.query(`UPDATE operation SET started_at = '2026-01-15T12:00:00Z' WHERE brand_id = $1 AND request_id = 'mine-0'`, [
      brand.id,
    ]);
    expect((await operations(token, { from: '2026-01-15T00:00:00Z', to: '2026-01-16T00:00:00Z' })).map((o) => o.request_id)).toEqual([
      'mine-0',
    ]);
    expect((await operations(token, { to: '2026-01-15T12:00:00Z' })).map((o) => o.request_id)).toEqual([]);
    expect(await operations(token, { from: '2026-01-15T12:00:00.000Z' })).toHaveLength(4);
    // a time without an offset is UTC, whatever the server's zone; other offsets and forms name the same instant
    const zone = process.env.TZ;
    process.env.TZ = 'Asia/Tokyo';
    try {
      expect((await operations(token, { from: '2026-01-15 12:00', to: '2026-01-15T12:00:00,001' })).map((o) => o.request_id)).toEqual([
        'mine-0',
      ]);
    } finally {
      process.env.TZ = zone;
    }
    expect((await operations(token, { from: '2026-01-15T13:00:00+01', to: '2026-01-15T07:00:00.001-0500' })).length).toBe(1);
    expect((await operations(token, { from: '2026-01', to: '2026-02' })).map((o) => o.request_id)).toEqual(['mine-0']);
    expect(await operations(token, { to: '2026' })).toEqual([]);
  });

  it.each([
    [{ from: 'yesterday' }, 'from must be an ISO 8601 date-time'],
    // ISO 8601 forms not taken (the basic form, week and ordinal dates), and days that do not exist
    [{ from: '20260101T000000Z' }, 'from must be an ISO 8601 date-time'],
    [{ from: '2026-W01-1' }, 'from must be an ISO 8601 date-time'],
    [{ from: '2026-001' }, 'from must be an ISO 8601 date-time'],
    [{ to: '2026-02-30' }, 'to must be an ISO 8601 date-time'],
    [{ to: '0000-01-01T00:00:00Z' }, 'to must be an ISO 8601 date-time'],
    [{ api_user_id: 'me' }, 'api_user_id must be an integer'],
    // read by Number() as 16: another user's operations
    [{ api_user_id: '0x10' }, 'api_user_id must be an integer'],
    // found by a sweep of the admin routes: past the integer column it was a 500
    [{ api_user_id: '2147483648' }, 'api_user_id must be at most 2147483647'],
    [{ api_user_id: '99999999999999999999' }, 'api_user_id must be at most 2147483647'],
    [{ kind: 'everything' }, /^kind must be one of/],
    [{ cursor: Buffer.from('["x","1"]').toString('base64url') }, 'cursor is not valid; pass back the next_cursor of the previous page'],
    // well formed, but no such day, a year PostgreSQL refuses, or an id past bigint
    [
      { cursor: Buffer.from('["2026-02-30T00:00:00.000000","1"]').toString('base64url') },
      'cursor is not valid; pass back the next_cursor of the previous page',
    ],
    [
      { cursor: Buffer.from('["0000-01-01T00:00:00.000000","1"]').toString('base64url') },
      'cursor is not valid; pass back the next_cursor of the previous page',
    ],
    [
      { cursor: Buffer.from('["2026-01-01T00:00:00.000000","9999999999999999999"]').toString('base64url') },
      'cursor is not valid; pass back the next_cursor of the previous page',
    ],
  ])('refuses %j with 400 INVALID_REQUEST', async (query, message) => {
    const { token } = await brandWithToken(t.dataSource, t.http);
    const res = await call(t, token, 'get', '/admin/operations', { query }).expect(400);
    expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', message });
  });

  it('refuses a consent history cursor whose id is past bigint with 400 INVALID_REQUEST', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http);
    const cursor = Buffer.from('["9999999999999999999"]').toString('base64url');
    const res = await call(t, token, 'get', '/admin/consent-history', { query: { address: 'a@b.c', cursor } }).expect(400);
    expect(res.body).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'cursor is not valid; pass back the next_cursor of the previous page',
    });
  });

  it('keeps the userKey of an API user deleted since', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http);
    const gone = await createApiUser(t.dataSource, brand.id);
    await bulkContacts(t, await login(t.http, gone), { columns: ['contact_key'], contactDatas: [{ contact_key: 'c1' }] }).expect(200);
    await call(t, token, 'delete', `/admin/api-users/${gone.id}`).expect(204);
    expect(await operations(token)).toEqual([expect.objectContaining({ api_user_id: gone.id, user_key: gone.userKey })]);
  });

  it('answers 404 for an operation that is not one of the brand', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http);
    await call(t, token, 'get', '/admin/operations/999999999').expect(404);
    await call(t, token, 'get', '/admin/operations/abc').expect(404);
  });

  describe('consent history', () => {
    it('answers who changed the consent of an address and when: insert, change, delete, newest first', async () => {
      const { brand, user, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
      const other = await createApiUser(t.dataSource, brand.id);
      const otherToken = await login(t.http, other);
      await bulkExtensions(
        t,
        token,
        {
          columns: ALL_COLUMNS,
          insertIfNotExists: true,
          contactDatas: [
            { contact_key: 'c1', address: 'Jane@X.com', channel: 'E', permission: true },
            { contact_key: 'c2', address: 'jane@x.com', channel: 'E' },
          ],
        },
        'grant',
      ).expect(200);
      // a name change alone and an unchanged permission are not consent changes
      await bulkExtensions(
        t,
        otherToken,
        { columns: ALL_COLUMNS, contactDatas: [{ contact_key: 'c1', address: 'jane@x.com', name: 'Work Email', permission: true }] },
        'rename-type',
      ).expect(200);
      await bulkExtensions(
        t,
        otherToken,
        { columns: ALL_COLUMNS, contactDatas: [{ contact_key: 'c1', address: 'jane@x.com', permission: false }] },
        'revoke',
      ).expect(200);
      await call(t, token, 'delete', '/admin/contact-extensions', { query: { contact_key: 'c1', address: 'jane@x.com' } })
        .set('X-Request-Id', 'remove')
        .expect(200);

      const changes = await history(token, 'JANE@x.com', { contact_key: 'c1' });
      expect(changes.map((c) => [c.request_id, c.user_key, c.old_permission, c.new_permission])).toEqual([
        ['remove', user.userKey, false, null],
        ['revoke', other.userKey, true, false],
        ['grant', user.userKey, null, true],
      ]);
      expect(changes[1]).toEqual({
        id: expect.stringMatching(/^\d+$/),
        contact_key: 'c1',
        address: 'jane@x.com',
        channel: 'E',
        old_permission: true,
        new_permission: false,
        changed_at: expect.stringMatching(/Z$/),
        operation_id: expect.stringMatching(/^\d+$/),
        operation_kind: 'contact_extensions.bulk_upsert',
        request_id: 'revoke',
        api_user_id: other.id,
        user_key: other.userKey,
      });
      // the same address of another contact, without the contact filter
      expect((await history(token, 'jane@x.com')).map((c) => c.contact_key)).toEqual(['c1', 'c1', 'c2', 'c1']);
      const paged = await allPages<Change>(t, token, '/admin/consent-history', { address: 'jane@x.com', limit: 1 });
      expect(paged.items.map((c) => c.contact_key)).toEqual(['c1', 'c1', 'c2', 'c1']);
      expect(await history(token, 'nobody@x.com')).toEqual([]);
    });

    it('follows an address through a rename, and records a permission change made with it', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await bulkExtensions(t, token, {
        columns: ALL_COLUMNS,
        insertIfNotExists: true,
        contactDatas: [{ contact_key: 'c1', address: 'old@x.com', channel: 'E' }],
      }).expect(200);
      await bulkExtensions(t, token, {
        columns: ALL_COLUMNS,
        contactDatas: [{ contact_key: 'c1', address: 'old@x.com', channel: 'E', new_address: 'new@x.com', permission: true }],
      }).expect(200);
      expect((await history(token, 'new@x.com')).map((c) => [c.old_permission, c.new_permission])).toEqual([[false, true]]);
      expect((await history(token, 'old@x.com')).map((c) => [c.old_permission, c.new_permission])).toEqual([[null, false]]);
    });

    it('records every extension a 1000-record request inserts, with as many statements as for 1 record', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const records = (n: number, prefix: string) =>
        Array.from({ length: n }, (_, i) => ({ contact_key: 'c1', address: `${prefix}${i}@x.com`, channel: 'E', permission: i % 2 === 0 }));
      const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
      let one: number;
      let thousand: number;
      try {
        await bulkExtensions(t, token, { columns: ALL_COLUMNS, insertIfNotExists: true, contactDatas: records(1, 'one') }).expect(200);
        one = spy.mock.calls.length;
        spy.mockClear();
        await bulkExtensions(t, token, { columns: ALL_COLUMNS, insertIfNotExists: true, contactDatas: records(1000, 'm') }).expect(200);
        thousand = spy.mock.calls.length;
      } finally {
        spy.mockRestore();
      }
      expect(thousand).toBe(one);
      await t.dataSource.query(`DELETE FROM consent_change WHERE brand_id = $1 AND address = 'one0@x.com'`, [brand.id]);
      expect(
        await t.dataSource.query(
          'SELECT new_permission, count(*)::int AS n FROM consent_change WHERE brand_id = $1 GROUP BY 1 ORDER BY 1',
          [brand.id],
        ),
      ).toEqual([
        { new_permission: false, n: 500 },
        { new_permission: true, n: 500 },
      ]);
    });

    it('needs address', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const res = await call(t, token, 'get', '/admin/consent-history').expect(400);
      expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', message: 'address is required' });
    });

    it.each([
      [{ address: 'a@b.com', contact_key: 'c1\u0000' }, 'contact_key must not contain a NUL character or an unpaired surrogate'],
      [{ address: 'a@b.com\u0000' }, 'address must not contain a NUL character or an unpaired surrogate'],
    ])('refuses %j with 400 INVALID_REQUEST (a NUL character was a 500; found by a sweep)', async (query, message) => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const res = await call(t, token, 'get', '/admin/consent-history', { query }).expect(400);
      expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', message });
    });
  });

  it('needs ContactExtensions.Read', async () => {
    const { brand } = await brandWithToken(t.dataSource, t.http);
    const token = await login(
      t.http,
      await createApiUser(t.dataSource, brand.id, { permissions: PERMISSIONS.filter((p) => p !== 'ContactExtensions.Read') }),
    );
    for (const [path, query] of [
      ['/admin/operations', {}],
      ['/admin/operations/1', {}],
      ['/admin/consent-history', { address: 'a@b.com' }],
    ] as const) {
      expect((await call(t, token, 'get', path, { query }).expect(403)).body).toMatchObject(FORBIDDEN_BODY);
    }
  });

  it("gives another brand's user nothing: no operations, 404 for an operation id, no consent history", async () => {
    const a = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    await bulkExtensions(t, a.token, {
      columns: ALL_COLUMNS,
      insertIfNotExists: true,
      contactDatas: [{ contact_key: 'c1', address: 'vip@a.com', channel: 'E', permission: true }],
    }).expect(200);
    const [opOfA] = await operations(a.token);
    const b = await brandWithToken(t.dataSource, t.http);
    expect((await call(t, b.token, 'get', '/admin/operations').expect(200)).body).toEqual({ items: [], next_cursor: null });
    expect(await operations(b.token, { api_user_id: a.user.id })).toEqual([]);
    await call(t, b.token, 'get', `/admin/operations/${opOfA.id}`).expect(404);
    expect((await call(t, b.token, 'get', '/admin/consent-history', { query: { address: 'vip@a.com' } }).expect(200)).body).toEqual({
      items: [],
      next_cursor: null,
    });
    expect(await history(a.token, 'vip@a.com')).toHaveLength(1);
  });
});
