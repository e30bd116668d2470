import { createApiUser, createBrand, extensionsOf, insertExtensions, login, TestBrand, TestUser } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { bearer, claimsFor, signJwt } from './support/tokens';
import { ALL_COLUMNS } from './support/bulk';

/**
 * Contract section 2: the brand of every request is the API user's brand as stored on the server,
 * and nothing a client sends (body, query, token claims) reaches another brand's data.
 * Both brands have the same contact keys, so that a query that forgot its brand filter would show.
 */
describe('brand isolation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  interface Side {
    brand: TestBrand;
    user: TestUser;
    token: string;
  }

  const A_ROWS = [
    { contact_key: 'c1', address: 'a@b.com', channel: 'E' as const, name: 'Work Email', permission: true },
    { contact_key: 'c1', address: '905351234567', channel: 'S' as const, name: 'Mobile', permission: false },
    { contact_key: 'c2', address: 'c2@b.com', channel: 'E' as const },
  ];

  /** Brand A with extensions (and a contact and a type B does not have); brand B with the same contact keys and none. */
  async function twoBrands(options: { bColumns?: string[] } = {}): Promise<{ a: Side; b: Side }> {
    const a = await createBrand(t.dataSource, {
      contacts: ['c1', 'c2', 'only-a'],
      types: [
        { channel: 'E', name: 'Work Email' },
        { channel: 'E', name: 'Personal Email' },
        { channel: 'S', name: 'Mobile' },
        { channel: 'E', name: 'Only A Type' },
      ],
    });
    await insertExtensions(t.dataSource, a.id, A_ROWS);
    const b = await createBrand(t.dataSource, { contacts: ['c1', 'c2'], columns: options.bColumns });
    const side = async (brand: TestBrand): Promise<Side> => {
      const user = await createApiUser(t.dataSource, brand.id);
      return { brand, user, token: await login(t.http, user) };
    };
    return { a: await side(a), b: await side(b) };
  }

  const bulk = (token: string, body: Record<string, unknown>) =>
    t.http.post('/rest/bulk/contact_extensions').set('Authorization', bearer(token)).send(body);
  const list = (token: string, contactKey = 'c1') =>
    t.http.get('/rest/contact_extensions').query({ contact_key: contactKey }).set('Authorization', bearer(token));

  /** A's rows exactly as they were, updated_at included: untouched, not merely equal in value. */
  async function expectUntouched(brand: TestBrand, before: Awaited<ReturnType<typeof extensionsOf>>): Promise<void> {
    await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual(before);
  }

  describe('reading', () => {
    it("gives B's user B's own (empty) list for a contact key that A's extensions are under", async () => {
      const { a, b } = await twoBrands();
      await list(b.token).expect(200, { items: [] });
      const mine = await list(a.token).expect(200);
      expect(mine.body.items.map((i: { address: string }) => i.address)).toEqual(['905351234567', 'a@b.com']);
    });

    it("gives B's user only B's extensions when both brands have some under the same contact key", async () => {
      const { a, b } = await twoBrands();
      await insertExtensions(t.dataSource, b.brand.id, [{ contact_key: 'c1', address: 'b@b.com', channel: 'E' }]);
      const res = await list(b.token).expect(200);
      expect(res.body.items).toEqual([expect.objectContaining({ contact_key: 'c1', address: 'b@b.com', channel: 'E' })]);
      const theirs = await list(a.token).expect(200);
      expect(theirs.body.items.map((i: { address: string }) => i.address)).toEqual(['905351234567', 'a@b.com']);
    });

    it("never answers A's data to B, whatever brand B names in the query string or headers", async () => {
      const { a, b } = await twoBrands();
      const res = await t.http
        .get('/rest/contact_extensions')
        .query({ contact_key: 'c1', brand_id: a.brand.id, brand: a.brand.key })
        .set('Authorization', bearer(b.token))
        .set('X-Brand-Id', String(a.brand.id))
        .set('X-Brand', a.brand.key);
      // an unknown query parameter may be refused (400) or ignored (200), but never honoured
      expect([200, 400]).toContain(res.status);
      if (res.status === 200) expect(res.body).toEqual({ items: [] });
      else expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST' });
      expect(JSON.stringify(res.body)).not.toContain('a@b.com');
    });
  });

  describe('updating', () => {
    it("answers EXTENSION_NOT_FOUND to B updating A's extension, and leaves A's rows untouched", async () => {
      const { a, b } = await twoBrands();
      const before = await extensionsOf(t.dataSource, a.brand.id);
      const res = await bulk(b.token, {
        columns: ALL_COLUMNS,
        throwOnError: false,
        contactDatas: [
          { contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Personal Email', permission: false },
          { contact_key: 'c1', address: '+90 535 123 45 67', channel: 'S', permission: true },
        ],
      }).expect(200);
      expect(res.body).toMatchObject({ total: 2, inserted: 0, updated: 0, unchanged: 0, failed: 2 });
      expect(res.body.errors).toEqual([
        expect.objectContaining({ index: 0, code: 'EXTENSION_NOT_FOUND' }),
        expect.objectContaining({ index: 1, code: 'EXTENSION_NOT_FOUND' }),
      ]);
      await expectUntouched(a.brand, before);
      await expect(extensionsOf(t.dataSource, b.brand.id)).resolves.toEqual([]);
    });

    it("answers 400 VALIDATION_FAILED (EXTENSION_NOT_FOUND) to B updating A's extension with throwOnError", async () => {
      const { a, b } = await twoBrands();
      const before = await extensionsOf(t.dataSource, a.brand.id);
      const res = await bulk(b.token, {
        columns: ['contact_key', 'address', 'permission'],
        contactDatas: [{ contact_key: 'c1', address: 'A@B.COM', permission: false }],
      }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.errors).toEqual([expect.objectContaining({ index: 0, code: 'EXTENSION_NOT_FOUND' })]);
      await expectUntouched(a.brand, before);
    });

    it("answers EXTENSION_NOT_FOUND to B renaming A's extensions (new_address, new_contact_key), and leaves A's rows untouched", async () => {
      const { a, b } = await twoBrands();
      const before = await extensionsOf(t.dataSource, a.brand.id);
      const res = await bulk(b.token, {
        columns: ['contact_key', 'address', 'channel'],
        throwOnError: false,
        contactDatas: [
          { contact_key: 'c1', address: 'a@b.com', channel: 'E', new_address: 'moved@b.com' },
          { contact_key: 'c1', address: '905351234567', new_contact_key: 'c2' },
          { contact_key: 'c2', address: 'c2@b.com', new_contact_key: 'c1', new_address: 'x@b.com', channel: 'E' },
        ],
      }).expect(200);
      expect(res.body).toMatchObject({ total: 3, updated: 0, failed: 3 });
      expect(res.body.errors.map((e: { index: number; code: string }) => [e.index, e.code])).toEqual([
        [0, 'EXTENSION_NOT_FOUND'],
        [1, 'EXTENSION_NOT_FOUND'],
        [2, 'EXTENSION_NOT_FOUND'],
      ]);
      await expectUntouched(a.brand, before);
      await expect(extensionsOf(t.dataSource, b.brand.id)).resolves.toEqual([]);
    });

    it("lets B's changes to its own extension under a shared key leave A's extension alone", async () => {
      const { a, b } = await twoBrands();
      await insertExtensions(t.dataSource, b.brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
      const before = await extensionsOf(t.dataSource, a.brand.id);
      const res = await bulk(b.token, {
        columns: ['contact_key', 'address', 'channel', 'permission'],
        contactDatas: [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', permission: true, new_address: 'renamed@b.com' }],
      }).expect(200);
      expect(res.body).toMatchObject({ total: 1, updated: 1, failed: 0 });
      await expectUntouched(a.brand, before);
      await expect(extensionsOf(t.dataSource, b.brand.id)).resolves.toEqual([
        expect.objectContaining({ contact_key: 'c1', address: 'renamed@b.com', permission: true }),
      ]);
    });
  });

  describe('inserting', () => {
    it("writes B's insert to B only, even when A has the same (contact_key, address)", async () => {
      const { a, b } = await twoBrands();
      const before = await extensionsOf(t.dataSource, a.brand.id);
      const res = await bulk(b.token, {
        columns: ['contact_key', 'address', 'channel', 'permission'],
        insertIfNotExists: true,
        contactDatas: [
          { contact_key: 'c1', address: 'a@b.com', channel: 'E', permission: false },
          { contact_key: 'c2', address: 'new@b.com', channel: 'E' },
        ],
      }).expect(200);
      expect(res.body).toMatchObject({ total: 2, inserted: 2, updated: 0, failed: 0 });
      await expectUntouched(a.brand, before);
      const rows: { brand_id: number; contact_key: string; address: string }[] = await t.dataSource.query(
        `SELECT brand_id, contact_key, address FROM master_contact_extensions
          WHERE brand_id = ANY($1::int[]) AND address IN ('a@b.com', 'new@b.com') ORDER BY brand_id, address`,
        [[a.brand.id, b.brand.id]],
      );
      expect(rows).toEqual([
        { brand_id: a.brand.id, contact_key: 'c1', address: 'a@b.com' },
        { brand_id: b.brand.id, contact_key: 'c1', address: 'a@b.com' },
        { brand_id: b.brand.id, contact_key: 'c2', address: 'new@b.com' },
      ]);
    });

    it('answers CONTACT_NOT_FOUND to B inserting for a contact only A has, and writes nothing anywhere', async () => {
      const { a, b } = await twoBrands();
      const before = await extensionsOf(t.dataSource, a.brand.id);
      const res = await bulk(b.token, {
        columns: ['contact_key', 'address', 'channel'],
        insertIfNotExists: true,
        throwOnError: false,
        contactDatas: [{ contact_key: 'only-a', address: 'x@b.com', channel: 'E' }],
      }).expect(200);
      expect(res.body).toMatchObject({ total: 1, inserted: 0, failed: 1 });
      expect(res.body.errors).toEqual([expect.objectContaining({ index: 0, code: 'CONTACT_NOT_FOUND', field: 'contact_key' })]);
      await expectUntouched(a.brand, before);
      await expect(extensionsOf(t.dataSource, b.brand.id)).resolves.toEqual([]);
    });

    it('answers CONTACT_NOT_FOUND to B moving its extension to a contact only A has', async () => {
      const { a, b } = await twoBrands();
      await insertExtensions(t.dataSource, b.brand.id, [{ contact_key: 'c1', address: 'b@b.com', channel: 'E' }]);
      const before = await extensionsOf(t.dataSource, a.brand.id);
      const res = await bulk(b.token, {
        columns: ['contact_key', 'address'],
        throwOnError: false,
        contactDatas: [{ contact_key: 'c1', address: 'b@b.com', new_contact_key: 'only-a' }],
      }).expect(200);
      expect(res.body.errors).toEqual([expect.objectContaining({ index: 0, code: 'CONTACT_NOT_FOUND', field: 'new_contact_key' })]);
      await expectUntouched(a.brand, before);
      await expect(extensionsOf(t.dataSource, b.brand.id)).resolves.toEqual([
        expect.objectContaining({ contact_key: 'c1', address: 'b@b.com' }),
      ]);
    });

    it('answers UNKNOWN_EXTENSION_TYPE to B naming an extension type only A has', async () => {
      const { b } = await twoBrands();
      const res = await bulk(b.token, {
        columns: ALL_COLUMNS,
        insertIfNotExists: true,
        throwOnError: false,
        contactDatas: [{ contact_key: 'c1', address: 'x@b.com', channel: 'E', name: 'Only A Type' }],
      }).expect(200);
      expect(res.body.errors).toEqual([expect.objectContaining({ index: 0, code: 'UNKNOWN_EXTENSION_TYPE', field: 'name' })]);
      await expect(extensionsOf(t.dataSource, b.brand.id)).resolves.toEqual([]);
    });

    it("checks the columns against B's own enabled columns, not A's", async () => {
      const { a, b } = await twoBrands({ bColumns: ['contact_key', 'address', 'channel'] });
      const body = {
        columns: ['contact_key', 'address', 'channel', 'permission'],
        insertIfNotExists: true,
        contactDatas: [{ contact_key: 'c2', address: 'p@b.com', channel: 'E', permission: true }],
      };
      const refused = await bulk(b.token, body).expect(400);
      expect(refused.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST' });
      await expect(extensionsOf(t.dataSource, b.brand.id)).resolves.toEqual([]);
      await bulk(a.token, body).expect(200);
    });
  });

  describe('a brand named by the client', () => {
    it.each(['brand_id', 'brand', 'brandId'])(
      'refuses a top-level %s with 400 INVALID_REQUEST and writes nothing in either brand',
      async (property) => {
        const { a, b } = await twoBrands();
        const before = await extensionsOf(t.dataSource, a.brand.id);
        const res = await bulk(b.token, {
          [property]: a.brand.id,
          columns: ['contact_key', 'address', 'channel', 'permission'],
          insertIfNotExists: true,
          throwOnError: false,
          contactDatas: [
            { contact_key: 'c1', address: 'a@b.com', channel: 'E', permission: false },
            { contact_key: 'only-a', address: 'x@b.com', channel: 'E' },
          ],
        }).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST' });
        await expectUntouched(a.brand, before);
        await expect(extensionsOf(t.dataSource, b.brand.id)).resolves.toEqual([]);
      },
    );

    it.each(['brand_id', 'brand'])('refuses a record carrying %s as UNKNOWN_FIELD and writes it in neither brand', async (property) => {
      const { a, b } = await twoBrands();
      const before = await extensionsOf(t.dataSource, a.brand.id);
      const res = await bulk(b.token, {
        columns: ['contact_key', 'address', 'channel', 'permission'],
        insertIfNotExists: true,
        throwOnError: false,
        contactDatas: [
          { contact_key: 'c1', address: 'a@b.com', channel: 'E', permission: false, [property]: a.brand.id },
          { contact_key: 'only-a', address: 'x@b.com', channel: 'E', [property]: a.brand.id },
        ],
      }).expect(200);
      expect(res.body).toMatchObject({ total: 2, inserted: 0, updated: 0, failed: 2 });
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ index: 0, code: 'UNKNOWN_FIELD', field: property }),
          expect.objectContaining({ index: 1, code: 'UNKNOWN_FIELD', field: property }),
        ]),
      );
      await expectUntouched(a.brand, before);
      await expect(extensionsOf(t.dataSource, b.brand.id)).resolves.toEqual([]);
    });

    it('refuses the whole request (400 VALIDATION_FAILED, UNKNOWN_FIELD) for a record carrying brand_id with throwOnError', async () => {
      const { a, b } = await twoBrands();
      const before = await extensionsOf(t.dataSource, a.brand.id);
      const res = await bulk(b.token, {
        columns: ['contact_key', 'address', 'channel'],
        insertIfNotExists: true,
        contactDatas: [
          { contact_key: 'c1', address: 'fine@b.com', channel: 'E' },
          { contact_key: 'c1', address: 'a@b.com', channel: 'E', brand_id: a.brand.id },
        ],
      }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.errors).toEqual([expect.objectContaining({ index: 1, code: 'UNKNOWN_FIELD', field: 'brand_id' })]);
      await expectUntouched(a.brand, before);
      await expect(extensionsOf(t.dataSource, b.brand.id)).resolves.toEqual([]);
    });
  });

  describe("the token's brand claim", () => {
    it("is not trusted: a validly signed token of B's user claiming brand A still sees and writes only B's data", async () => {
      const { a, b } = await twoBrands();
      const before = await extensionsOf(t.dataSource, a.brand.id);
      const forged = signJwt(claimsFor(b.user, { brand: a.brand.id, ver: 0 }));

      await list(forged).expect(200, { items: [] });

      const update = await bulk(forged, {
        columns: ['contact_key', 'address', 'channel', 'permission'],
        throwOnError: false,
        contactDatas: [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', permission: false, new_address: 'stolen@b.com' }],
      }).expect(200);
      expect(update.body.errors).toEqual([expect.objectContaining({ index: 0, code: 'EXTENSION_NOT_FOUND' })]);

      const insert = await bulk(forged, {
        columns: ['contact_key', 'address', 'channel'],
        insertIfNotExists: true,
        contactDatas: [{ contact_key: 'c1', address: 'z@b.com', channel: 'E' }],
      }).expect(200);
      expect(insert.body).toMatchObject({ inserted: 1, failed: 0 });

      await expectUntouched(a.brand, before);
      await expect(extensionsOf(t.dataSource, b.brand.id)).resolves.toEqual([
        expect.objectContaining({ contact_key: 'c1', address: 'z@b.com' }),
      ]);
      const seen = await list(forged).expect(200);
      expect(seen.body.items).toEqual([expect.objectContaining({ address: 'z@b.com' })]);
    });
  });
});
