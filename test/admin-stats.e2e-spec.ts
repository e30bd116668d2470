import { PERMISSIONS } from '../src/auth/permissions';
import { bulkContacts, bulkExtensions, call } from './support/admin';
import { brandWithToken, createApiUser, insertExtensions, login } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { FORBIDDEN_BODY } from './support/tokens';
import { ALL_COLUMNS } from './support/bulk';

/** GET /admin/stats (ContactExtensions.Read): extensions by channel and type, opt-in rates, operations per day. */
describe('admin: stats', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const stats = async (token: string) => (await call(t, token, 'get', '/admin/stats').expect(200)).body;
  const utcDay = (offsetDays = 0) => new Date(Date.now() - offsetDays * 86_400_000).toISOString().slice(0, 10);

  /** The counts by (channel, name, permission) counted from the rows themselves. */
  async function counted(brandId: number): Promise<Record<string, number>> {
    const rows: { channel: string; name: string | null; permission: boolean; n: number }[] = await t.dataSource.query(
      `SELECT channel, name, permission, count(*)::int AS n FROM master_contact_extensions WHERE brand_id = $1 GROUP BY 1, 2, 3`,
      [brandId],
    );
    return Object.fromEntries(rows.map((r) => [`${r.channel}|${r.name ?? '-'}|${r.permission}`, r.n]));
  }
  function fromStats(body: {
    extensions: { by_type: { channel: string; name: string | null; total: number; opted_in: number }[] };
  }): Record<string, number> {
    const out: Record<string, number> = {};
    for (const t of body.extensions.by_type) {
      if (t.total - t.opted_in > 0) out[`${t.channel}|${t.name ?? '-'}|false`] = t.total - t.opted_in;
      if (t.opted_in > 0) out[`${t.channel}|${t.name ?? '-'}|true`] = t.opted_in;
    }
    return out;
  }

  it('answers zeros for a new brand: every channel, every type, 30 days ending today', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http);
    const body = await stats(token);
    expect(body).toEqual({
      generated_at: expect.stringMatching(/Z$/),
      extensions: {
        total: 0,
        by_channel: [
          { channel: 'E', total: 0, opted_in: 0, opt_in_rate: null },
          { channel: 'S', total: 0, opted_in: 0, opt_in_rate: null },
          { channel: 'W', total: 0, opted_in: 0, opt_in_rate: null },
        ],
        by_type: [
          { channel: 'E', name: 'Work Email', column_order: 1, total: 0, opted_in: 0 },
          { channel: 'E', name: 'Personal Email', column_order: 2, total: 0, opted_in: 0 },
          { channel: 'S', name: 'Mobile', column_order: 3, total: 0, opted_in: 0 },
          { channel: 'W', name: 'WhatsApp', column_order: 4, total: 0, opted_in: 0 },
        ],
      },
      operations_per_day: expect.any(Array),
    });
    expect(body.operations_per_day).toHaveLength(30);
    expect(body.operations_per_day[29]).toEqual({ day: utcDay(), operations: 0, records_written: 0 });
    expect(body.operations_per_day[0].day).toBe(utcDay(29));
  });

  it('counts extensions by channel and type with opt-in rates, exact after every kind of write', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2', 'c3'] });
    // plain SQL, as an operator's COPY would
    await insertExtensions(t.dataSource, brand.id, [
      { contact_key: 'c3', address: 'sql1@x.com', channel: 'E', name: 'Work Email', permission: true },
      { contact_key: 'c3', address: '905351234567', channel: 'S' },
    ]);
    await bulkExtensions(t, token, {
      columns: ALL_COLUMNS,
      insertIfNotExists: true,
      contactDatas: [
        { contact_key: 'c1', address: 'a@x.com', channel: 'E', name: 'Work Email', permission: true },
        { contact_key: 'c1', address: 'b@x.com', channel: 'E', name: 'Personal Email' },
        { contact_key: 'c2', address: 'c@x.com', channel: 'E', name: 'Work Email' },
        { contact_key: 'c2', address: '905359876543', channel: 'W', name: 'WhatsApp', permission: true },
      ],
    }).expect(200);
    let body = await stats(token);
    expect(body.extensions.total).toBe(6);
    expect(body.extensions.by_channel).toEqual([
      { channel: 'E', total: 4, opted_in: 2, opt_in_rate: 0.5 },
      { channel: 'S', total: 1, opted_in: 0, opt_in_rate: 0 },
      { channel: 'W', total: 1, opted_in: 1, opt_in_rate: 1 },
    ]);
    expect(body.extensions.by_type).toContainEqual({ channel: 'S', name: null, column_order: null, total: 1, opted_in: 0 });
    expect(fromStats(body)).toEqual(await counted(brand.id));

    // updates (permission, type, rename), a type rename, deletes of one, in bulk and of a contact
    await bulkExtensions(t, token, {
      columns: ALL_COLUMNS,
      contactDatas: [
        { contact_key: 'c1', address: 'a@x.com', permission: false },
        { contact_key: 'c1', address: 'b@x.com', name: 'Work Email', permission: true },
        { contact_key: 'c2', address: 'c@x.com', channel: 'E', new_address: 'c2@x.com', name: null },
      ],
    }).expect(200);
    const types = (await call(t, token, 'get', '/admin/extension-types').expect(200)).body.items;
    const work = types.find((x: { name: string }) => x.name === 'Work Email');
    await call(t, token, 'patch', `/admin/extension-types/${work.id}`, { body: { name: 'Business Email' } }).expect(200);
    expect(fromStats(await stats(token))).toEqual(await counted(brand.id));
    await call(t, token, 'delete', '/admin/contact-extensions', { query: { contact_key: 'c3', address: '905351234567' } }).expect(200);
    await call(t, token, 'post', '/admin/contact-extensions/bulk-delete', {
      body: { contactDatas: [{ contact_key: 'c3', address: 'sql1@x.com' }] },
    }).expect(200);
    await call(t, token, 'delete', `/admin/extension-types/${work.id}`, { query: { clearExtensions: 'true' } }).expect(200);
    await call(t, token, 'delete', '/admin/contacts/c2').expect(200);
    body = await stats(token);
    expect(fromStats(body)).toEqual(await counted(brand.id));
    expect(body.extensions.total).toBe(2);
    expect(body.extensions.by_type.map((x: { name: string | null }) => x.name)).not.toContain('Business Email');
  });

  it('counts operations and records written per day for the last 30 days', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    await bulkContacts(t, token, {
      columns: ['contact_key', 'name'],
      contactDatas: [{ contact_key: 'c1', name: 'x' }, { contact_key: 'c2' }, { contact_key: 'c3' }],
    }).expect(200);
    await bulkExtensions(t, token, {
      columns: ALL_COLUMNS,
      insertIfNotExists: true,
      contactDatas: [{ contact_key: 'c1', address: 'a@x.com', channel: 'E' }],
    }).expect(200);
    await bulkExtensions(t, token, {
      columns: ALL_COLUMNS,
      contactDatas: [{ contact_key: 'c1', address: 'a@x.com', permission: true }],
    }).expect(200);
    await call(t, token, 'post', '/admin/contact-extensions/bulk-delete', {
      body: { contactDatas: [{ contact_key: 'c1', address: 'a@x.com' }] },
    }).expect(200);
    // two older operations: 29 days ago is in, 30 days ago is out
    await t.dataSource.query(
      `INSERT INTO operation (brand_id, kind, request_id, started_at, total, inserted, updated, deleted)
       VALUES ($1, 'contacts.bulk_upsert', 'old-in', now() - interval '29 days', 5, 5, 0, 0),
              ($1, 'contacts.bulk_upsert', 'old-out', now() - interval '31 days', 7, 7, 0, 0)`,
      [brand.id],
    );
    const days = (await stats(token)).operations_per_day;
    expect(days[29]).toEqual({ day: utcDay(), operations: 4, records_written: 3 + 1 + 1 + 1 });
    expect(days.reduce((sum: number, d: { operations: number }) => sum + d.operations, 0)).toBe(5);
    expect(days.reduce((sum: number, d: { records_written: number }) => sum + d.records_written, 0)).toBe(11);
  });

  it('folds many counter deltas into one per group when it reads them, without changing any count', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@x.com', channel: 'E', permission: true }]);
    // 1200 deltas that cancel out, as many small writes would leave
    await t.dataSource.query(
      `INSERT INTO extension_count (brand_id, channel, name, permission, n)
       SELECT $1, 'S', 'Mobile', false, CASE WHEN g % 2 = 0 THEN 1 ELSE -1 END FROM generate_series(1, 1200) g`,
      [brand.id],
    );
    const before = await stats(token);
    const deltas = async () =>
      (await t.dataSource.query('SELECT count(*)::int AS n FROM extension_count WHERE brand_id = $1', [brand.id]))[0].n;
    expect(await deltas()).toBe(1);
    expect({ ...(await stats(token)), generated_at: null }).toEqual({ ...before, generated_at: null });
    expect(fromStats(before)).toEqual(await counted(brand.id));
  });

  it('needs ContactExtensions.Read', async () => {
    const { brand } = await brandWithToken(t.dataSource, t.http);
    const token = await login(
      t.http,
      await createApiUser(t.dataSource, brand.id, { permissions: PERMISSIONS.filter((p) => p !== 'ContactExtensions.Read') }),
    );
    expect((await call(t, token, 'get', '/admin/stats').expect(403)).body).toMatchObject(FORBIDDEN_BODY);
  });

  it('counts nothing of another brand', async () => {
    const a = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    await bulkExtensions(t, a.token, {
      columns: ALL_COLUMNS,
      insertIfNotExists: true,
      contactDatas: [{ contact_key: 'c1', address: 'a@x.com', channel: 'E', permission: true }],
    }).expect(200);
    const b = await brandWithToken(t.dataSource, t.http, { types: [] });
    const body = await stats(b.token);
    expect(body.extensions).toEqual({
      total: 0,
      by_channel: ['E', 'S', 'W'].map((channel) => ({ channel, total: 0, opted_in: 0, opt_in_rate: null })),
      by_type: [],
    });
    expect(body.operations_per_day.every((d: { operations: number }) => d.operations === 0)).toBe(true);
    expect((await stats(a.token)).extensions.total).toBe(1);
  });
});
