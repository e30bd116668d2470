import { bulkContacts, call } from './support/admin';
import { ALL_COLUMNS, bulk, BulkResult, expectCountsAddUp, listExtensions } from './support/bulk';
import { brandWithToken, createContacts, extensionsOf, insertExtensions } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Phone numbers (contract section 3): S and W addresses and contacts' gsm are stored, grouped and
 * looked up as the E.164 digits of the number libphonenumber-js parses, whatever the spelling.
 */
describe('phone numbers: one canonical form per number', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const setup = () => brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });

  async function upsert(token: string, contactDatas: unknown[], insertIfNotExists: boolean): Promise<BulkResult> {
    const res = await bulk(t, token, { columns: ALL_COLUMNS, insertIfNotExists, throwOnError: false, contactDatas });
    expect(res.status).toBe(200);
    expectCountsAddUp(res.body as BulkResult, contactDatas.length);
    return res.body as BulkResult;
  }

  it('groups two spellings of one number in one request: one row, the earlier record skipped as DUPLICATE_IN_REQUEST', async () => {
    const { brand, token } = await setup();
    const body = await upsert(
      token,
      [
        { contact_key: 'c1', address: '+90 (0)535 123 45 67', channel: 'S', name: 'Mobile' },
        { contact_key: 'c1', address: '+90 535 123 45 67', channel: 'S', permission: true },
      ],
      true,
    );
    expect(body).toMatchObject({ inserted: 1, skipped: 1, failed: 0 });
    expect(body.warnings).toEqual([expect.objectContaining({ index: 0, code: 'DUPLICATE_IN_REQUEST', address: '+90 (0)535 123 45 67' })]);
    const rows = await extensionsOf(t.dataSource, brand.id);
    expect(rows.map((r) => [r.contact_key, r.address, r.channel, r.name, r.permission])).toEqual([['c1', '905351234567', 'S', null, true]]);
  });

  it('finds a number stored from one spelling when an update spells it another way', async () => {
    const { brand, token } = await setup();
    await upsert(token, [{ contact_key: 'c1', address: '+44 (0)20 7031 3000', channel: 'W' }], true);
    expect((await extensionsOf(t.dataSource, brand.id)).map((r) => r.address)).toEqual(['442070313000']);

    const body = await upsert(token, [{ contact_key: 'c1', address: '+44 20 7031 3000', name: 'WhatsApp', permission: true }], false);
    expect(body).toMatchObject({ updated: 1, failed: 0 });
    const [row] = await extensionsOf(t.dataSource, brand.id);
    expect(row).toMatchObject({ address: '442070313000', channel: 'W', name: 'WhatsApp', permission: true });
    const list = await listExtensions(t, token, 'c1').expect(200);
    expect(list.body.items.map((i: { address: string }) => i.address)).toEqual(['442070313000']);
  });

  it.each([
    ['U+2010 hyphen', '+90\u2010535\u2010123\u201045\u201067'],
    ['U+2011 non-breaking hyphen', '+90\u2011535\u2011123\u201145\u201167'],
    ['U+2012 figure dash', '+90\u2012535\u2012123\u201245\u201267'],
    ['U+2013 en dash', '+90\u2013535\u2013123\u201345\u201367'],
    ['U+2014 em dash', '+90\u2014535\u2014123\u201445\u201467'],
    ['U+2015 horizontal bar', '+90\u2015535\u2015123\u201545\u201567'],
  ])('accepts a number spelled with the %s, stored canonical', async (_dash, address) => {
    const { brand, token } = await setup();
    const body = await upsert(token, [{ contact_key: 'c1', address, channel: 'S' }], true);
    expect(body).toMatchObject({ inserted: 1, failed: 0 });
    expect((await extensionsOf(t.dataSource, brand.id)).map((r) => r.address)).toEqual(['905351234567']);
  });

  it('renames to a new_address in any spelling, and refuses one the library finds invalid', async () => {
    const { brand, token } = await setup();
    await insertExtensions(t.dataSource, brand.id, [
      { contact_key: 'c1', address: '905351234567', channel: 'S' },
      { contact_key: 'c2', address: '905351234568', channel: 'S' },
    ]);
    const body = await upsert(
      token,
      [
        { contact_key: 'c1', address: '+90 535 123 45 67', channel: 'S', new_address: '+90 (0)535\u2011999\u20111122' },
        { contact_key: 'c2', address: '0090 535 123 45 68', channel: 'S', new_address: '+90 235 123 45 67' },
      ],
      false,
    );
    expect(body).toMatchObject({ updated: 1, failed: 1 });
    expect(body.errors).toEqual([expect.objectContaining({ index: 1, code: 'INVALID_ADDRESS', field: 'new_address' })]);
    expect((await extensionsOf(t.dataSource, brand.id)).map((r) => `${r.contact_key}|${r.address}`)).toEqual([
      'c1|905359991122',
      'c2|905351234568',
    ]);
  });

  it('stores and finds a contact gsm in any spelling the library reads', async () => {
    const { brand, token } = await setup();
    await createContacts(t.dataSource, brand.id, ['c3']);
    await bulkContacts(t, token, {
      columns: ['contact_key', 'gsm'],
      contactDatas: [
        { contact_key: 'c1', gsm: '+90 (0)535 123 45 67' },
        { contact_key: 'c3', gsm: '+44\u201120\u20117031\u20113000' },
      ],
    }).expect(200);
    const stored: { contact_key: string; gsm: string }[] = await t.dataSource.query(
      'SELECT contact_key, gsm FROM master_contact WHERE brand_id = $1 AND gsm IS NOT NULL ORDER BY contact_key',
      [brand.id],
    );
    expect(stored).toEqual([
      { contact_key: 'c1', gsm: '905351234567' },
      { contact_key: 'c3', gsm: '442070313000' },
    ]);
    const found = await call(t, token, 'get', '/admin/contacts', { query: { gsm: '+44 (0)20 7031 3000' } }).expect(200);
    expect(found.body.items.map((c: { contact_key: string }) => c.contact_key)).toEqual(['c3']);
  });
});
