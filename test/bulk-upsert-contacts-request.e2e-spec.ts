import request from 'supertest';
import { bulkContacts } from './support/admin';
import { brandWithToken } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/**
 * BulkUpsertContacts, request-level errors: the envelope cases of BulkUpsertExtensions
 * (test/bulk-upsert-request.e2e-spec.ts) for POST /rest/bulk/contacts. Each is a 400 INVALID_REQUEST
 * with `details`, whose message names the rule broken first, and nothing is written.
 */
describe('POST /rest/bulk/contacts: request-level errors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const ALL = ['contact_key', 'name', 'surname', 'email', 'gsm', 'email_permission', 'gsm_permission', 'contact_status'];

  /** A body that would insert contact c1, were it not for what a test breaks. */
  const validBody = (): Record<string, unknown> => ({
    columns: ['contact_key', 'name'],
    throwOnError: false,
    contactDatas: [{ contact_key: 'c1', name: 'Jane' }],
  });

  const contactsOf = async (brandId: number): Promise<string[]> =>
    (
      (await t.dataSource.query('SELECT contact_key FROM master_contact WHERE brand_id = $1 ORDER BY contact_key COLLATE "C"', [
        brandId,
      ])) as { contact_key: string }[]
    ).map((r) => r.contact_key);

  const raw = (token: string, text: string): request.Test =>
    t.http.post('/rest/bulk/contacts').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(text);

  function expectInvalidRequest(res: { status: number; body: Record<string, unknown> }, message?: string | RegExp): void {
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST', message: expect.any(String), details: expect.any(Array) });
    expect((res.body.message as string).length).toBeGreaterThan(0);
    for (const detail of res.body.details as unknown[]) expect(typeof detail).toBe('string');
    if (message !== undefined) expect(res.body.message).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
  }

  /** Runs `send` on a fresh brand and checks that the answer is a 400 INVALID_REQUEST and that nothing was written. */
  async function refused(send: (token: string) => request.Test, message?: string | RegExp): Promise<Record<string, unknown>> {
    const { brand, token } = await brandWithToken(t.dataSource, t.http);
    const res = await send(token);
    expectInvalidRequest(res, message);
    await expect(contactsOf(brand.id)).resolves.toEqual([]);
    return res.body as Record<string, unknown>;
  }

  const changed = (change: (b: Record<string, unknown>) => void): Record<string, unknown> => {
    const body = validBody();
    change(body);
    return body;
  };

  it('accepts the valid body these tests break (so each 400 below is due to the one change)', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http);
    const res = await bulkContacts(t, token, validBody()).expect(200);
    expect(res.body).toMatchObject({ total: 1, inserted: 1, failed: 0 });
    await expect(contactsOf(brand.id)).resolves.toEqual(['c1']);
  });

  describe('the body must be a JSON object', () => {
    it.each([
      ['an array', JSON.stringify([{ columns: ['contact_key'], contactDatas: [{ contact_key: 'c1' }] }])],
      ['a number', '42'],
      ['a string', JSON.stringify('hello')],
      ['null', 'null'],
      ['invalid JSON', '{"columns": ["contact_key"], "contactDatas": ['],
      ['empty text', ''],
    ])('refuses a body that is %s', async (_what, text) => {
      await refused((token) => raw(token, text));
    });
  });

  describe('top-level properties', () => {
    it('refuses an unknown top-level property', async () => {
      const body = await refused((token) => bulkContacts(t, token, { ...validBody(), upsert: true }), 'unknown property upsert');
      expect(body.details).toEqual(['unknown property upsert']);
    });

    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('refuses %s as an unknown top-level property', async (key) => {
      const text = JSON.stringify(validBody()).replace(/^\{/, `{"${key}": {"x": 1}, `);
      await refused((token) => raw(token, text), `unknown property ${key}`);
    });
  });

  describe('columns', () => {
    it.each<[string, (b: Record<string, unknown>) => void, string | RegExp]>([
      ['missing', (b) => delete b.columns, 'columns is required'],
      ['empty', (b) => (b.columns = []), 'columns must name at least one column'],
      ['not an array (a string)', (b) => (b.columns = 'contact_key,name'), 'columns must be an array'],
      ['not an array (an object)', (b) => (b.columns = { 0: 'contact_key', 1: 'name' }), 'columns must be an array'],
      ['null', (b) => (b.columns = null), 'columns is required'],
      ['containing a non-string', (b) => (b.columns = ['contact_key', 'name', 7]), /^each column must be one of /],
      ['containing null', (b) => (b.columns = ['contact_key', 'name', null]), /^each column must be one of /],
      ['containing an object', (b) => (b.columns = ['contact_key', { name: 'name' }]), /^each column must be one of /],
      ['of objects only', (b) => (b.columns = [{ name: 'contact_key' }]), /^each column must be one of /],
      ['containing an unknown column', (b) => (b.columns = ['contact_key', 'name', 'age']), /^each column must be one of /],
      ['naming a column twice', (b) => (b.columns = ['contact_key', 'name', 'name']), 'columns must not name a column twice'],
      ['naming a column twice (nine entries)', (b) => (b.columns = [...ALL, 'name']), 'columns must name at most 8 columns'],
      ['without contact_key', (b) => (b.columns = ['name', 'surname']), 'columns must contain contact_key'],
    ])('refuses columns %s, naming that rule', async (_what, change, message) => {
      await refused((token) => bulkContacts(t, token, changed(change)), message);
    });

    it('accepts every column at once', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      const res = await bulkContacts(t, token, { ...validBody(), columns: ALL }).expect(200);
      expect(res.body).toMatchObject({ total: 1, inserted: 1 });
      await expect(contactsOf(brand.id)).resolves.toEqual(['c1']);
    });
  });

  describe('contactDatas', () => {
    const records = (n: number) => Array.from({ length: n }, (_, i) => ({ contact_key: `c${i}` }));

    it.each<[string, (b: Record<string, unknown>) => void, string]>([
      ['missing', (b) => delete b.contactDatas, 'contactDatas is required'],
      ['null', (b) => (b.contactDatas = null), 'contactDatas is required'],
      ['empty', (b) => (b.contactDatas = []), 'contactDatas must hold at least 1 record'],
      ['not an array (an object)', (b) => (b.contactDatas = { contact_key: 'c1' }), 'contactDatas must be an array'],
      ['not an array (a string)', (b) => (b.contactDatas = 'c1'), 'contactDatas must be an array'],
      ['of 1001 records', (b) => (b.contactDatas = records(1001)), 'contactDatas must hold at most 1000 records'],
    ])('refuses contactDatas %s, naming that rule', async (_what, change, message) => {
      const body = await refused((token) => bulkContacts(t, token, changed(change)), message);
      expect(body.details).toEqual([message]);
    });

    it('names the first broken rule of the first property when both are missing', async () => {
      await refused((token) => bulkContacts(t, token, { throwOnError: false }), 'The request is not valid.').then((body) =>
        expect(body.details).toEqual(['columns is required', 'contactDatas is required']),
      );
    });

    it('accepts 1000 records and writes all of them in one request', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      const res = await bulkContacts(t, token, { ...validBody(), columns: ['contact_key'], contactDatas: records(1000) }).expect(200);
      expect(res.body).toMatchObject({ total: 1000, inserted: 1000, failed: 0, errors: [], warnings: [] });
      await expect(contactsOf(brand.id)).resolves.toHaveLength(1000);
    });
  });

  describe('flags', () => {
    it.each([['true'], ['false'], [1], [0], [null], [{}]])('refuses throwOnError = %j (not a boolean)', async (value) => {
      await refused((token) => bulkContacts(t, token, { ...validBody(), throwOnError: value }), 'throwOnError must be a boolean');
    });

    it.each(['insertIfNotExists', 'validateOnly'])('refuses %s, a flag of the extensions endpoint only', async (flag) => {
      await refused((token) => bulkContacts(t, token, { ...validBody(), [flag]: true }), `unknown property ${flag}`);
    });
  });

  describe('body size', () => {
    it('answers 413 PAYLOAD_TOO_LARGE to a body over the default 5mb limit, and writes nothing', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      const padding = 'x'.repeat(6000);
      const contactDatas = Array.from({ length: 1000 }, (_, i) => ({ contact_key: `c${i}`, name: padding }));
      const res = await bulkContacts(t, token, { ...validBody(), contactDatas });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) });
      await expect(contactsOf(brand.id)).resolves.toEqual([]);
    });

    it('accepts 1000 records of the longest legal values under the default limit', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http);
      const contactDatas = Array.from({ length: 1000 }, (_, i) => ({
        contact_key: `${String(i).padStart(4, '0')}${'k'.repeat(196)}`,
        name: 'N'.repeat(200),
        surname: 'S'.repeat(200),
        email: `${String(i).padStart(4, '0')}${'e'.repeat(56)}@${'d'.repeat(60)}.example.com`,
        gsm: '+90 535 123 45 67',
        email_permission: true,
        gsm_permission: true,
        contact_status: 'A',
      }));
      const body = { columns: ALL, throwOnError: true, contactDatas };
      expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThan(5 * 1024 * 1024);
      const res = await bulkContacts(t, token, body).expect(200);
      expect(res.body).toMatchObject({ total: 1000, inserted: 1000, failed: 0 });
      await expect(contactsOf(brand.id)).resolves.toHaveLength(1000);
    });
  });
});
