import { brandWithToken, extensionsOf, insertExtensions } from './support/factories';
import { ALL_COLUMNS, bulk, bulkRaw, BulkResult, expectCountsAddUp } from './support/bulk';
import { createTestApp, TestApp } from './support/test-app';

/**
 * BulkUpsertExtensions, request-level errors (contract section 4): each one is a 400 INVALID_REQUEST
 * with `details`, and nothing is written, not even the valid records of the same request.
 */
describe('POST /rest/bulk/contact_extensions: request-level errors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  /** A body that would insert one extension of contact c1, were it not for what a test breaks. */
  const validBody = (): Record<string, unknown> => ({
    columns: ['contact_key', 'address', 'channel'],
    insertIfNotExists: true,
    throwOnError: false,
    contactDatas: [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }],
  });

  async function setup(options: { columns?: string[] } = {}) {
    return brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'], ...options });
  }

  function expectInvalidRequest(res: { status: number; body: Record<string, unknown> }): void {
    expect(res.status).toBe(400);
    // toMatchObject: the answer may carry more (a request id), but never less
    expect(res.body).toMatchObject({
      statusCode: 400,
      code: 'INVALID_REQUEST',
      message: expect.any(String),
      details: expect.any(Array),
    });
    expect((res.body.message as string).length).toBeGreaterThan(0);
    for (const detail of res.body.details as unknown[]) expect(typeof detail).toBe('string');
  }

  async function expectNothingWritten(brandId: number): Promise<void> {
    await expect(extensionsOf(t.dataSource, brandId)).resolves.toEqual([]);
  }

  it('accepts the valid body these tests break (so each 400 below is due to the one change)', async () => {
    const { brand, token } = await setup();
    const res = await bulk(t, token, validBody()).expect(200);
    expect(res.body).toMatchObject({ total: 1, inserted: 1, failed: 0 });
    await expect(extensionsOf(t.dataSource, brand.id)).resolves.toHaveLength(1);
  });

  describe('the body must be a JSON object', () => {
    it.each([
      ['an array', JSON.stringify([validBody()])],
      ['a number', '42'],
      ['a string', JSON.stringify('hello')],
      ['null', 'null'],
      ['invalid JSON', '{"columns": ["contact_key", "address"], "contactDatas": ['],
      ['empty text', ''],
    ])('refuses a body that is %s', async (_what, raw) => {
      const { brand, token } = await setup();
      const res = await bulkRaw(t, token, raw);
      expectInvalidRequest(res);
      await expectNothingWritten(brand.id);
    });
  });

  describe('top-level properties', () => {
    it('refuses an unknown top-level property', async () => {
      const { brand, token } = await setup();
      const res = await bulk(t, token, { ...validBody(), upsert: true });
      expectInvalidRequest(res);
      expect(JSON.stringify(res.body.details)).toContain('upsert');
      await expectNothingWritten(brand.id);
    });

    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('refuses %s as an unknown top-level property', async (key) => {
      const { brand, token } = await setup();
      const body = JSON.stringify(validBody()).replace(/^\{/, `{"${key}": {"x": 1}, `);
      const res = await bulkRaw(t, token, body);
      expectInvalidRequest(res);
      await expectNothingWritten(brand.id);
    });
  });

  describe('columns', () => {
    it.each<[string, (b: Record<string, unknown>) => void]>([
      ['missing', (b) => delete b.columns],
      ['empty', (b) => (b.columns = [])],
      ['not an array (a string)', (b) => (b.columns = 'contact_key,address,channel')],
      ['not an array (an object)', (b) => (b.columns = { 0: 'contact_key', 1: 'address' })],
      ['null', (b) => (b.columns = null)],
      ['containing a non-string', (b) => (b.columns = ['contact_key', 'address', 'channel', 7])],
      ['containing null', (b) => (b.columns = ['contact_key', 'address', 'channel', null])],
      // the validation pipe copies an array of objects as as many nulls: still refused
      ['of objects', (b) => (b.columns = [{}, { name: 'address' }])],
      ['containing an unknown column', (b) => (b.columns = ['contact_key', 'address', 'channel', 'email'])],
      ['naming a column twice', (b) => (b.columns = ['contact_key', 'address', 'channel', 'address'])],
      ['naming a column twice (six entries)', (b) => (b.columns = [...ALL_COLUMNS, 'name'])],
      ['without contact_key', (b) => (b.columns = ['address', 'channel'])],
      ['without address', (b) => (b.columns = ['contact_key', 'channel'])],
    ])('refuses columns %s', async (_what, change) => {
      const { brand, token } = await setup();
      const body = validBody();
      change(body);
      const res = await bulk(t, token, body);
      expectInvalidRequest(res);
      await expectNothingWritten(brand.id);
    });

    it('refuses a column that is not enabled for the brand', async () => {
      const { brand, token } = await setup({ columns: ['contact_key', 'address', 'channel'] });
      const res = await bulk(t, token, {
        ...validBody(),
        columns: ['contact_key', 'address', 'channel', 'name'],
        contactDatas: [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email' }],
      });
      expectInvalidRequest(res);
      expect(JSON.stringify(res.body)).toContain('name');
      await expectNothingWritten(brand.id);
    });

    it('accepts the enabled columns of a brand that has switched some off', async () => {
      const { brand, token } = await setup({ columns: ['contact_key', 'address', 'channel'] });
      const res = await bulk(t, token, validBody()).expect(200);
      expect(res.body).toMatchObject({ total: 1, inserted: 1 });
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toHaveLength(1);
    });
  });

  describe('contactDatas', () => {
    it.each<[string, (b: Record<string, unknown>) => void]>([
      ['missing', (b) => delete b.contactDatas],
      ['empty', (b) => (b.contactDatas = [])],
      ['not an array (an object)', (b) => (b.contactDatas = { contact_key: 'c1', address: 'a@b.com', channel: 'E' })],
      ['not an array (a string)', (b) => (b.contactDatas = 'c1,a@b.com,E')],
      ['null', (b) => (b.contactDatas = null)],
    ])('refuses contactDatas %s', async (_what, change) => {
      const { brand, token } = await setup();
      const body = validBody();
      change(body);
      const res = await bulk(t, token, body);
      expectInvalidRequest(res);
      await expectNothingWritten(brand.id);
    });

    const records = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ contact_key: 'c1', address: `user${i}@example.com`, channel: 'E' }));

    it.each<[string, (b: Record<string, unknown>) => void, string]>([
      ['columns missing', (b) => delete b.columns, 'columns is required'],
      ['contactDatas missing', (b) => delete b.contactDatas, 'contactDatas is required'],
      ['contactDatas a string', (b) => (b.contactDatas = 'c1'), 'contactDatas must be an array'],
      ['contactDatas empty', (b) => (b.contactDatas = []), 'contactDatas must hold at least 1 record'],
      ['1001 records', (b) => (b.contactDatas = records(1001)), 'contactDatas must hold at most 1000 records'],
    ])('names the rule broken first: %s', async (_what, change, message) => {
      const { token } = await setup();
      const body = validBody();
      change(body);
      const res = await bulk(t, token, body);
      expectInvalidRequest(res);
      expect(res.body).toMatchObject({ message, details: [message] });
    });

    it('refuses 1001 records and writes none of them', async () => {
      const { brand, token } = await setup();
      const res = await bulk(t, token, { ...validBody(), contactDatas: records(1001) });
      expectInvalidRequest(res);
      await expectNothingWritten(brand.id);
    });

    it('accepts 1000 records and writes all of them in one request', async () => {
      const { brand, token } = await setup();
      const res = await bulk(t, token, { ...validBody(), throwOnError: true, contactDatas: records(1000) }).expect(200);
      const body = res.body as BulkResult;
      expectCountsAddUp(body, 1000);
      expect(body).toMatchObject({
        total: 1000,
        inserted: 1000,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        failed: 0,
        errors: [],
        warnings: [],
      });
      const rows = await extensionsOf(t.dataSource, brand.id);
      expect(rows).toHaveLength(1000);
      // one transaction: every row carries the same transaction timestamp (now())
      expect(new Set(rows.map((r) => r.created_at.toISOString())).size).toBe(1);
    });
  });

  describe('flags', () => {
    it.each([
      ['insertIfNotExists', 'true'],
      ['insertIfNotExists', 1],
      ['insertIfNotExists', 0],
      ['insertIfNotExists', null],
      ['throwOnError', 'true'],
      ['throwOnError', 'false'],
      ['throwOnError', 1],
      ['throwOnError', null],
    ])('refuses %s = %j (not a boolean)', async (flag, value) => {
      const { brand, token } = await setup();
      const res = await bulk(t, token, { ...validBody(), [flag]: value });
      expectInvalidRequest(res);
      expect(JSON.stringify(res.body)).toContain(flag);
      await expectNothingWritten(brand.id);
    });
  });

  describe('insertIfNotExists with renames', () => {
    it.each([
      ['new_contact_key', { new_contact_key: 'c2' }],
      ['new_address', { new_address: 'new@b.com' }],
    ])('refuses insertIfNotExists true with a record carrying %s, and writes nothing', async (_what, rename) => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'old@b.com', channel: 'E' }]);
      const before = await extensionsOf(t.dataSource, brand.id);
      const res = await bulk(t, token, {
        ...validBody(),
        contactDatas: [
          { contact_key: 'c1', address: 'a@b.com', channel: 'E' },
          { contact_key: 'c1', address: 'old@b.com', channel: 'E', ...rename },
        ],
      });
      expectInvalidRequest(res);
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual(before);
    });

    it('does not count new_contact_key: null or new_address: null as a rename', async () => {
      const { brand, token } = await setup();
      const res = await bulk(t, token, {
        ...validBody(),
        contactDatas: [
          { contact_key: 'c1', address: 'a@b.com', channel: 'E', new_contact_key: null },
          { contact_key: 'c1', address: 'b@b.com', channel: 'E', new_address: null },
        ],
      }).expect(200);
      expect(res.body).toMatchObject({ total: 2, inserted: 2, failed: 0 });
      expect((await extensionsOf(t.dataSource, brand.id)).map((r) => r.address)).toEqual(['a@b.com', 'b@b.com']);
    });

    it('allows renames when insertIfNotExists is false', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'old@b.com', channel: 'E' }]);
      const res = await bulk(t, token, {
        ...validBody(),
        insertIfNotExists: false,
        contactDatas: [{ contact_key: 'c1', address: 'old@b.com', new_contact_key: 'c2' }],
      }).expect(200);
      expect(res.body).toMatchObject({ total: 1, updated: 1, failed: 0 });
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([expect.objectContaining({ contact_key: 'c2', address: 'old@b.com' })]);
    });
  });

  describe('body size', () => {
    it('answers 413 PAYLOAD_TOO_LARGE to a body over the default 5mb limit, and writes nothing', async () => {
      const { brand, token } = await setup();
      // 1000 otherwise valid records padded to about 6 MB
      const padding = 'x'.repeat(6000);
      const contactDatas = Array.from({ length: 1000 }, (_, i) => ({
        contact_key: 'c1',
        address: `u${i}@b.com`,
        channel: 'E',
        name: padding,
      }));
      const res = await bulk(t, token, { ...validBody(), columns: ALL_COLUMNS, contactDatas });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) });
      await expectNothingWritten(brand.id);
    });

    it('accepts 1000 records of the longest legal values under the default limit', async () => {
      const longName = 'N'.repeat(100);
      const contactKey = 'k'.repeat(200);
      const { brand, token } = await brandWithToken(t.dataSource, t.http, {
        contacts: [contactKey],
        types: [{ channel: 'E', name: longName }],
      });
      // 320 characters each, distinct (otherwise they would be duplicates in the request)
      const contactDatas = Array.from({ length: 1000 }, (_, i) => {
        const local = `u${String(i).padStart(4, '0')}`;
        return {
          contact_key: contactKey,
          address: `${local}@${'d'.repeat(320 - local.length - 1 - 4)}.com`,
          channel: 'E',
          name: longName,
          permission: true,
        };
      });
      for (const r of contactDatas) expect(r.address).toHaveLength(320);
      const body = { columns: ALL_COLUMNS, insertIfNotExists: true, throwOnError: false, contactDatas };
      expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThan(5 * 1024 * 1024);
      const res = await bulk(t, token, body).expect(200);
      expectCountsAddUp(res.body as BulkResult, 1000);
      // a 320-character email cannot be valid (the domain is at most 253), so these are record errors, not a 413
      const result = res.body as BulkResult;
      expect(new Set(result.errors.map((e) => `${e.code}/${e.field}`))).toEqual(new Set(['INVALID_ADDRESS/address']));
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toHaveLength(result.inserted);
    });
  });
});
