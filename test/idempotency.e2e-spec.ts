import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createOpenApiDocument } from '../src/app.setup';
import { IdempotencyService } from '../src/idempotency/idempotency.service';
import { requestHash } from '../src/idempotency/idempotency-key';
import { ALL_COLUMNS, bulk, BULK_PATH, bulkRaw, expectCountsAddUp } from './support/bulk';
import { call } from './support/admin';
import { brandWithToken, createApiUser, createContacts, extensionsOf, insertExtensions } from './support/factories';
import { holdEmbeddedConnection, lockRows, until } from './support/hold';
import { createTestApp, TestApp } from './support/test-app';
import { serverDatabaseUrl } from './support/test-database';

/*
 * Retry safety: the Idempotency-Key header of POST /rest/bulk/contact_extensions, and
 * validateOnly. The first answer to a key is kept per brand in PostgreSQL; a retry gets it again
 * and writes nothing.
 */

jest.setTimeout(60_000);

const REQUEST_ID = expect.any(String);

describe('Idempotency-Key on the bulk endpoint', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const withKey = (token: string, key: string, body: object) => bulk(t, token, body).set('Idempotency-Key', key);

  const insertBody = (contactKey: string) => ({
    columns: ALL_COLUMNS,
    insertIfNotExists: true,
    contactDatas: [
      { contact_key: contactKey, address: 'One@Example.com', channel: 'E', name: 'Work Email', permission: true },
      { contact_key: contactKey, address: '+90 535 123 45 67', channel: 'S' },
    ],
  });

  async function keyRows(brandId: number): Promise<{ idempotency_key: string; response_status: number | null }[]> {
    return t.dataSource.query('SELECT idempotency_key, response_status FROM idempotency_key WHERE brand_id = $1 ORDER BY 1', [brandId]);
  }

  it('a retry with the same key and body gets the first answer again, with Idempotent-Replayed: true, and writes nothing', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const key = randomUUID();

    const first = await withKey(token, key, insertBody('c1')).expect(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(first.body).toEqual({ total: 2, inserted: 2, updated: 0, unchanged: 0, skipped: 0, failed: 0, errors: [], warnings: [] });
    const rows = await extensionsOf(t.dataSource, brand.id);
    expect(rows).toHaveLength(2);

    // the same request: key order and whitespace do not matter
    const { contactDatas, ...rest } = insertBody('c1');
    const reordered = JSON.stringify({ contactDatas, ...rest }, null, 2);
    const retry = await bulkRaw(t, token, reordered).set('Idempotency-Key', key).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.text).toBe(first.text);
    expect(retry.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    expect(await extensionsOf(t.dataSource, brand.id)).toEqual(rows);

    // the retry does not run at all: a row deleted since is not inserted again
    await t.dataSource.query('DELETE FROM master_contact_extensions WHERE brand_id = $1 AND channel = $2', [brand.id, 'S']);
    const again = await withKey(token, key, insertBody('c1')).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.inserted).toBe(2);
    expect(await extensionsOf(t.dataSource, brand.id)).toHaveLength(1);
  });

  it('the same key with another body: 422 IDEMPOTENCY_KEY_REUSED, and nothing written', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
    const key = randomUUID();
    await withKey(token, key, insertBody('c1')).expect(200);

    const reused = await withKey(token, key, insertBody('c2')).expect(422);
    expect(reused.body).toEqual({
      statusCode: 422,
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: expect.stringContaining('different request'),
      requestId: REQUEST_ID,
    });
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    expect((await extensionsOf(t.dataSource, brand.id)).map((r) => r.contact_key)).toEqual(['c1', 'c1']);
  });

  it('keys are per brand: another brand with the same key runs its own request', async () => {
    const a = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const b = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const key = randomUUID();

    await withKey(a.token, key, insertBody('c1')).expect(200);
    const other = await withKey(b.token, key, insertBody('c1')).expect(200);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(other.body.inserted).toBe(2);
    // and a different body under that key is that brand's business only
    const otherBody = await withKey(b.token, `${key}-2`, insertBody('c1')).expect(200);
    expect(otherBody.body).toMatchObject({ inserted: 0, unchanged: 2 });
    expect(await extensionsOf(t.dataSource, b.brand.id)).toHaveLength(2);
  });

  it('a 4xx answer is kept and replayed as it was, even once the data would let the request pass', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: [] });
    const key = randomUUID();
    const first = await withKey(token, key, insertBody('c9')).expect(400);
    expect(first.body.code).toBe('VALIDATION_FAILED');

    await createContacts(t.dataSource, brand.id, ['c9']);
    const retry = await withKey(token, key, insertBody('c9')).expect(400);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    // the same answer, naming this request's id
    expect(retry.body).toEqual({ ...first.body, requestId: retry.headers['x-request-id'] });
    expect(await extensionsOf(t.dataSource, brand.id)).toEqual([]);

    // an envelope refused by the validation is an answer too
    const envelopeKey = randomUUID();
    const refused = await withKey(token, envelopeKey, { columns: ['contact_key'], contactDatas: [{}] }).expect(400);
    expect(refused.body.code).toBe('INVALID_REQUEST');
    const refusedAgain = await withKey(token, envelopeKey, { columns: ['contact_key'], contactDatas: [{}] }).expect(400);
    expect(refusedAgain.headers['idempotent-replayed']).toBe('true');
    expect(refusedAgain.body).toEqual({ ...refused.body, requestId: refusedAgain.headers['x-request-id'] });
  });

  it('a 503 answer is not kept: a retry after it runs the request again', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const key = randomUUID();
    // the server cancels the insert as if it ran past statement_timeout (SQLSTATE 57014): 503 TIMEOUT
    const fn = `fail_inserts_${brand.id}`;
    await t.dataSource.query(
      `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.brand_id = ${brand.id} THEN RAISE EXCEPTION 'canceling statement due to statement timeout' USING ERRCODE = '57014'; END IF;
         RETURN NEW;
       END $$`,
    );
    await t.dataSource.query(`CREATE TRIGGER ${fn} BEFORE INSERT ON master_contact_extensions FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
    try {
      const failed = await withKey(token, key, insertBody('c1')).expect(503);
      expect(failed.body).toMatchObject({ statusCode: 503, code: 'TIMEOUT' });
      expect(failed.headers['retry-after']).toBeDefined();
      expect(await keyRows(brand.id)).toEqual([]);
    } finally {
      await t.dataSource.query(`DROP TRIGGER ${fn} ON master_contact_extensions`);
      await t.dataSource.query(`DROP FUNCTION ${fn}()`);
    }

    const retry = await withKey(token, key, insertBody('c1')).expect(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body.inserted).toBe(2);
    expect(await keyRows(brand.id)).toEqual([{ idempotency_key: key, response_status: 200 }]);
  });

  it('an Idempotency-Key that is empty, too long or not visible ASCII: 400 INVALID_REQUEST, nothing done', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    for (const bad of ['', 'a b', 'x'.repeat(256), 'clé', 'tab\there']) {
      const res = await withKey(token, bad, insertBody('c1')).expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        code: 'INVALID_REQUEST',
        message: 'Idempotency-Key must be 1 to 255 visible ASCII characters',
        details: ['Idempotency-Key must be 1 to 255 visible ASCII characters'],
        requestId: REQUEST_ID,
      });
    }
    expect(await extensionsOf(t.dataSource, brand.id)).toEqual([]);
    expect(await keyRows(brand.id)).toEqual([]);
    // the longest and the oddest legal keys
    await withKey(token, '~'.repeat(255), insertBody('c1')).expect(200);
    await withKey(token, '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', insertBody('c1')).expect(200);
  });

  it('a request without the header runs every time, as before', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    expect((await bulk(t, token, insertBody('c1')).expect(200)).body.inserted).toBe(2);
    const second = await bulk(t, token, insertBody('c1')).expect(200);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.unchanged).toBe(2);
  });

  it('a key whose request still runs (lease not over): 409 IDEMPOTENCY_KEY_IN_USE with Retry-After', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const key = randomUUID();
    // as another instance leaves it while it runs the request
    await t.dataSource.query(
      `INSERT INTO idempotency_key (brand_id, idempotency_key, request_hash, owner, lease_expires_at, expires_at)
       VALUES ($1, $2, $3, $4, now() + interval '1 minute', now() + interval '1 day')`,
      [brand.id, key, requestHash('POST', BULK_PATH, insertBody('c1')), randomUUID()],
    );
    const busy = await withKey(token, key, insertBody('c1')).expect(409);
    expect(busy.body).toEqual({ statusCode: 409, code: 'IDEMPOTENCY_KEY_IN_USE', message: expect.any(String), requestId: REQUEST_ID });
    expect(busy.headers['retry-after']).toBe('1');
    // another body under that key is refused as reused, running or not
    await withKey(token, key, insertBody('c2')).expect(422);
    expect(await extensionsOf(t.dataSource, brand.id)).toEqual([]);
  });

  it('a key whose request died (lease over, no answer) is taken over by the retry, which runs', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const key = randomUUID();
    await t.dataSource.query(
      `INSERT INTO idempotency_key (brand_id, idempotency_key, request_hash, owner, lease_expires_at, expires_at)
       VALUES ($1, $2, $3, $4, now() - interval '1 second', now() + interval '1 day')`,
      [brand.id, key, requestHash('POST', BULK_PATH, insertBody('c1')), randomUUID()],
    );
    const retry = await withKey(token, key, insertBody('c1')).expect(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body.inserted).toBe(2);
    expect((await withKey(token, key, insertBody('c1')).expect(200)).headers['idempotent-replayed']).toBe('true');
  });

  it('an expired key can be used again, for any request, and expired keys are purged', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
    const key = randomUUID();
    const old = randomUUID();
    await withKey(token, key, insertBody('c1')).expect(200);
    await withKey(token, old, insertBody('c1')).expect(200);
    await t.dataSource.query(`UPDATE idempotency_key SET expires_at = now() - interval '1 second' WHERE brand_id = $1`, [brand.id]);

    const reused = await withKey(token, key, insertBody('c2')).expect(200);
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    expect(reused.body.inserted).toBe(2);

    expect(await t.app.get(IdempotencyService).purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await keyRows(brand.id)).toEqual([{ idempotency_key: key, response_status: 200 }]);
  });
});

/**
 * A retry while the first request is really still running. On a server, the first request waits
 * for a row lock the test holds; on the embedded database, both wait for its one connection, which
 * the test holds, and then take turns: the first claims the key, the second finds it claimed.
 */
describe('Idempotency-Key while the first request is still running', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('the retry gets 409 IDEMPOTENCY_KEY_IN_USE, and the first answer once the first request has finished', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
    const key = randomUUID();
    const body = { columns: ALL_COLUMNS, contactDatas: [{ contact_key: 'c1', address: 'a@b.com', permission: true }] };
    const send = () =>
      bulk(t, token, body)
        .set('Idempotency-Key', key)
        .then((r) => r);

    let first: ReturnType<typeof send>;
    let retry: Awaited<ReturnType<typeof send>>;
    if (serverDatabaseUrl()) {
      const lock = await lockRows('SELECT 1 FROM master_contact_extensions WHERE brand_id = $1', [brand.id]);
      try {
        first = send();
        await until('the first request to wait for the row lock', async () => (await lock.waiters()) >= 1);
        retry = await send();
      } finally {
        await lock.release();
      }
    } else {
      const held = await holdEmbeddedConnection(t.dataSource);
      let second: ReturnType<typeof send>;
      try {
        first = send();
        await until('the first request to wait for the connection', () => held.waiters() >= 1);
        second = send();
        await until('the retry to wait for the connection', () => held.waiters() >= 2);
      } finally {
        await held.release();
      }
      retry = await second;
    }

    expect(retry.status).toBe(409);
    expect(retry.body).toMatchObject({ statusCode: 409, code: 'IDEMPOTENCY_KEY_IN_USE' });
    expect(retry.headers['retry-after']).toBe('1');
    const answered = await first;
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ updated: 1 });

    const later = await send();
    expect(later.status).toBe(200);
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(later.body).toEqual(answered.body);
  });
});

/**
 * The case retries are for: the client gives up waiting (a timeout) while the request runs. The
 * request still finishes, and its answer is kept for the retry.
 */
describe('Idempotency-Key when the client gives up before the answer', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('the request finishes anyway, and the retry gets its answer without running it again', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
    const key = randomUUID();
    const body = { columns: ALL_COLUMNS, contactDatas: [{ contact_key: 'c1', address: 'a@b.com', permission: true }] };
    const answered = async () =>
      (
        await t.dataSource.query('SELECT response_status FROM idempotency_key WHERE brand_id = $1 AND idempotency_key = $2', [
          brand.id,
          key,
        ])
      )[0]?.response_status === 200;

    const hold = serverDatabaseUrl()
      ? await lockRows('SELECT 1 FROM master_contact_extensions WHERE brand_id = $1', [brand.id])
      : await holdEmbeddedConnection(t.dataSource);
    try {
      await expect(bulk(t, token, body).set('Idempotency-Key', key).timeout(300)).rejects.toThrow(/timeout/i);
    } finally {
      await hold.release();
    }
    await until('the abandoned request to store its answer', answered);

    const retry = await bulk(t, token, body).set('Idempotency-Key', key).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toMatchObject({ updated: 1, unchanged: 0 });
    expect((await extensionsOf(t.dataSource, brand.id))[0].permission).toBe(true);
  });
});

describe('validateOnly', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers the counts of what would happen, with the database lookups, and writes nothing', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
    await insertExtensions(t.dataSource, brand.id, [
      { contact_key: 'c1', address: 'old@example.com', channel: 'E', permission: false },
      { contact_key: 'c1', address: 'same@example.com', channel: 'E', permission: true },
    ]);
    const before = await extensionsOf(t.dataSource, brand.id);
    const body = {
      columns: ALL_COLUMNS,
      insertIfNotExists: true,
      throwOnError: false,
      contactDatas: [
        { contact_key: 'c1', address: 'old@example.com', permission: true }, // update
        { contact_key: 'c1', address: 'same@example.com', permission: true }, // unchanged
        { contact_key: 'c2', address: 'new@example.com', channel: 'E' }, // insert
        { contact_key: 'c3', address: 'x@example.com', channel: 'E' }, // CONTACT_NOT_FOUND: needs the database
        { contact_key: 'c2', address: 'n2@example.com', channel: 'E' }, // skipped: a later duplicate
        { contact_key: 'c2', address: 'N2@example.com', channel: 'E', name: 'Nope' }, // UNKNOWN_EXTENSION_TYPE
      ],
    };

    const dry = await bulk(t, token, { ...body, validateOnly: true }).expect(200);
    expectCountsAddUp(dry.body, 6);
    expect(dry.body).toMatchObject({ inserted: 1, updated: 1, unchanged: 1, skipped: 1, failed: 2 });
    expect(dry.body.errors.map((e: { index: number; code: string }) => [e.index, e.code])).toEqual([
      [3, 'CONTACT_NOT_FOUND'],
      [5, 'UNKNOWN_EXTENSION_TYPE'],
    ]);
    expect(await extensionsOf(t.dataSource, brand.id)).toEqual(before);

    // the same request for real answers the same
    const real = await bulk(t, token, body).expect(200);
    expect(real.body).toEqual(dry.body);
    expect(await extensionsOf(t.dataSource, brand.id)).toHaveLength(3);
  });

  it('with throwOnError and an invalid record: 400 VALIDATION_FAILED, as without it', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const res = await bulk(t, token, {
      columns: ALL_COLUMNS,
      insertIfNotExists: true,
      validateOnly: true,
      contactDatas: [
        { contact_key: 'c1', address: 'a@b.com', channel: 'E' },
        { contact_key: 'nobody', address: 'a@b.com', channel: 'E' },
      ],
    }).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(await extensionsOf(t.dataSource, brand.id)).toEqual([]);
  });

  it('must be a boolean', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    for (const validateOnly of ['true', 1, null]) {
      const res = await bulk(t, token, {
        columns: ALL_COLUMNS,
        validateOnly,
        contactDatas: [{ contact_key: 'c1', address: 'a@b.com' }],
      }).expect(400);
      expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', details: ['validateOnly must be a boolean'] });
    }
  });
});

/*
 * Idempotency-Key on every write endpoint: the bulk contacts endpoint and the dashboard's writes
 * take it too, but the two whose answer carries a new secret.
 */
describe('Idempotency-Key on every write endpoint', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  /** Operations without it: login is no write, and these two answer a secret that a kept answer would store. */
  const WITHOUT_KEY = ['Login', 'CreateApiUser', 'RotateApiUserSecret'];

  it('every POST, PATCH and DELETE documents the header, but login and the two answers with a secret', async () => {
    type Operation = {
      operationId?: string;
      parameters?: { name?: string }[];
      responses?: Record<string, { content?: Record<string, { schema?: unknown; examples?: Record<string, unknown> }> }>;
    };
    const paths = createOpenApiDocument(t.app).paths as unknown as Record<
      string,
      Partial<Record<'post' | 'patch' | 'put' | 'delete', Operation>>
    >;
    const writes = Object.entries(paths).flatMap(([path, item]) =>
      (['post', 'patch', 'put', 'delete'] as const)
        .filter((method) => item[method])
        .map((method) => ({
          path,
          method,
          id: item[method]!.operationId as string,
          header: (item[method]!.parameters ?? []).some((p) => p.name === 'Idempotency-Key'),
          // a route's own 409 must not have swallowed the documentation of IDEMPOTENCY_KEY_IN_USE
          conflict: item[method]!.responses?.['409']?.content?.['application/json'],
        })),
    );
    const undocumented = writes.filter((w) => w.header && !(w.conflict?.schema && w.conflict.examples?.IDEMPOTENCY_KEY_IN_USE));
    expect(undocumented.map((w) => `${w.method} ${w.path}`)).toEqual([]);
    expect(writes.length).toBeGreaterThan(10);
    expect(writes.filter((w) => w.header === WITHOUT_KEY.includes(w.id)).map((w) => `${w.method} ${w.path} (${w.id})`)).toEqual([]);
  });

  /** The same request twice with one key: the second gets the first answer, replayed, and changes nothing more. */
  async function twice(send: () => request.Test, key = randomUUID()): Promise<{ first: request.Response; retry: request.Response }> {
    const first = await send().set('Idempotency-Key', key);
    const retry = await send().set('Idempotency-Key', key);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.status).toBe(first.status);
    expect(retry.text).toBe(first.text);
    return { first, retry };
  }

  const operationsOf = async (brandId: number): Promise<number> =>
    (await t.dataSource.query('SELECT count(*)::int AS n FROM operation WHERE brand_id = $1', [brandId]))[0].n;

  it('POST /rest/bulk/contacts: the retry writes nothing', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { permissions: ['Contacts.Manage'] });
    const { first } = await twice(() =>
      call(t, token, 'post', '/rest/bulk/contacts', {
        body: { columns: ['contact_key', 'name'], contactDatas: [{ contact_key: 'k1', name: 'Jane' }] },
      }),
    );
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ inserted: 1 });
    expect(await operationsOf(brand.id)).toBe(1);
  });

  it('DELETE /admin/contacts/{contactKey}: the retry answers the deletion again, not 404', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'], permissions: ['Contacts.Manage'] });
    const { first } = await twice(() => call(t, token, 'delete', '/admin/contacts/c1'));
    expect(first.status).toBe(200);
    expect(await operationsOf(brand.id)).toBe(1);
  });

  it('POST /admin/extension-types: the retry creates no second type and is not refused as a duplicate', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { permissions: ['Brand.Manage', 'Brand.Read'] });
    const { first } = await twice(() => call(t, token, 'post', '/admin/extension-types', { body: { name: 'Home', channel: 'S' } }));
    expect(first.status).toBe(201);
    const types = (await call(t, token, 'get', '/admin/extension-types').expect(200)).body.items as { name: string; channel: string }[];
    expect(types.filter((x) => x.name === 'Home' && x.channel === 'S')).toHaveLength(1);
  });

  it('PATCH /admin/brand and POST /admin/api-users/{id}/disable replay their answers', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { permissions: ['Brand.Manage', 'Brand.Read'] });
    await twice(() => call(t, token, 'patch', '/admin/brand', { body: { name: 'Renamed once' } }));
    const other = await createApiUser(t.dataSource, brand.id);
    const { first } = await twice(() => call(t, token, 'post', `/admin/api-users/${other.id}/disable`));
    expect(first.body).toMatchObject({ id: other.id, active: false });
  });

  it('the same key on another write endpoint is IDEMPOTENCY_KEY_REUSED (422), and nothing is done', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'], permissions: ['Contacts.Manage'] });
    const key = randomUUID();
    await call(t, token, 'delete', '/admin/contacts/c1').set('Idempotency-Key', key).expect(200);
    const reused = await call(t, token, 'delete', '/admin/contacts/c2').set('Idempotency-Key', key).expect(422);
    expect(reused.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(
      (await t.dataSource.query('SELECT contact_key FROM master_contact WHERE brand_id = $1', [brand.id])).map(
        (r: { contact_key: string }) => r.contact_key,
      ),
    ).toEqual(['c2']);
  });
});
