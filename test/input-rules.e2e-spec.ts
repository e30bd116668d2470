import { gzipSync } from 'node:zlib';
import { MAX_JSON_DEPTH } from '../src/common/validation/json-depth';
import { bulkRaw, listExtensions } from './support/bulk';
import { loadOpenApiDocument } from './support/openapi-document';
import { brandWithToken, extensionsOf } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/**
 * The input rules of docs/SECURITY.md, over HTTP: text the database cannot store (NUL, unpaired
 * surrogates) is refused before any query; every length is counted in code points, as PostgreSQL's
 * varchar counts; JSON bodies nest at most MAX_JSON_DEPTH levels. None of these inputs answers 5xx.
 */
describe('input rules: characters, lengths, depth', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ BULK_RATE_LIMIT: '0' });
  });
  afterAll(async () => {
    await t.close();
  });

  const invalidRequest = (message?: string) => ({
    statusCode: 400,
    code: 'INVALID_REQUEST',
    message: message ?? expect.any(String),
    details: expect.any(Array),
  });

  /** `depth` levels of arrays around `inner`, as JSON text. */
  const nested = (depth: number, inner = '1'): string => '['.repeat(depth) + inner + ']'.repeat(depth);

  describe('NUL and unpaired surrogates', () => {
    it('refuses a NUL in a query parameter (GET /rest/contact_extensions?contact_key=c1%00) with 400', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const res = await t.http.get('/rest/contact_extensions?contact_key=c1%00').set('Authorization', `Bearer ${token}`);
      expect({ status: res.status, body: res.body }).toMatchObject({
        status: 400,
        body: invalidRequest('contact_key must not contain a NUL character or an unpaired surrogate'),
      });
    });

    it('reads an invalid UTF-8 sequence in a query parameter as U+FFFD: a key that finds nothing', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const res = await t.http.get('/rest/contact_extensions?contact_key=%ED%A0%80').set('Authorization', `Bearer ${token}`);
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { items: [] } });
    });

    it.each([
      ['a NUL in userKey', { userKey: 'user\u0000', secret: 'secret' }, 'userKey'],
      ['a NUL in secret', { userKey: 'user', secret: 'secret\u0000' }, 'secret'],
      ['an unpaired surrogate in userKey', { userKey: 'user\ud800', secret: 'secret' }, 'userKey'],
    ])('refuses a login body with %s with 400', async (_what, body, field) => {
      const res = await t.http.post('/rest/login').set('Content-Type', 'application/json').send(JSON.stringify(body));
      expect({ status: res.status, body: res.body }).toMatchObject({
        status: 400,
        body: invalidRequest(`${field} must not contain a NUL character or an unpaired surrogate`),
      });
    });

    it('refuses a pagination cursor that carries an unpaired surrogate with 400', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const cursor = Buffer.from('["c\\ud800"]').toString('base64url');
      const res = await t.http.get(`/admin/contacts?cursor=${cursor}`).set('Authorization', `Bearer ${token}`);
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 400, body: invalidRequest() });
    });
  });

  describe('lengths in code points', () => {
    // 90 letters and 11 variation selectors: 101 code points, though class-validator's Length counted 90
    const name101 = 'n'.repeat(90) + '\uFE0F'.repeat(11);

    it('refuses an extension type name of 101 code points with 400, not the database error', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const res = await t.http.post('/admin/extension-types').set('Authorization', `Bearer ${token}`).send({ name: name101, channel: 'E' });
      expect({ status: res.status, body: res.body }).toMatchObject({
        status: 400,
        body: invalidRequest('name must be 1 to 100 characters'),
      });
    });

    it('takes an extension type name of 100 emoji (200 UTF-16 code units)', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const name = '\u{1F4E7}'.repeat(100);
      const res = await t.http.post('/admin/extension-types').set('Authorization', `Bearer ${token}`).send({ name, channel: 'E' });
      expect({ status: res.status, name: res.body.name }).toEqual({ status: 201, name });
    });

    it('refuses a brand name of 201 code points with 400 and takes one of 200 emoji', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const refused = await t.http
        .patch('/admin/brand')
        .set('Authorization', `Bearer ${token}`)
        .send({ name: 'b'.repeat(190) + '\uFE0F'.repeat(11) });
      expect({ status: refused.status, body: refused.body }).toMatchObject({
        status: 400,
        body: invalidRequest('name must be 1 to 200 characters'),
      });
      const name = '\u{1F3E2}'.repeat(200);
      const taken = await t.http.patch('/admin/brand').set('Authorization', `Bearer ${token}`).send({ name });
      expect({ status: taken.status, name: taken.body.name }).toEqual({ status: 200, name });
    });

    it('bulk: a name of 101 code points is an error of its record; an address of 200 emoji passes the length rule', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const address = '\u{1F600}'.repeat(200);
      const res = await bulkRaw(
        t,
        token,
        JSON.stringify({
          columns: ['contact_key', 'address', 'channel', 'name'],
          throwOnError: false,
          contactDatas: [
            { contact_key: 'c1', address: 'a@b.com', channel: 'E', name: name101 },
            { contact_key: 'c1', address, channel: 'E' },
          ],
        }),
      );
      expect(res.status).toBe(200);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ index: 0, code: 'INVALID_FIELD', field: 'name', message: 'name must be at most 100 characters' }),
        // no length error: the address is looked up, and there is no such extension
        expect.objectContaining({ index: 1, code: 'EXTENSION_NOT_FOUND' }),
      ]);
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual([]);
    });
  });

  describe(`JSON nested at most ${MAX_JSON_DEPTH} levels`, () => {
    const tooDeep = `The request body is nested deeper than ${MAX_JSON_DEPTH} levels of objects and arrays.`;
    const envelope = (contactDatas: string, extra = ''): string =>
      `{"columns":["contact_key","address","channel"],"insertIfNotExists":true,"throwOnError":false${extra},"contactDatas":${contactDatas}}`;

    it.each([
      ['as the whole body', nested(5000)],
      ['in a record', envelope(`[{"contact_key":"c1","address":"a@b.com","channel":"E","name":${nested(5000)}}]`)],
      ['in an unknown property', envelope('[{"contact_key":"c1","address":"a@b.com","channel":"E"}]', `,"extra":${nested(5000)}`)],
      ['one level too deep', envelope(`[{"contact_key":"c1","address":"a@b.com","channel":"E","x":${nested(MAX_JSON_DEPTH - 2)}}]`)],
    ])('refuses a bulk body nested too deeply %s with 400 naming the limit', async (_where, text) => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const res = await bulkRaw(t, token, text);
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 400, body: invalidRequest(tooDeep) });
      expect(res.body.details).toEqual([tooDeep]);
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual([]);
    });

    it('refuses it on the idempotent path too (Idempotency-Key), and on a route without a DTO', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const text = envelope(`[{"contact_key":"c1","address":"a@b.com","channel":"E","x":${nested(5000)}}]`);
      const idempotent = await bulkRaw(t, token, text).set('Idempotency-Key', 'deep-1');
      expect({ status: idempotent.status, body: idempotent.body }).toMatchObject({ status: 400, body: invalidRequest(tooDeep) });
      const login = await t.http
        .post('/rest/login')
        .set('Content-Type', 'application/json')
        .send(`{"userKey":${nested(5000, '"u"')}}`);
      expect({ status: login.status, body: login.body }).toMatchObject({ status: 400, body: invalidRequest(tooDeep) });
    });

    it(`takes a body nested exactly ${MAX_JSON_DEPTH} levels (the extra property is an error of its record)`, async () => {
      const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      // envelope, contactDatas and the record are 3 levels
      const text = envelope(`[{"contact_key":"c1","address":"a@b.com","channel":"E","x":${nested(MAX_JSON_DEPTH - 3)}}]`);
      const res = await bulkRaw(t, token, text);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ total: 1, failed: 1, errors: [expect.objectContaining({ code: 'UNKNOWN_FIELD', field: 'x' })] });
    });
  });

  describe('paths that are no valid %-encoding of UTF-8', () => {
    it.each(['%FF', '%E0%A4', '%', '%zz'])('answer 404 NOT_FOUND to /admin/contacts/%s, as to an unknown key', async (raw) => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const res = await t.http.get(`/admin/contacts/${raw}`).set('Authorization', `Bearer ${token}`);
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 404, body: { statusCode: 404, code: 'NOT_FOUND' } });
    });
  });

  describe('a value of the wrong type reads as such, whatever rule of its kind comes first', () => {
    it.each([
      ['patch', '/admin/brand', { name: 5 }, 'name must be a string'],
      ['patch', '/admin/brand', { name: ['Acme'] }, 'name must be a string'],
      ['post', '/admin/extension-types', { name: 5, channel: 'E' }, 'name must be a string'],
      ['get', '/admin/contact-extensions?address=a&address=b', undefined, 'address must be given once, as a string'],
      ['delete', '/admin/contact-extensions?contact_key=c1&address=a&address=b', undefined, 'address must be given once, as a string'],
      ['get', '/admin/consent-history?address=a&address=b', undefined, 'address must be given once, as a string'],
      ['patch', '/admin/brand', { extensionColumns: 'contact_key' }, 'extensionColumns must be an array'],
      ['post', '/admin/api-users', { userKey: 'u-type', permissions: 'Brand.Read' }, 'permissions must be an array'],
      ['post', '/admin/api-users', { userKey: 5, permissions: [] }, 'userKey must be a string'],
      ['post', '/admin/contact-extensions/bulk-delete', { contactDatas: 'c1' }, 'contactDatas must be an array'],
    ] as const)('%s %s %j is 400 "%s"', async (method, path, body, message) => {
      const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const req = t.http[method](path).set('Authorization', `Bearer ${token}`);
      const res = await (body === undefined ? req : req.send(body));
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 400, body: invalidRequest(message) });
    });
  });

  describe('query parameters named like the keys of Object.prototype', () => {
    it.each([
      ['get', '/rest/contact_extensions?contact_key=c1&constructor=1', 'constructor'],
      ['get', '/rest/contact_extensions?__proto__=1&contact_key=c1', '__proto__'],
      ['get', '/admin/contacts?toString=1', 'toString'],
      ['get', '/admin/operations?hasOwnProperty=x', 'hasOwnProperty'],
      ['delete', '/admin/contact-extensions?contact_key=c1&address=a%40b.com&constructor=1', 'constructor'],
    ] as const)('%s %s is 400 INVALID_REQUEST, as any unknown query parameter, and does nothing', async (method, path, key) => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await t.dataSource.query(
        `INSERT INTO master_contact_extensions (brand_id, contact_key, address, channel) VALUES ($1, 'c1', 'a@b.com', 'E')`,
        [brand.id],
      );
      const res = await t.http[method](path).set('Authorization', `Bearer ${token}`);
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 400, body: invalidRequest(`unknown property ${key}`) });
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toHaveLength(1);
    });
  });

  it('documents 400 and 413 on every operation with a body, and 400 on every one with a query or header parameter', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(loadOpenApiDocument().paths)) {
      for (const [method, operation] of Object.entries(item) as [
        string,
        { requestBody?: unknown; parameters?: { in: string }[]; responses: object },
      ][]) {
        const statuses = Object.keys(operation.responses);
        const needed = [
          ...(operation.requestBody ? ['400', '413'] : []),
          ...(operation.parameters?.some((p) => p.in === 'query' || p.in === 'header') ? ['400'] : []),
        ];
        for (const status of needed) if (!statuses.includes(status)) missing.push(`${method.toUpperCase()} ${path} ${status}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('lists a contact whose key is 200 emoji (400 UTF-16 code units)', async () => {
    const key = '\u{1F464}'.repeat(200);
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: [key] });
    const res = await listExtensions(t, token, key);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { items: [] } });
  });

  describe('JSON bodies as bytes: compressed, or not JSON', () => {
    /** The body's bytes as given (supertest would serialize a Buffer as JSON). */
    const postRaw = (path: string, body: Buffer, headers: Record<string, string> = {}) =>
      t.http
        .post(path)
        .set({ 'Content-Type': 'application/json', ...headers })
        .serialize((b: unknown) => b as string)
        .send(body as unknown as string);

    it.each([
      ['gzip cut off', 'gzip', gzipSync(JSON.stringify({ userKey: 'u', secret: 's' })).subarray(0, 12)],
      [
        'gzip with a corrupt middle',
        'gzip',
        Buffer.concat([gzipSync('{"userKey":"u"}').subarray(0, 10), Buffer.from('not deflate data at all')]),
      ],
      ['deflate that is not', 'deflate', Buffer.from('{"userKey":"u","secret":"s"}')],
      ['br that is not', 'br', Buffer.from('{"userKey":"u","secret":"s"}')],
    ])('answers a body that does not decompress (%s) with 400 saying so', async (_what, encoding, body) => {
      const res = await postRaw('/rest/login', body, { 'Content-Encoding': encoding });
      expect({ status: res.status, body: res.body }).toMatchObject({
        status: 400,
        body: invalidRequest(`The request body is not valid ${encoding} data (its Content-Encoding).`),
      });
    });

    it('reads a gzip body that decompresses', async () => {
      const res = await postRaw('/rest/login', gzipSync(JSON.stringify({ userKey: 'nobody', secret: 'wrong' })), {
        'Content-Encoding': 'gzip',
      });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    });

    it.each([
      ['an encoding it does not read', { 'Content-Encoding': 'compress' }],
      ['a charset other than UTF-8', { 'Content-Type': 'application/json; charset=latin1' }],
    ])('answers a JSON body in %s with 400 saying so', async (_what, headers) => {
      const res = await postRaw('/rest/login', Buffer.from('{"userKey":"u","secret":"s"}'), headers);
      expect({ status: res.status, body: res.body }).toMatchObject({
        status: 400,
        body: invalidRequest('The request body encoding is not supported.'),
      });
    });

    it.each(['utf8', 'UTF8', '"utf8"', 'us-ascii', 'utf-8'])(
      'reads a JSON body sent with charset=%s (spellings of UTF-8 and a subset of it)',
      async (charset) => {
        const res = await postRaw('/rest/login', Buffer.from('{"userKey":"nobody","secret":"wrong"}'), {
          'Content-Type': `application/json; charset=${charset}`,
        });
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
      },
    );

    it('refuses a JSON body that is not valid UTF-8 (a Latin-1 name) with 400, before any route reads it', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http);
      const body = Buffer.from('{"columns":["contact_key"],"contactDatas":[{"contact_key":"Jos\u00e9"}]}', 'latin1');
      const res = await postRaw('/rest/bulk/contacts', body, { Authorization: `Bearer ${token}` });
      expect({ status: res.status, body: res.body }).toMatchObject({
        status: 400,
        body: invalidRequest('The request body is not valid UTF-8.'),
      });
      const utf8 = await postRaw('/rest/bulk/contacts', Buffer.from(body.toString('latin1'), 'utf8'), { Authorization: `Bearer ${token}` });
      expect({ status: utf8.status, inserted: utf8.body.inserted }).toEqual({ status: 200, inserted: 1 });
    });

    it('answers a body that is not JSON with 400 saying so', async () => {
      const res = await postRaw('/rest/login', Buffer.from('{"userKey": "u",'));
      expect({ status: res.status, body: res.body }).toMatchObject({
        status: 400,
        body: invalidRequest('The request body is not valid JSON.'),
      });
    });
  });
});
