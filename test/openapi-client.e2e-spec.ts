import createClient, { Client } from 'openapi-fetch';
import type { paths } from './client/schema';
import { brandWithToken, createApiUser, createBrand, login } from './support/factories';
import { OpenApiDocument } from './support/openapi-document';
import { createTestApp, TestApp } from './support/test-app';

/**
 * The document is what the service does. The client is generated from the committed
 * openapi.json (`npm run openapi:client`, test/client/schema.d.ts), so a request or answer shape
 * the document no longer describes fails to compile; and every answer here is checked against the
 * document at run time (its status documented for the operation, its body matching the schema with
 * no undocumented property), so an answer the service changed without the document fails too.
 */
describe('the typed client generated from openapi.json', () => {
  const doc = new OpenApiDocument();
  let t: TestApp;
  let client: Client<paths>;

  async function serve(app: TestApp): Promise<Client<paths>> {
    await app.app.listen(0, '127.0.0.1');
    return createClient<paths>({ baseUrl: await app.app.getUrl() });
  }

  /** Checks the answer against the document, then hands back what the client made of it. */
  function documented<R extends { response: Response; data?: unknown; error?: unknown }>(path: keyof paths, method: string, result: R): R {
    doc.expectDocumentedAnswer(path, method, result.response.status, result.response.ok ? result.data : result.error);
    return result;
  }

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  /** An error answer is its documented example, but for its own request id. */
  function expectTheDocumentedExample(body: unknown, path: keyof paths, method: string, status: number, name?: string): void {
    expect(body).toEqual({ ...doc.example(path, method, status, name), requestId: expect.any(String) });
  }

  beforeAll(async () => {
    t = await createTestApp();
    client = await serve(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('logs in, bulk upserts and reads the extensions back, every answer as documented', async () => {
    const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
    const user = await createApiUser(t.dataSource, brand.id);

    const loggedIn = documented(
      '/rest/login',
      'post',
      await client.POST('/rest/login', { body: { userKey: user.userKey, secret: user.secret } }),
    );
    expect(loggedIn.response.status).toBe(200);
    const token = loggedIn.data!.access_token;
    expect(loggedIn.data).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });

    const upserted = documented(
      '/rest/bulk/contact_extensions',
      'post',
      await client.POST('/rest/bulk/contact_extensions', {
        headers: bearer(token),
        body: {
          columns: ['contact_key', 'address', 'channel', 'name', 'permission'],
          insertIfNotExists: true,
          contactDatas: [
            { contact_key: 'c1', address: 'Jane.Doe@Example.com', channel: 'E', name: 'Work Email', permission: true },
            { contact_key: 'c1', address: '+90 535 123 45 67', channel: 'S', name: 'Mobile' },
          ],
        },
      }),
    );
    expect(upserted.response.status).toBe(200);
    expect(upserted.data).toEqual({ total: 2, inserted: 2, updated: 0, unchanged: 0, skipped: 0, failed: 0, errors: [], warnings: [] });

    const listed = documented(
      '/rest/contact_extensions',
      'get',
      await client.GET('/rest/contact_extensions', { headers: bearer(token), params: { query: { contact_key: 'c1' } } }),
    );
    expect(listed.response.status).toBe(200);
    expect(listed.data!.items.map(({ address, channel, name, permission }) => ({ address, channel, name, permission }))).toEqual([
      { address: '905351234567', channel: 'S', name: 'Mobile', permission: false },
      { address: 'jane.doe@example.com', channel: 'E', name: 'Work Email', permission: true },
    ]);
  });

  it('reports per-record errors and warnings (throwOnError false) in the documented shape', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const res = documented(
      '/rest/bulk/contact_extensions',
      'post',
      await client.POST('/rest/bulk/contact_extensions', {
        headers: bearer(token),
        body: {
          columns: ['contact_key', 'address', 'channel'],
          insertIfNotExists: true,
          throwOnError: false,
          contactDatas: [
            { contact_key: 'c1', address: 'a@b.com', channel: 'E' },
            { contact_key: 'c1', address: 'A@B.COM', channel: 'E' },
            { contact_key: 'c1', address: 'not-an-address', channel: 'E' },
          ],
        },
      }),
    );
    expect(res.data).toMatchObject({ total: 3, inserted: 1, skipped: 1, failed: 1 });
    expect(res.data!.errors).toEqual([expect.objectContaining({ index: 2, code: 'INVALID_ADDRESS', field: 'address' })]);
    expect(res.data!.warnings).toEqual([expect.objectContaining({ index: 0, code: 'DUPLICATE_IN_REQUEST' })]);
  });

  it('accepts the request examples of BulkUpsertExtensions as documented', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['demo-contact-1'] });
    const examples = doc.operation('/rest/bulk/contact_extensions', 'post').requestBody!.content['application/json'].examples!;
    expect(Object.keys(examples)).toEqual(['upsert', 'rename']);
    for (const [name, expected] of [
      ['upsert', { inserted: 2, failed: 0 }],
      ['rename', { updated: 1, failed: 0 }],
    ] as const) {
      const res = documented(
        '/rest/bulk/contact_extensions',
        'post',
        // a document example is data, not a typed body: sent as is
        await client.POST('/rest/bulk/contact_extensions', { headers: bearer(token), body: examples[name].value as never }),
      );
      expect({ name, status: res.response.status }).toEqual({ name, status: 200 });
      expect(res.data).toMatchObject(expected);
    }
  });

  it('answers the health checks as documented', async () => {
    const live = documented('/health/live', 'get', await client.GET('/health/live'));
    expect(live.data).toMatchObject({ status: 'ok' });
    const ready = documented('/health/ready', 'get', await client.GET('/health/ready'));
    expect(ready.data).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
  });

  describe('one error of each kind, each in the documented shape', () => {
    let token: string;
    beforeAll(async () => {
      ({ token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] }));
    });

    it('400 INVALID_REQUEST: a login body without a secret', async () => {
      const res = documented('/rest/login', 'post', await client.POST('/rest/login', { body: { userKey: 'someone' } as never }));
      expect(res.response.status).toBe(400);
      expectTheDocumentedExample(res.error, '/rest/login', 'post', 400, 'missingSecret');
    });

    it('400 INVALID_REQUEST: a list request without contact_key', async () => {
      const res = documented(
        '/rest/contact_extensions',
        'get',
        await client.GET('/rest/contact_extensions', { headers: bearer(token), params: { query: {} as never } }),
      );
      expect(res.response.status).toBe(400);
      expectTheDocumentedExample(res.error, '/rest/contact_extensions', 'get', 400, 'missing');
    });

    it('400 INVALID_REQUEST: a bulk request whose columns lack address', async () => {
      const res = documented(
        '/rest/bulk/contact_extensions',
        'post',
        await client.POST('/rest/bulk/contact_extensions', {
          headers: bearer(token),
          body: { columns: ['contact_key', 'channel'], contactDatas: [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }] },
        }),
      );
      expect(res.response.status).toBe(400);
      // the generated type is a union told apart by `code`
      expect(res.error?.code).toBe('INVALID_REQUEST');
      expectTheDocumentedExample(res.error, '/rest/bulk/contact_extensions', 'post', 400, 'INVALID_REQUEST');
    });

    it('400 VALIDATION_FAILED: an invalid record with throwOnError true', async () => {
      const res = documented(
        '/rest/bulk/contact_extensions',
        'post',
        await client.POST('/rest/bulk/contact_extensions', {
          headers: bearer(token),
          body: {
            columns: ['contact_key', 'address', 'channel'],
            insertIfNotExists: true,
            contactDatas: [{ contact_key: 'c1', address: 'a@b', channel: 'E' }],
          },
        }),
      );
      expect(res.response.status).toBe(400);
      const error = res.error!;
      if (error.code !== 'VALIDATION_FAILED') throw new Error(`expected VALIDATION_FAILED, got ${error.code}`);
      expect(error.errors).toEqual([expect.objectContaining({ index: 0, code: 'INVALID_ADDRESS', field: 'address' })]);
      expectTheDocumentedExample(error, '/rest/bulk/contact_extensions', 'post', 400, 'VALIDATION_FAILED');
    });

    it('401 UNAUTHENTICATED: a wrong secret at login, and a request without a token', async () => {
      const badLogin = documented(
        '/rest/login',
        'post',
        await client.POST('/rest/login', { body: { userKey: 'nobody', secret: 'wrong' } }),
      );
      expect(badLogin.response.status).toBe(401);
      expectTheDocumentedExample(badLogin.error, '/rest/login', 'post', 401);
      const noToken = documented(
        '/rest/contact_extensions',
        'get',
        await client.GET('/rest/contact_extensions', { params: { query: { contact_key: 'c1' } } }),
      );
      expect(noToken.response.status).toBe(401);
      expectTheDocumentedExample(noToken.error, '/rest/contact_extensions', 'get', 401);
    });

    it('403 FORBIDDEN: a user who may read but not manage extensions', async () => {
      const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
      const reader = await createApiUser(t.dataSource, brand.id, { permissions: ['ContactExtensions.Read'] });
      const readerToken = await login(t.http, reader);
      const res = documented(
        '/rest/bulk/contact_extensions',
        'post',
        await client.POST('/rest/bulk/contact_extensions', {
          headers: bearer(readerToken),
          body: { columns: ['contact_key', 'address'], contactDatas: [{ contact_key: 'c1', address: 'a@b.com' }] },
        }),
      );
      expect(res.response.status).toBe(403);
      expectTheDocumentedExample(res.error, '/rest/bulk/contact_extensions', 'post', 403);
    });

    it('413 PAYLOAD_TOO_LARGE: a body over BODY_LIMIT (5mb by default)', async () => {
      // refused from its Content-Length, before it is read: a big body costs the test little
      const res = documented(
        '/rest/bulk/contact_extensions',
        'post',
        await client.POST('/rest/bulk/contact_extensions', {
          headers: bearer(token),
          body: { columns: ['contact_key', 'address'], contactDatas: [{ contact_key: 'c1', address: 'x'.repeat(6 * 1024 * 1024) }] },
        }),
      );
      expect(res.response.status).toBe(413);
      expectTheDocumentedExample(res.error, '/rest/bulk/contact_extensions', 'post', 413);
    });
  });
});

