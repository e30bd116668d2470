import { DataSource } from 'typeorm';
import { ALL_COLUMNS } from './support/bulk';
import { brandWithToken, insertExtensions } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/*
 * BulkUpsertExtensions over HTTP against the real schema: renames (judged on the state after the
 * request), unchanged updates that leave updated_at alone, and throwOnError.
 */

// jest.config.js sets testTimeout per project, where Jest ignores it; hooks and tests here talk to a database
jest.setTimeout(60_000);

interface Row {
  id: string;
  contact_key: string;
  address: string;
  channel: string;
  name: string | null;
  permission: boolean;
  created_at: string;
  updated_at: string;
}

/** Rows of a brand by id, timestamps as PostgreSQL text so that microseconds count. */
async function rowsOf(ds: DataSource, brandId: number): Promise<Row[]> {
  return ds.query(
    `SELECT id::text, contact_key, address, channel, name, permission, created_at::text, updated_at::text
       FROM master_contact_extensions e WHERE brand_id = $1 ORDER BY e.id`,
    [brandId],
  );
}

const byAddress = (rows: Row[]): Record<string, Row> => Object.fromEntries(rows.map((r) => [`${r.contact_key} ${r.address}`, r]));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A rename of an email extension of `contactKey` from `from` to `to`. */
const rename = (from: string, to: string, contactKey = 'c1') => ({ contact_key: contactKey, address: from, channel: 'E', new_address: to });

