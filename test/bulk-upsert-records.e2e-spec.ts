import { brandWithToken, createBrand, extensionsOf, insertExtensions } from './support/factories';
import {
  ALL_COLUMNS,
  bulk,
  bulkRaw,
  BulkResult,
  codesOf,
  expectCountsAddUp,
  ISO_UTC_MS,
  Issue,
  issuesOf,
  listExtensions,
} from './support/bulk';
import { createTestApp, TestApp } from './support/test-app';

/**
 * BulkUpsertExtensions, record rules (contract section 4): every row of the rules table, each as an
 * error of its record (never of the request), the defaults, duplicate grouping, throwOnError, and
 * the read-back of section 5.
 */
describe('POST /rest/bulk/contact_extensions: record rules', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  /** A brand with contacts c1, c2 and the default extension types (E: Work Email, Personal Email; S: Mobile; W: WhatsApp). */
  const setup = (options: Parameters<typeof brandWithToken>[2] = {}) =>
    brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'], ...options });

  /** Sends with throwOnError false, expects 200 and the counts to add up. */
  async function upsert(
    token: string,
    contactDatas: unknown[],
    options: { columns?: string[]; insertIfNotExists?: boolean } = {},
  ): Promise<BulkResult> {
    const res = await bulk(t, token, {
      columns: options.columns ?? ALL_COLUMNS,
      insertIfNotExists: options.insertIfNotExists ?? false,
      throwOnError: false,
      contactDatas,
    });
    expect(res.status).toBe(200);
    const body = res.body as BulkResult;
    expectCountsAddUp(body, contactDatas.length);
    return body;
  }

  /** One failed record (index `index`) with exactly these errors, echoed as given. */
  function expectFailed(
    body: BulkResult,
    index: number,
    expected: { code: string; field?: string }[],
    echo?: { contact_key: string | null; address: string | null },
  ): void {
    expect(issuesOf(body.errors, index)).toEqual(codesOf(expected));
    if (echo) {
      for (const e of body.errors.filter((x) => x.index === index)) {
        expect({ contact_key: e.contact_key, address: e.address }).toEqual(echo);
      }
    }
  }

  describe('contact_key and address', () => {
    it.each<[string, Record<string, unknown>, { code: string; field: string }, { contact_key: string | null; address: string | null }]>([
      [
        'contact_key missing',
        { address: 'a@b.com' },
        { code: 'MISSING_FIELD', field: 'contact_key' },
        { contact_key: null, address: 'a@b.com' },
      ],
      [
        'contact_key null',
        { contact_key: null, address: 'a@b.com' },
        { code: 'MISSING_FIELD', field: 'contact_key' },
        { contact_key: null, address: 'a@b.com' },
      ],
      [
        'contact_key empty',
        { contact_key: '', address: 'a@b.com' },
        { code: 'MISSING_FIELD', field: 'contact_key' },
        { contact_key: '', address: 'a@b.com' },
      ],
      [
        'contact_key a number',
        { contact_key: 42, address: 'a@b.com' },
        { code: 'INVALID_FIELD', field: 'contact_key' },
        { contact_key: null, address: 'a@b.com' },
      ],
      [
        'contact_key an object',
        { contact_key: { k: 'c1' }, address: 'a@b.com' },
        { code: 'INVALID_FIELD', field: 'contact_key' },
        { contact_key: null, address: 'a@b.com' },
      ],
      [
        'contact_key over 200 characters',
        { contact_key: 'k'.repeat(201), address: 'a@b.com' },
        { code: 'INVALID_FIELD', field: 'contact_key' },
        { contact_key: 'k'.repeat(201), address: 'a@b.com' },
      ],
      ['address missing', { contact_key: 'c1' }, { code: 'MISSING_FIELD', field: 'address' }, { contact_key: 'c1', address: null }],
      [
        'address null',
        { contact_key: 'c1', address: null },
        { code: 'MISSING_FIELD', field: 'address' },
        { contact_key: 'c1', address: null },
      ],
      [
        'address empty',
        { contact_key: 'c1', address: '' },
        { code: 'MISSING_FIELD', field: 'address' },
        { contact_key: 'c1', address: '' },
      ],
      [
        'address whitespace only',
        { contact_key: 'c1', address: ' \t ' },
        { code: 'MISSING_FIELD', field: 'address' },
        { contact_key: 'c1', address: ' \t ' },
      ],
      [
        'address a number',
        { contact_key: 'c1', address: 905351234567 },
        { code: 'INVALID_FIELD', field: 'address' },
        { contact_key: 'c1', address: null },
      ],
      [
        'address an array',
        { contact_key: 'c1', address: ['a@b.com'] },
        { code: 'INVALID_FIELD', field: 'address' },
        { contact_key: 'c1', address: null },
      ],
      [
        'address over 320 characters',
        { contact_key: 'c1', address: `${'a'.repeat(315)}@b.com` },
        { code: 'INVALID_FIELD', field: 'address' },
        { contact_key: 'c1', address: `${'a'.repeat(315)}@b.com` },
      ],
    ])('%s: the record fails with its code and field, the others are written', async (_what, record, error, echo) => {
      const { brand, token } = await setup();
      const body = await upsert(token, [record, { contact_key: 'c2', address: 'ok@b.com', channel: 'E' }], { insertIfNotExists: true });
      expect(body).toMatchObject({ total: 2, inserted: 1, failed: 1, warnings: [] });
      expectFailed(body, 0, [error], echo);
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([expect.objectContaining({ contact_key: 'c2', address: 'ok@b.com' })]);
    });

    it('accepts a contact_key of 200 characters', async () => {
      const key = 'k'.repeat(200);
      const { brand, token } = await setup({ contacts: [key] });
      const body = await upsert(token, [{ contact_key: key, address: 'a@b.com', channel: 'E' }], { insertIfNotExists: true });
      expect(body).toMatchObject({ inserted: 1, failed: 0 });
      expect((await extensionsOf(t.dataSource, brand.id))[0].contact_key).toBe(key);
    });

    it('measures the 320-character limit of address after trimming', async () => {
      const { brand, token } = await setup();
      const long = `${'a'.repeat(314)}@b.com`;
      expect(long).toHaveLength(320);
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: long, channel: 'E' }]);
      const body = await upsert(token, [{ contact_key: 'c1', address: `  ${long}  `, permission: true }]);
      expect(body).toMatchObject({ updated: 1, failed: 0 });
      expect((await extensionsOf(t.dataSource, brand.id))[0].permission).toBe(true);
    });
  });

  describe('channel, name and permission (when in columns)', () => {
    it.each(['X', 'e', 'email', 5, true])('channel %j is INVALID_FIELD channel', async (channel) => {
      const { brand, token } = await setup();
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', channel }], { insertIfNotExists: true });
      expect(body).toMatchObject({ failed: 1, inserted: 0 });
      expectFailed(body, 0, [{ code: 'INVALID_FIELD', field: 'channel' }], { contact_key: 'c1', address: 'a@b.com' });
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual([]);
    });

    it('ignores an invalid channel when channel is not in columns', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', channel: 'X', permission: true }], {
        columns: ['contact_key', 'address', 'permission'],
      });
      expect(body).toMatchObject({ updated: 1, failed: 0, errors: [] });
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([expect.objectContaining({ channel: 'E', permission: true })]);
    });

    it.each<[string, unknown]>([
      ['over 100 characters', 'N'.repeat(101)],
      ['a number', 7],
      ['a boolean', true],
      ['an object', { name: 'Work Email' }],
    ])('name %s is INVALID_FIELD name', async (_what, name) => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email' }]);
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', name }]);
      expect(body).toMatchObject({ failed: 1, updated: 0 });
      expectFailed(body, 0, [{ code: 'INVALID_FIELD', field: 'name' }]);
      expect((await extensionsOf(t.dataSource, brand.id))[0].name).toBe('Work Email');
    });

    it('accepts a name of 100 characters that is an extension type of the channel', async () => {
      const longName = 'N'.repeat(100);
      const { brand, token } = await setup({ types: [{ channel: 'E', name: longName }] });
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: longName }], {
        insertIfNotExists: true,
      });
      expect(body).toMatchObject({ inserted: 1, failed: 0 });
      expect((await extensionsOf(t.dataSource, brand.id))[0].name).toBe(longName);
    });

    it.each<[string, unknown]>([
      ['null', null],
      ['"yes"', 'yes'],
      ['"true"', 'true'],
      ['1', 1],
    ])('permission %s is INVALID_FIELD permission', async (_what, permission) => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', permission: true }]);
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', permission }]);
      expect(body).toMatchObject({ failed: 1, updated: 0 });
      expectFailed(body, 0, [{ code: 'INVALID_FIELD', field: 'permission' }], { contact_key: 'c1', address: 'a@b.com' });
      expect((await extensionsOf(t.dataSource, brand.id))[0].permission).toBe(true);
    });
  });

  describe('unknown properties and records that are not objects', () => {
    it('reports a property a record may not carry as UNKNOWN_FIELD of that property', async () => {
      const { brand, token } = await setup();
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', email: 'x@y.com' }], {
        insertIfNotExists: true,
      });
      expect(body).toMatchObject({ failed: 1, inserted: 0 });
      expectFailed(body, 0, [{ code: 'UNKNOWN_FIELD', field: 'email' }], { contact_key: 'c1', address: 'a@b.com' });
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual([]);
    });

    it.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('reports %s on a record as UNKNOWN_FIELD', async (key) => {
      const { brand, token } = await setup();
      const raw = `{"columns": ["contact_key", "address", "channel"], "insertIfNotExists": true, "throwOnError": false,
        "contactDatas": [{"contact_key": "c1", "address": "a@b.com", "channel": "E", "${key}": {"permission": true}},
                         {"contact_key": "c2", "address": "a@b.com", "channel": "E"}]}`;
      const res = await bulkRaw(t, token, raw).expect(200);
      const body = res.body as BulkResult;
      expectCountsAddUp(body, 2);
      expect(body).toMatchObject({ inserted: 1, failed: 1 });
      expectFailed(body, 0, [{ code: 'UNKNOWN_FIELD', field: key }], { contact_key: 'c1', address: 'a@b.com' });
      expect((await extensionsOf(t.dataSource, brand.id)).map((r) => r.contact_key)).toEqual(['c2']);
    });

    it.each<[string, string]>([
      ['a string', '"c1,a@b.com"'],
      ['a number', '42'],
      ['null', 'null'],
      ['an array', '["c1", "a@b.com", "E"]'],
      ['a boolean', 'true'],
    ])('reports a record that is %s as INVALID_FIELD with contact_key and address null', async (_what, record) => {
      const { brand, token } = await setup();
      const raw = `{"columns": ["contact_key", "address", "channel"], "insertIfNotExists": true, "throwOnError": false,
        "contactDatas": [{"contact_key": "c1", "address": "a@b.com", "channel": "E"}, ${record}]}`;
      const res = await bulkRaw(t, token, raw).expect(200);
      const body = res.body as BulkResult;
      expectCountsAddUp(body, 2);
      expect(body).toMatchObject({ inserted: 1, failed: 1 });
      expect(body.errors).toEqual([expect.objectContaining({ index: 1, contact_key: null, address: null, code: 'INVALID_FIELD' })]);
      expect(await extensionsOf(t.dataSource, brand.id)).toHaveLength(1);
    });
  });

  describe('updating and inserting', () => {
    it.each([
      ['false', { insertIfNotExists: false }],
      ['left out (default false)', {}],
    ])('EXTENSION_NOT_FOUND when the extension does not exist and insertIfNotExists is %s', async (_what, flags) => {
      const { brand, token } = await setup();
      const res = await bulk(t, token, {
        columns: ALL_COLUMNS,
        throwOnError: false,
        ...flags,
        contactDatas: [{ contact_key: 'c1', address: 'A@b.com', channel: 'E' }],
      }).expect(200);
      const body = res.body as BulkResult;
      expectCountsAddUp(body, 1);
      expect(body).toMatchObject({ failed: 1, inserted: 0 });
      expectFailed(body, 0, [{ code: 'EXTENSION_NOT_FOUND' }], { contact_key: 'c1', address: 'A@b.com' });
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual([]);
    });

    it.each<[string, string[], Record<string, unknown>]>([
      ['channel is not in columns', ['contact_key', 'address', 'name', 'permission'], { channel: 'E' }],
      ['the record has no channel', ALL_COLUMNS, {}],
      ['the record has channel null', ALL_COLUMNS, { channel: null }],
    ])('inserting when %s is MISSING_FIELD channel', async (_what, columns, extra) => {
      const { brand, token } = await setup();
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', ...extra }], { columns, insertIfNotExists: true });
      expect(body).toMatchObject({ failed: 1, inserted: 0 });
      expectFailed(body, 0, [{ code: 'MISSING_FIELD', field: 'channel' }]);
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual([]);
    });

    it('inserting for a contact that is not in master_contact of the brand is CONTACT_NOT_FOUND contact_key', async () => {
      const other = await createBrand(t.dataSource, { contacts: ['theirs'] });
      const { brand, token } = await setup();
      const body = await upsert(
        token,
        [
          { contact_key: 'nobody', address: 'a@b.com', channel: 'E' },
          { contact_key: 'theirs', address: 'a@b.com', channel: 'E' },
        ],
        { insertIfNotExists: true },
      );
      expect(body).toMatchObject({ failed: 2, inserted: 0 });
      expectFailed(body, 0, [{ code: 'CONTACT_NOT_FOUND', field: 'contact_key' }], { contact_key: 'nobody', address: 'a@b.com' });
      expectFailed(body, 1, [{ code: 'CONTACT_NOT_FOUND', field: 'contact_key' }]);
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual([]);
      await expect(extensionsOf(t.dataSource, other.id)).resolves.toEqual([]);
    });

    it('a contact known only by another record’s existing extension is found: its new extension is inserted', async () => {
      // the lookup does not probe master_contact for contacts whose extensions it found
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'old@b.com', channel: 'E' }]);
      const body = await upsert(
        token,
        [
          { contact_key: 'c1', address: 'old@b.com', permission: true },
          { contact_key: 'c1', address: 'new@b.com', channel: 'E' },
          { contact_key: 'nobody', address: 'x@b.com', channel: 'E' },
        ],
        { insertIfNotExists: true },
      );
      expect(body).toMatchObject({ updated: 1, inserted: 1, failed: 1 });
      expectFailed(body, 2, [{ code: 'CONTACT_NOT_FOUND', field: 'contact_key' }]);
      expect((await extensionsOf(t.dataSource, brand.id)).map((e) => [e.contact_key, e.address, e.permission])).toEqual([
        ['c1', 'new@b.com', false],
        ['c1', 'old@b.com', true],
      ]);
    });

    it('new_contact_key naming a contact known only by another record’s existing extension is found', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [
        { contact_key: 'c1', address: 'a@b.com', channel: 'E' },
        { contact_key: 'c2', address: 'b@b.com', channel: 'E' },
      ]);
      const body = await upsert(token, [
        { contact_key: 'c2', address: 'b@b.com', permission: true },
        { contact_key: 'c1', address: 'a@b.com', new_contact_key: 'c2' },
      ]);
      expect(body).toMatchObject({ updated: 2, failed: 0 });
      expect((await extensionsOf(t.dataSource, brand.id)).map((e) => [e.contact_key, e.address])).toEqual([
        ['c2', 'a@b.com'],
        ['c2', 'b@b.com'],
      ]);
    });

    it.each<[string, string]>([
      ['E', 'not-an-email'],
      ['E', 'a@b'],
      ['E', 'a b@c.com'],
      ['E', '@b.com'],
      ['E', '905351234567'],
      ['S', '05351234567'],
      ['S', '0535 123 45 67'],
      ['S', '+90 123'],
      ['S', 'abc'],
      ['S', 'a@b.com'],
      ['W', '05351234567'],
      ['W', '+1 555 123 4567'],
      ['W', '1234567890123456789'],
    ])('inserting channel %s with address %j is INVALID_ADDRESS address', async (channel, address) => {
      const { brand, token } = await setup();
      const body = await upsert(token, [{ contact_key: 'c1', address, channel }], { insertIfNotExists: true });
      expect(body).toMatchObject({ failed: 1, inserted: 0 });
      expectFailed(body, 0, [{ code: 'INVALID_ADDRESS', field: 'address' }], { contact_key: 'c1', address });
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual([]);
    });

    it.each<[string, 'S' | 'W']>([
      ['+90 535 123 45 67', 'S'],
      ['0090 535 123 45 67', 'S'],
      ['905351234567', 'S'],
      ['+90 (535) 123-45-67', 'W'],
      ['00905351234567', 'W'],
      ['905351234567', 'W'],
    ])('accepts the phone number %j (%s) and stores it as 905351234567', async (address, channel) => {
      const { brand, token } = await setup();
      const body = await upsert(token, [{ contact_key: 'c1', address, channel }], { insertIfNotExists: true });
      expect(body).toMatchObject({ inserted: 1, failed: 0 });
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([expect.objectContaining({ address: '905351234567', channel })]);
    });

    it('finds a stored phone number by any of its forms when updating', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: '905351234567', channel: 'S' }]);
      const body = await upsert(token, [{ contact_key: 'c1', address: '+90 535 123 45 67', permission: true }]);
      expect(body).toMatchObject({ updated: 1, failed: 0 });
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([expect.objectContaining({ address: '905351234567', permission: true })]);
    });

    it('stores emails trimmed and lowercased, and finds them by any case on update', async () => {
      const { brand, token } = await setup();
      const inserted = await upsert(token, [{ contact_key: 'c1', address: '  Jane.Doe@Example.COM ', channel: 'E' }], {
        insertIfNotExists: true,
      });
      expect(inserted).toMatchObject({ inserted: 1 });
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([expect.objectContaining({ address: 'jane.doe@example.com' })]);

      const updated = await upsert(token, [{ contact_key: 'c1', address: 'JANE.DOE@EXAMPLE.COM', name: 'Work Email' }]);
      expect(updated).toMatchObject({ updated: 1, inserted: 0, failed: 0 });
      const rows = await extensionsOf(t.dataSource, brand.id);
      expect(rows).toEqual([expect.objectContaining({ address: 'jane.doe@example.com', name: 'Work Email' })]);
    });

    it('finds a@b.com when A@B.COM is sent, also with insertIfNotExists (no second row)', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
      const body = await upsert(token, [{ contact_key: 'c1', address: 'A@B.COM', channel: 'E', permission: true }], {
        insertIfNotExists: true,
      });
      expect(body).toMatchObject({ updated: 1, inserted: 0 });
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([expect.objectContaining({ address: 'a@b.com', permission: true })]);
    });

    it('updating with a channel different from the stored one is CHANNEL_IMMUTABLE channel', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: '905351234567', channel: 'S' }]);
      const before = await extensionsOf(t.dataSource, brand.id);
      const body = await upsert(token, [{ contact_key: 'c1', address: '905351234567', channel: 'W', permission: true }], {
        insertIfNotExists: true,
      });
      expect(body).toMatchObject({ failed: 1, updated: 0, inserted: 0 });
      expectFailed(body, 0, [{ code: 'CHANNEL_IMMUTABLE', field: 'channel' }], { contact_key: 'c1', address: '905351234567' });
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual(before);
    });

    it('updating with the stored channel given again is fine (unchanged)', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
      const before = await extensionsOf(t.dataSource, brand.id);
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
      expect(body).toMatchObject({ unchanged: 1, failed: 0 });
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual(before);
    });
  });

  describe('name and extension types', () => {
    it.each<[string, string, Record<string, unknown>]>([
      ['a type of another channel (insert)', 'Mobile', { channel: 'E' }],
      ['an unknown type (insert)', 'Nope', { channel: 'E' }],
      ['a type in another letter case (insert)', 'work email', { channel: 'E' }],
    ])('name that is %s is UNKNOWN_EXTENSION_TYPE name', async (_what, name, extra) => {
      const { brand, token } = await setup();
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', name, ...extra }], { insertIfNotExists: true });
      expect(body).toMatchObject({ failed: 1, inserted: 0 });
      expectFailed(body, 0, [{ code: 'UNKNOWN_EXTENSION_TYPE', field: 'name' }]);
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual([]);
    });

    it.each(['WhatsApp', 'Nope'])(
      'updating with name %j, not a type of the stored channel, is UNKNOWN_EXTENSION_TYPE name',
      async (name) => {
        const { brand, token } = await setup();
        await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: '905351234567', channel: 'S', name: 'Mobile' }]);
        const body = await upsert(token, [{ contact_key: 'c1', address: '905351234567', name }]);
        expect(body).toMatchObject({ failed: 1, updated: 0 });
        expectFailed(body, 0, [{ code: 'UNKNOWN_EXTENSION_TYPE', field: 'name' }]);
        expect((await extensionsOf(t.dataSource, brand.id))[0].name).toBe('Mobile');
      },
    );

    it("name of another brand's extension type is UNKNOWN_EXTENSION_TYPE", async () => {
      await createBrand(t.dataSource, { types: [{ channel: 'E', name: 'Their Email' }] });
      const { token } = await setup();
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Their Email' }], {
        insertIfNotExists: true,
      });
      expectFailed(body, 0, [{ code: 'UNKNOWN_EXTENSION_TYPE', field: 'name' }]);
    });

    it('name null clears the name', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email' }]);
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', name: null }]);
      expect(body).toMatchObject({ updated: 1, failed: 0, errors: [] });
      expect((await extensionsOf(t.dataSource, brand.id))[0].name).toBeNull();
    });

    it('a name of the channel is stored on insert and changed on update', async () => {
      const { brand, token } = await setup();
      await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email' }], { insertIfNotExists: true });
      expect((await extensionsOf(t.dataSource, brand.id))[0].name).toBe('Work Email');
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', name: 'Personal Email' }]);
      expect(body).toMatchObject({ updated: 1 });
      expect((await extensionsOf(t.dataSource, brand.id))[0].name).toBe('Personal Email');
    });
  });

  describe('renames', () => {
    it.each<[string, string[], Record<string, unknown>]>([
      ['channel is not in columns', ['contact_key', 'address', 'permission'], { channel: 'E' }],
      ['the record has no channel', ALL_COLUMNS, {}],
      ['the record has channel null', ALL_COLUMNS, { channel: null }],
    ])('new_address when %s is MISSING_FIELD channel', async (_what, columns, extra) => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'old@b.com', channel: 'E' }]);
      const before = await extensionsOf(t.dataSource, brand.id);
      const body = await upsert(token, [{ contact_key: 'c1', address: 'old@b.com', new_address: 'new@b.com', ...extra }], { columns });
      expect(body).toMatchObject({ failed: 1, updated: 0 });
      expectFailed(body, 0, [{ code: 'MISSING_FIELD', field: 'channel' }]);
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual(before);
    });

    it.each<['E' | 'S', string, string]>([
      ['E', 'old@b.com', 'not-an-email'],
      ['E', 'old@b.com', '905351234567'],
      ['S', '905351234567', '05321234567'],
      ['S', '905351234567', 'new@b.com'],
    ])('new_address invalid for channel %s (%j to %j) is INVALID_ADDRESS new_address', async (channel, address, newAddress) => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address, channel }]);
      const before = await extensionsOf(t.dataSource, brand.id);
      const body = await upsert(token, [{ contact_key: 'c1', address, channel, new_address: newAddress }]);
      expect(body).toMatchObject({ failed: 1, updated: 0 });
      expectFailed(body, 0, [{ code: 'INVALID_ADDRESS', field: 'new_address' }], { contact_key: 'c1', address });
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual(before);
    });

    it('a valid new_address moves the extension and is stored canonical', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'old@b.com', channel: 'E' }]);
      const body = await upsert(token, [{ contact_key: 'c1', address: 'old@b.com', channel: 'E', new_address: ' New@B.com ' }]);
      expect(body).toMatchObject({ updated: 1, failed: 0 });
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([expect.objectContaining({ contact_key: 'c1', address: 'new@b.com' })]);
    });

    it.each(['nobody', 'theirs'])(
      'new_contact_key %j, not a contact of the brand, is CONTACT_NOT_FOUND new_contact_key',
      async (newKey) => {
        await createBrand(t.dataSource, { contacts: ['theirs'] });
        const { brand, token } = await setup();
        await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
        const before = await extensionsOf(t.dataSource, brand.id);
        const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', new_contact_key: newKey }]);
        expect(body).toMatchObject({ failed: 1, updated: 0 });
        expectFailed(body, 0, [{ code: 'CONTACT_NOT_FOUND', field: 'new_contact_key' }], { contact_key: 'c1', address: 'a@b.com' });
        await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual(before);
      },
    );

    it('new_contact_key and new_address are honoured even when no column names them', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', new_contact_key: 'c2' }], {
        columns: ['contact_key', 'address'],
      });
      expect(body).toMatchObject({ updated: 1, failed: 0 });
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([expect.objectContaining({ contact_key: 'c2', address: 'a@b.com' })]);
    });

    it('new_contact_key null and new_address null count as absent (unchanged)', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
      const before = await extensionsOf(t.dataSource, brand.id);
      const body = await upsert(token, [
        { contact_key: 'c1', address: 'a@b.com', new_contact_key: null, new_address: null, channel: null },
      ]);
      expect(body).toMatchObject({ unchanged: 1, updated: 0, failed: 0, errors: [] });
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual(before);
    });
  });

  describe('several errors on one record', () => {
    it('reports one error per broken database rule and counts the record once in failed', async () => {
      const { brand, token } = await setup();
      const body = await upsert(
        token,
        [
          { contact_key: 'nobody', address: 'not-an-email', channel: 'E', name: 'Nope' },
          { contact_key: 'c1', address: 'ok@b.com', channel: 'E' },
        ],
        { insertIfNotExists: true },
      );
      expect(body).toMatchObject({ total: 2, failed: 1, inserted: 1 });
      expectFailed(
        body,
        0,
        [
          { code: 'CONTACT_NOT_FOUND', field: 'contact_key' },
          { code: 'INVALID_ADDRESS', field: 'address' },
          { code: 'UNKNOWN_EXTENSION_TYPE', field: 'name' },
        ],
        { contact_key: 'nobody', address: 'not-an-email' },
      );
      expect(await extensionsOf(t.dataSource, brand.id)).toHaveLength(1);
    });

    it('reports one error per broken field rule and counts the record once in failed', async () => {
      const { token } = await setup();
      const body = await upsert(token, [{ contact_key: 5, address: '', channel: 'X', permission: 'yes', bogus: 1 }], {
        insertIfNotExists: true,
      });
      expect(body).toMatchObject({ total: 1, failed: 1 });
      expectFailed(
        body,
        0,
        [
          { code: 'INVALID_FIELD', field: 'channel' },
          { code: 'INVALID_FIELD', field: 'contact_key' },
          { code: 'INVALID_FIELD', field: 'permission' },
          { code: 'MISSING_FIELD', field: 'address' },
          { code: 'UNKNOWN_FIELD', field: 'bogus' },
        ],
        { contact_key: null, address: '' },
      );
    });

    it('an update that fails several rules (new channel, unknown type, unknown new contact) fails once', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', channel: 'S', name: 'Nope', new_contact_key: 'nobody' }]);
      expect(body).toMatchObject({ total: 1, failed: 1 });
      expectFailed(body, 0, [
        { code: 'CHANNEL_IMMUTABLE', field: 'channel' },
        { code: 'CONTACT_NOT_FOUND', field: 'new_contact_key' },
        { code: 'UNKNOWN_EXTENSION_TYPE', field: 'name' },
      ]);
    });
  });

  describe('defaults and ignored columns', () => {
    it('inserted records get permission false and name null unless given', async () => {
      const { brand, token } = await setup();
      const body = await upsert(
        token,
        [
          { contact_key: 'c1', address: 'a@b.com', channel: 'E' },
          { contact_key: 'c1', address: 'b@b.com', channel: 'E', name: 'Work Email', permission: true },
        ],
        { insertIfNotExists: true },
      );
      expect(body).toMatchObject({ inserted: 2 });
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([
        expect.objectContaining({ address: 'a@b.com', permission: false, name: null }),
        expect.objectContaining({ address: 'b@b.com', permission: true, name: 'Work Email' }),
      ]);
    });

    it('values of columns not named in columns are ignored on insert', async () => {
      const { brand, token } = await setup();
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email', permission: true }], {
        columns: ['contact_key', 'address', 'channel'],
        insertIfNotExists: true,
      });
      expect(body).toMatchObject({ inserted: 1 });
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([expect.objectContaining({ permission: false, name: null })]);
    });

    it('values of columns not named in columns are ignored on update, even invalid ones', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [
        { contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email', permission: false },
      ]);
      const before = await extensionsOf(t.dataSource, brand.id);
      const body = await upsert(
        token,
        [
          { contact_key: 'c1', address: 'a@b.com', permission: true, name: 'Personal Email' },
          { contact_key: 'c1', address: 'x@b.com', permission: 'yes', name: 42, channel: 'Q' },
        ],
        { columns: ['contact_key', 'address'] },
      );
      expect(body).toMatchObject({ unchanged: 1, updated: 0 });
      // the second record fails only because it does not exist, not because of the ignored values
      expectFailed(body, 1, [{ code: 'EXTENSION_NOT_FOUND' }]);
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual(before);
    });

    it('an update that changes nothing is unchanged and keeps updated_at', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [
        { contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email', permission: true },
      ]);
      const before = await extensionsOf(t.dataSource, brand.id);
      const body = await upsert(token, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email', permission: true }]);
      expect(body).toMatchObject({ unchanged: 1, updated: 0 });
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual(before);
    });
  });

  describe('DUPLICATE_IN_REQUEST', () => {
    it('processes the last record of (contact_key, canonical address) and skips the earlier ones with a warning', async () => {
      const { brand, token } = await setup();
      const body = await upsert(
        token,
        [
          { contact_key: 'c1', address: 'A@b.com', channel: 'E', name: 'Work Email', permission: true },
          { contact_key: 'c2', address: 'a@b.com', channel: 'E' },
          { contact_key: 'c1', address: 'a@B.com ', channel: 'E', name: 'Personal Email', permission: false },
        ],
        { insertIfNotExists: true },
      );
      expect(body).toMatchObject({ total: 3, inserted: 2, skipped: 1, failed: 0, errors: [] });
      expect(body.warnings).toEqual([
        { index: 0, contact_key: 'c1', address: 'A@b.com', code: 'DUPLICATE_IN_REQUEST', message: expect.any(String) },
      ]);
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([
        expect.objectContaining({ contact_key: 'c1', address: 'a@b.com', name: 'Personal Email', permission: false }),
        expect.objectContaining({ contact_key: 'c2', address: 'a@b.com' }),
      ]);
    });

    it('groups phone numbers by their canonical form', async () => {
      const { brand, token } = await setup();
      const body = await upsert(
        token,
        [
          { contact_key: 'c1', address: '+90 535 123 45 67', channel: 'S', permission: false },
          { contact_key: 'c1', address: '00905351234567', channel: 'S', permission: false },
          { contact_key: 'c1', address: '905351234567', channel: 'S', permission: true },
        ],
        { insertIfNotExists: true },
      );
      expect(body).toMatchObject({ total: 3, inserted: 1, skipped: 2 });
      expect(body.warnings.map((w) => [w.index, w.code])).toEqual([
        [0, 'DUPLICATE_IN_REQUEST'],
        [1, 'DUPLICATE_IN_REQUEST'],
      ]);
      expect(await extensionsOf(t.dataSource, brand.id)).toEqual([expect.objectContaining({ address: '905351234567', permission: true })]);
    });

    it('skips an earlier invalid record with a warning, not an error', async () => {
      const { brand, token } = await setup();
      const body = await upsert(
        token,
        [
          { contact_key: 'c1', address: 'a@b.com', channel: 'X', name: 'N'.repeat(101) },
          { contact_key: 'c1', address: 'A@B.com', channel: 'E' },
        ],
        { insertIfNotExists: true },
      );
      expect(body).toMatchObject({ total: 2, inserted: 1, skipped: 1, failed: 0, errors: [] });
      expect(body.warnings).toEqual([
        expect.objectContaining({ index: 0, code: 'DUPLICATE_IN_REQUEST', contact_key: 'c1', address: 'a@b.com' }),
      ]);
      expect(await extensionsOf(t.dataSource, brand.id)).toHaveLength(1);
    });

    it('reports the last record of a group when it is invalid; the earlier valid one is still skipped', async () => {
      const { brand, token } = await setup();
      const body = await upsert(
        token,
        [
          { contact_key: 'c1', address: 'a@b.com', channel: 'E' },
          { contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Nope' },
        ],
        { insertIfNotExists: true },
      );
      expect(body).toMatchObject({ total: 2, inserted: 0, skipped: 1, failed: 1 });
      expect(body.warnings).toEqual([expect.objectContaining({ index: 0, code: 'DUPLICATE_IN_REQUEST' })]);
      expectFailed(body, 1, [{ code: 'UNKNOWN_EXTENSION_TYPE', field: 'name' }]);
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual([]);
    });

    it('duplicates alone do not fail a request with throwOnError true', async () => {
      const { brand, token } = await setup();
      const res = await bulk(t, token, {
        columns: ALL_COLUMNS,
        insertIfNotExists: true,
        contactDatas: [
          { contact_key: 'c1', address: 'a@b.com', channel: 'E' },
          { contact_key: 'c1', address: 'a@b.com', channel: 'E' },
        ],
      }).expect(200);
      expect(res.body).toMatchObject({ total: 2, inserted: 1, skipped: 1, failed: 0 });
      expect(await extensionsOf(t.dataSource, brand.id)).toHaveLength(1);
    });
  });

  describe('throwOnError true (the default)', () => {
    async function expectValidationFailed(token: string, body: Record<string, unknown>): Promise<{ errors: Issue[]; warnings: Issue[] }> {
      const res = await bulk(t, token, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: expect.any(String),
        errors: expect.any(Array),
        warnings: expect.any(Array),
      });
      return res.body as { errors: Issue[]; warnings: Issue[] };
    }

    it.each<[string, Record<string, unknown>, { code: string; field?: string }]>([
      ['MISSING_FIELD address', { contact_key: 'c1', channel: 'E' }, { code: 'MISSING_FIELD', field: 'address' }],
      [
        'INVALID_FIELD permission',
        { contact_key: 'c1', address: 'bad@b.com', channel: 'E', permission: null },
        { code: 'INVALID_FIELD', field: 'permission' },
      ],
      ['UNKNOWN_FIELD', { contact_key: 'c1', address: 'bad@b.com', channel: 'E', extra: true }, { code: 'UNKNOWN_FIELD', field: 'extra' }],
      [
        'CONTACT_NOT_FOUND',
        { contact_key: 'nobody', address: 'bad@b.com', channel: 'E' },
        { code: 'CONTACT_NOT_FOUND', field: 'contact_key' },
      ],
      ['INVALID_ADDRESS', { contact_key: 'c1', address: 'bad', channel: 'E' }, { code: 'INVALID_ADDRESS', field: 'address' }],
      ['CHANNEL_IMMUTABLE', { contact_key: 'c1', address: 'other@b.com', channel: 'S' }, { code: 'CHANNEL_IMMUTABLE', field: 'channel' }],
      [
        'UNKNOWN_EXTENSION_TYPE',
        { contact_key: 'c1', address: 'bad@b.com', channel: 'E', name: 'Mobile' },
        { code: 'UNKNOWN_EXTENSION_TYPE', field: 'name' },
      ],
    ])('one %s record fails the whole request and nothing is written, not even the valid records', async (_what, broken, error) => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [
        { contact_key: 'c1', address: 'old@b.com', channel: 'E', permission: false },
        { contact_key: 'c1', address: 'other@b.com', channel: 'E', permission: false },
      ]);
      const before = await extensionsOf(t.dataSource, brand.id);
      const result = await expectValidationFailed(token, {
        columns: ALL_COLUMNS,
        insertIfNotExists: true,
        contactDatas: [
          { contact_key: 'c1', address: 'new@b.com', channel: 'E' },
          { contact_key: 'c1', address: 'OLD@b.com', permission: true },
          broken,
        ],
      });
      expect(issuesOf(result.errors, 2)).toEqual(codesOf([error]));
      expect(result.errors.every((e) => e.index === 2)).toBe(true);
      expect(result.warnings).toEqual([]);
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual(before);
    });

    it('VALIDATION_FAILED carries the warnings and the echoed errors; nothing written (throwOnError left out)', async () => {
      const { brand, token } = await setup();
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'old@b.com', channel: 'E', permission: false }]);
      const before = await extensionsOf(t.dataSource, brand.id);
      const result = await expectValidationFailed(token, {
        columns: ALL_COLUMNS,
        insertIfNotExists: false,
        contactDatas: [
          { contact_key: 'c1', address: 'old@b.com', permission: true },
          { contact_key: 'c1', address: 'OLD@B.COM', permission: true, name: 'Work Email' },
          { contact_key: 42, address: 'x@b.com' },
          { contact_key: 'c1', address: 'missing@b.com' },
        ],
      });
      expect(result.warnings).toEqual([
        { index: 0, contact_key: 'c1', address: 'old@b.com', code: 'DUPLICATE_IN_REQUEST', message: expect.any(String) },
      ]);
      expect(result.errors).toEqual(
        expect.arrayContaining([
          { index: 2, contact_key: null, address: 'x@b.com', code: 'INVALID_FIELD', field: 'contact_key', message: expect.any(String) },
          { index: 3, contact_key: 'c1', address: 'missing@b.com', code: 'EXTENSION_NOT_FOUND', message: expect.any(String) },
        ]),
      );
      expect(result.errors).toHaveLength(2);
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual(before);
    });
  });

  describe('GET /rest/contact_extensions (read-back)', () => {
    it("lists the contact's extensions ordered by address in byte order, with ISO UTC millisecond timestamps", async () => {
      const { token } = await setup();
      const body = await upsert(
        token,
        [
          { contact_key: 'c1', address: 'z@x.com', channel: 'E' },
          { contact_key: 'c1', address: 'B@x.com', channel: 'E', name: 'Work Email', permission: true },
          { contact_key: 'c1', address: '_z@x.com', channel: 'E' },
          { contact_key: 'c1', address: 'a.c@x.com', channel: 'E' },
          { contact_key: 'c1', address: 'ab@x.com', channel: 'E' },
          { contact_key: 'c1', address: '+90 535 123 45 67', channel: 'W' },
          { contact_key: 'c2', address: 'other@x.com', channel: 'E' },
        ],
        { insertIfNotExists: true },
      );
      expect(body).toMatchObject({ inserted: 7, failed: 0 });
      const res = await listExtensions(t, token, 'c1').expect(200);
      // byte order: digits (0x30..) < '_' (0x5F) < letters; '.' (0x2E) < 'b'; a locale order would ignore '_' and '.'
      expect(res.body.items.map((i: { address: string }) => i.address)).toEqual([
        '905351234567',
        '_z@x.com',
        'a.c@x.com',
        'ab@x.com',
        'b@x.com',
        'z@x.com',
      ]);
      const b = res.body.items[4];
      expect(b).toEqual({
        contact_key: 'c1',
        address: 'b@x.com',
        channel: 'E',
        name: 'Work Email',
        permission: true,
        created_at: expect.stringMatching(ISO_UTC_MS),
        updated_at: expect.stringMatching(ISO_UTC_MS),
      });
      for (const item of res.body.items) {
        expect(item.created_at).toMatch(ISO_UTC_MS);
        expect(item.updated_at).toMatch(ISO_UTC_MS);
      }
      expect(res.body.items[0]).toMatchObject({ channel: 'W', name: null, permission: false });
    });

    it('gives {items: []} for an unknown contact and for a contact of another brand', async () => {
      const other = await createBrand(t.dataSource, { contacts: ['theirs'] });
      await insertExtensions(t.dataSource, other.id, [{ contact_key: 'theirs', address: 'a@b.com', channel: 'E' }]);
      const { token } = await setup();
      await expect(
        listExtensions(t, token, 'nobody')
          .expect(200)
          .then((r) => r.body),
      ).resolves.toEqual({ items: [] });
      await expect(
        listExtensions(t, token, 'theirs')
          .expect(200)
          .then((r) => r.body),
      ).resolves.toEqual({ items: [] });
    });

    it('answers 400 INVALID_REQUEST without contact_key', async () => {
      const { token } = await setup();
      const res = await t.http.get('/rest/contact_extensions').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST', message: expect.any(String) });
    });
  });
});