describe('the typed client through an import job', () => {
  const doc = new OpenApiDocument();
  let t: TestApp;
  let client: Client<paths>;

  beforeAll(async () => {
    t = await createTestApp({ JOB_WORKERS: 'true' });
    await t.app.listen(0, '127.0.0.1');
    client = createClient<paths>({ baseUrl: await t.app.getUrl() });
  });
  afterAll(async () => {
    await t.close();
  });

  function documented<R extends { response: Response; data?: unknown; error?: unknown }>(path: keyof paths, method: string, result: R): R {
    doc.expectDocumentedAnswer(path, method, result.response.status, result.response.ok ? result.data : result.error);
    return result;
  }

  it('creates a job, uploads a CSV, polls it to completion and reads its errors, every answer as documented', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const headers = { Authorization: `Bearer ${token}` };
    const created = documented(
      '/rest/bulk/contact_extensions/jobs',
      'post',
      await client.POST('/rest/bulk/contact_extensions/jobs', {
        headers,
        body: { columns: ['contact_key', 'address', 'channel'], insertIfNotExists: true },
      }),
    );
    expect(created.response.status).toBe(201);
    const id = created.data!.id;
    const path = { path: { id } };

    const uploaded = documented(
      '/rest/bulk/contact_extensions/jobs/{id}/data',
      'put',
      await client.PUT('/rest/bulk/contact_extensions/jobs/{id}/data', {
        headers: { ...headers, 'Content-Type': 'text/csv' },
        params: path,
        body: 'contact_key,address,channel\nc1,a@example.com,E\nc1,not-an-address,E\n',
        bodySerializer: (body: unknown) => body as string,
      }),
    );
    expect(uploaded.response.status).toBe(202);
    expect(uploaded.data).toMatchObject({ state: 'queued', total: 2 });

    let job = uploaded.data!;
    while (!['completed', 'failed', 'cancelled'].includes(job.state)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = documented(
        '/rest/bulk/contact_extensions/jobs/{id}',
        'get',
        await client.GET('/rest/bulk/contact_extensions/jobs/{id}', { headers, params: path }),
      ).data!;
    }
    expect(job).toMatchObject({ state: 'completed', inserted: 1, failed: 1, processed: 2, percent: 100 });

    const listed = documented(
      '/rest/bulk/contact_extensions/jobs',
      'get',
      await client.GET('/rest/bulk/contact_extensions/jobs', { headers }),
    );
    expect(listed.data!.items.map((j) => j.id)).toEqual([id]);

    const errors = documented(
      '/rest/bulk/contact_extensions/jobs/{id}/errors',
      'get',
      await client.GET('/rest/bulk/contact_extensions/jobs/{id}/errors', { headers, params: path }),
    );
    expect(errors.data).toEqual({
      items: [
        {
          index: 1,
          line: 3,
          severity: 'error',
          code: 'INVALID_ADDRESS',
          field: 'address',
          message: 'address is not a valid email address',
          values: { contact_key: 'c1', address: 'not-an-address', channel: 'E' },
          raw: null,
        },
      ],
      next_cursor: null,
    });

    const csv = await client.GET('/rest/bulk/contact_extensions/jobs/{id}/errors.csv', { headers, params: path, parseAs: 'text' });
    expect(csv.response.status).toBe(200);
    expect(doc.operation('/rest/bulk/contact_extensions/jobs/{id}/errors.csv', 'get').responses['200'].content).toHaveProperty('text/csv');
    expect(csv.data).toContain('1,3,error,INVALID_ADDRESS,address');

    const refused = documented(
      '/rest/bulk/contact_extensions/jobs/{id}/cancel',
      'post',
      await client.POST('/rest/bulk/contact_extensions/jobs/{id}/cancel', { headers, params: path }),
    );
    expect(refused.response.status).toBe(409);
    expect(refused.error).toMatchObject({ code: 'JOB_STATE_CONFLICT' });
  });
});