describe('bulk upsert: renames, unchanged updates and throwOnError', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  function bulk(token: string, body: Record<string, unknown>) {
    return t.http
      .post('/rest/bulk/contact_extensions')
      .set('Authorization', `Bearer ${token}`)
      .send({ columns: ALL_COLUMNS, ...body });
  }

  /** A brand with contacts c1..c3 and the given email extensions of c1 (name 'Work Email', permission true). */
  async function brandWith(addresses: string[], contactKey = 'c1') {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2', 'c3'] });
    if (addresses.length > 0) {
      await insertExtensions(
        t.dataSource,
        brand.id,
        addresses.map((address) => ({ contact_key: contactKey, address, channel: 'E', name: 'Work Email', permission: true })),
      );
    }
    return { brandId: brand.id, token, before: await rowsOf(t.dataSource, brand.id) };
  }

  it('new_address renames the extension in place: same id and created_at, other values kept, updated_at bumped', async () => {
    const { brandId, token, before } = await brandWith(['a@x.com']);
    await sleep(5);
    const res = await bulk(token, {
      contactDatas: [{ contact_key: 'c1', address: 'A@X.COM', channel: 'E', new_address: ' New@X.com ' }],
    }).expect(200);
    expect(res.body).toMatchObject({ total: 1, inserted: 0, updated: 1, unchanged: 0, skipped: 0, failed: 0, errors: [], warnings: [] });
    const after = await rowsOf(t.dataSource, brandId);
    expect(after).toEqual([{ ...before[0], address: 'new@x.com', updated_at: expect.any(String) }]);
    expect(after[0].updated_at > before[0].updated_at).toBe(true);
  });

  it('new_contact_key moves the extension to another contact, keeping id and created_at', async () => {
    const { brandId, token, before } = await brandWith(['a@x.com']);
    const res = await bulk(token, { contactDatas: [{ contact_key: 'c1', address: 'a@x.com', new_contact_key: 'c2' }] }).expect(200);
    expect(res.body).toMatchObject({ updated: 1, failed: 0 });
    const after = await rowsOf(t.dataSource, brandId);
    expect(after).toEqual([{ ...before[0], contact_key: 'c2', updated_at: expect.any(String) }]);
    const list = await t.http.get('/rest/contact_extensions?contact_key=c2').set('Authorization', `Bearer ${token}`).expect(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ contact_key: 'c2', address: 'a@x.com', name: 'Work Email', permission: true }),
    ]);
  });

  it('a chain of renames (a to b, b to c) in one request succeeds', async () => {
    const { brandId, token, before } = await brandWith(['a@x.com', 'b@x.com']);
    const [a, b] = before;
    const res = await bulk(token, { contactDatas: [rename('a@x.com', 'b@x.com'), rename('b@x.com', 'c@x.com')] }).expect(200);
    expect(res.body).toMatchObject({ total: 2, updated: 2, failed: 0, errors: [] });
    const after = byAddress(await rowsOf(t.dataSource, brandId));
    expect(Object.keys(after).sort()).toEqual(['c1 b@x.com', 'c1 c@x.com']);
    expect(after['c1 b@x.com']).toMatchObject({ id: a.id, created_at: a.created_at });
    expect(after['c1 c@x.com']).toMatchObject({ id: b.id, created_at: b.created_at });
  });

  it('a swap (a to b and b to a) in one request succeeds', async () => {
    const { brandId, token, before } = await brandWith(['a@x.com', 'b@x.com']);
    const [a, b] = before;
    const res = await bulk(token, { contactDatas: [rename('a@x.com', 'b@x.com'), rename('b@x.com', 'a@x.com')] }).expect(200);
    expect(res.body).toMatchObject({ updated: 2, failed: 0 });
    const after = byAddress(await rowsOf(t.dataSource, brandId));
    expect(after['c1 b@x.com'].id).toBe(a.id);
    expect(after['c1 a@x.com'].id).toBe(b.id);
    expect(Object.keys(after)).toHaveLength(2);
  });

  it('a rotation of three and a swap of contacts with new_contact_key in one request succeed', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
    const brandId = brand.id;
    await insertExtensions(t.dataSource, brandId, [
      { contact_key: 'c1', address: 'a@x.com', channel: 'E' },
      { contact_key: 'c1', address: 'b@x.com', channel: 'E' },
      { contact_key: 'c1', address: 'c@x.com', channel: 'E' },
      { contact_key: 'c1', address: 's@x.com', channel: 'E', permission: true },
      { contact_key: 'c2', address: 's@x.com', channel: 'E', permission: false },
    ]);
    const before = byAddress(await rowsOf(t.dataSource, brandId));
    const res = await bulk(token, {
      contactDatas: [
        rename('a@x.com', 'b@x.com'),
        rename('b@x.com', 'c@x.com'),
        rename('c@x.com', 'a@x.com'),
        { contact_key: 'c1', address: 's@x.com', new_contact_key: 'c2' },
        { contact_key: 'c2', address: 's@x.com', new_contact_key: 'c1' },
      ],
    }).expect(200);
    expect(res.body).toMatchObject({ total: 5, updated: 5, failed: 0, errors: [] });
    const after = byAddress(await rowsOf(t.dataSource, brandId));
    expect(after['c1 b@x.com'].id).toBe(before['c1 a@x.com'].id);
    expect(after['c1 c@x.com'].id).toBe(before['c1 b@x.com'].id);
    expect(after['c1 a@x.com'].id).toBe(before['c1 c@x.com'].id);
    expect(after['c2 s@x.com']).toMatchObject({ id: before['c1 s@x.com'].id, permission: true });
    expect(after['c1 s@x.com']).toMatchObject({ id: before['c2 s@x.com'].id, permission: false });
  });

  it('a blocked chain fails backwards with DUPLICATE_EXTENSION and changes nothing of the failed records', async () => {
    const { brandId, token, before } = await brandWith(['a@x.com', 'b@x.com', 'c@x.com', 'd@x.com', 'p@x.com']);
    await sleep(5);
    const res = await bulk(token, {
      throwOnError: false,
      contactDatas: [
        rename('a@x.com', 'b@x.com'),
        rename('b@x.com', 'c@x.com'),
        rename('c@x.com', 'd@x.com'),
        rename('p@x.com', 'q@x.com'),
      ],
    }).expect(200);
    expect(res.body).toMatchObject({ total: 4, updated: 1, failed: 3, unchanged: 0, skipped: 0 });
    expect(res.body.errors.map((e: { index: number; code: string }) => [e.index, e.code])).toEqual([
      [0, 'DUPLICATE_EXTENSION'],
      [1, 'DUPLICATE_EXTENSION'],
      [2, 'DUPLICATE_EXTENSION'],
    ]);
    const after = await rowsOf(t.dataSource, brandId);
    // a, b, c, d untouched (updated_at too); only p moved to q
    expect(after.slice(0, 4)).toEqual(before.slice(0, 4));
    expect(after[4]).toMatchObject({ id: before[4].id, address: 'q@x.com' });
  });

  it('a record failing for another reason keeps its key and blocks a rename into it', async () => {
    const { brandId, token, before } = await brandWith(['a@x.com', 'b@x.com']);
    const res = await bulk(token, {
      throwOnError: false,
      contactDatas: [rename('a@x.com', 'b@x.com'), { contact_key: 'c1', address: 'b@x.com', new_contact_key: 'ghost' }],
    }).expect(200);
    expect(res.body.errors.map((e: { index: number; code: string; field?: string }) => [e.index, e.code, e.field])).toEqual([
      [0, 'DUPLICATE_EXTENSION', undefined],
      [1, 'CONTACT_NOT_FOUND', 'new_contact_key'],
    ]);
    expect(await rowsOf(t.dataSource, brandId)).toEqual(before);
  });

  it('with throwOnError true a blocked rename fails the request with VALIDATION_FAILED and writes nothing', async () => {
    const { brandId, token, before } = await brandWith(['a@x.com', 'b@x.com', 'p@x.com']);
    const res = await bulk(token, { contactDatas: [rename('a@x.com', 'b@x.com'), rename('p@x.com', 'q@x.com')] }).expect(400);
    expect(res.body).toMatchObject({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      errors: [expect.objectContaining({ index: 0, code: 'DUPLICATE_EXTENSION', contact_key: 'c1', address: 'a@x.com' })],
      warnings: [],
    });
    expect(await rowsOf(t.dataSource, brandId)).toEqual(before);
  });

  it('an update that changes nothing is counted unchanged and leaves updated_at as it was', async () => {
    const { brandId, token, before } = await brandWith(['a@x.com', 'b@x.com']);
    await sleep(10);
    const res = await bulk(token, {
      contactDatas: [
        { contact_key: 'c1', address: ' A@X.com', channel: 'E', name: 'Work Email', permission: true },
        { contact_key: 'c1', address: 'b@x.com' },
      ],
    }).expect(200);
    expect(res.body).toMatchObject({ total: 2, inserted: 0, updated: 0, unchanged: 2, skipped: 0, failed: 0 });
    expect(await rowsOf(t.dataSource, brandId)).toEqual(before);
  });

  it('an update that changes permission bumps updated_at and keeps created_at', async () => {
    const { brandId, token, before } = await brandWith(['a@x.com', 'b@x.com']);
    await sleep(10);
    const res = await bulk(token, {
      contactDatas: [
        { contact_key: 'c1', address: 'a@x.com', permission: false },
        { contact_key: 'c1', address: 'b@x.com', permission: true },
      ],
    }).expect(200);
    expect(res.body).toMatchObject({ total: 2, updated: 1, unchanged: 1 });
    const [a, b] = await rowsOf(t.dataSource, brandId);
    expect(a).toMatchObject({ id: before[0].id, permission: false, created_at: before[0].created_at });
    expect(a.updated_at > before[0].updated_at).toBe(true);
    expect(b).toEqual(before[1]);
  });

  it('throwOnError false writes the valid records and reports the invalid ones', async () => {
    const { brandId, token } = await brandWith(['a@x.com']);
    const res = await bulk(token, {
      throwOnError: false,
      insertIfNotExists: true,
      contactDatas: [
        { contact_key: 'c1', address: 'new@x.com', channel: 'E' },
        { contact_key: 'ghost', address: 'g@x.com', channel: 'E' },
        { contact_key: 'c1', address: 'a@x.com', permission: false },
        { contact_key: 'c2', address: 'bad-email', channel: 'E' },
        { contact_key: 'c2', address: 'x@x.com', channel: 'E', extra: 1 },
      ],
    }).expect(200);
    expect(res.body).toMatchObject({ total: 5, inserted: 1, updated: 1, unchanged: 0, skipped: 0, failed: 3, warnings: [] });
    expect(res.body.errors.map((e: { index: number; code: string; field?: string }) => [e.index, e.code, e.field])).toEqual([
      [1, 'CONTACT_NOT_FOUND', 'contact_key'],
      [3, 'INVALID_ADDRESS', 'address'],
      [4, 'UNKNOWN_FIELD', 'extra'],
    ]);
    const rows = byAddress(await rowsOf(t.dataSource, brandId));
    expect(Object.keys(rows).sort()).toEqual(['c1 a@x.com', 'c1 new@x.com']);
    expect(rows['c1 a@x.com'].permission).toBe(false);
    expect(rows['c1 new@x.com']).toMatchObject({ channel: 'E', name: null, permission: false });
  });

  it('throwOnError true (the default) writes nothing when any record is invalid: 400 VALIDATION_FAILED', async () => {
    const { brandId, token, before } = await brandWith(['a@x.com']);
    const res = await bulk(token, {
      insertIfNotExists: true,
      contactDatas: [
        { contact_key: 'c1', address: 'new@x.com', channel: 'E' },
        { contact_key: 'c1', address: 'a@x.com', permission: false },
        { contact_key: 'c1', address: 'other@x.com' },
      ],
    }).expect(400);
    expect(res.body).toMatchObject({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: expect.any(String),
      errors: [expect.objectContaining({ index: 2, contact_key: 'c1', address: 'other@x.com', code: 'MISSING_FIELD', field: 'channel' })],
      warnings: [],
    });
    expect(await rowsOf(t.dataSource, brandId)).toEqual(before);
  });
});
