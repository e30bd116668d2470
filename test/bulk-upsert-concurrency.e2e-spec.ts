import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { DataSource } from 'typeorm';
import { ALL_COLUMNS, BulkResult } from './support/bulk';
import { brandWithToken, insertExtensions } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/*
 * Concurrent BulkUpsertExtensions requests never answer 5xx because of each other, a record several
 * of them insert is inserted once, and a request costs a constant number of SQL statements whatever
 * its size. On the embedded database (one connection) the requests are serialized; on a real server
 * they race for real.
 */

// jest.config.js sets testTimeout per project, where Jest ignores it; hooks and tests here talk to a database
jest.setTimeout(60_000);

/** Fisher-Yates with a seeded generator, so that a failure can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function invariants(ds: DataSource, brandId: number) {
  const [row]: { rows: number; keys: number; orphans: number }[] = await ds.query(
    `SELECT count(*)::int AS rows,
            count(DISTINCT (e.contact_key, e.address))::int AS keys,
            count(*) FILTER (WHERE c.contact_key IS NULL)::int AS orphans
       FROM master_contact_extensions e
       LEFT JOIN master_contact c ON c.brand_id = e.brand_id AND c.contact_key = e.contact_key
      WHERE e.brand_id = $1`,
    [brandId],
  );
  return row;
}

describe('bulk upsert under concurrency', () => {
  let t: TestApp;
  beforeAll(async () => {
    // the default limits: 10 requests of one brand at once are within BULK_CONCURRENCY_LIMIT (16)
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

  it('10 parallel inserting requests on overlapping keys all answer 200 and insert each key exactly once', async () => {
    const contacts = ['c0', 'c1', 'c2', 'c3', 'c4'];
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts });
    const shared = Array.from({ length: 50 }, (_, i) => ({ contact_key: contacts[i % 5], address: `shared-${i}@x.com`, channel: 'E' }));
    const requests = Array.from({ length: 10 }, (_, r) => {
      const own = Array.from({ length: 20 }, (_, i) => ({ contact_key: contacts[i % 5], address: `own-${r}-${i}@x.com`, channel: 'E' }));
      return shuffled([...shared, ...own], r + 1);
    });

    const answers = await Promise.all(requests.map((contactDatas) => bulk(token, { insertIfNotExists: true, contactDatas })));

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    for (const a of answers) {
      const body = a.body as BulkResult;
      expect(body).toMatchObject({ total: 70, updated: 0, skipped: 0, failed: 0, errors: [] });
      // a key another request inserted first is found existing and unchanged
      expect(body.inserted + body.unchanged).toBe(70);
    }
    const { rows, keys, orphans } = await invariants(t.dataSource, brand.id);
    expect(rows).toBe(50 + 10 * 20);
    expect(keys).toBe(rows);
    expect(orphans).toBe(0);
    expect(answers.reduce((sum, a) => sum + (a.body as BulkResult).inserted, 0)).toBe(rows);
  });

  it('concurrent swaps, renames and updates of the same keys never answer 5xx and keep keys unique and contacts existing', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2', 'c3'] });
    const letters = ['a', 'b', 'c', 'd', 'e', 'f'];
    await insertExtensions(t.dataSource, brand.id, [
      ...letters.map((l) => ({ contact_key: 'c1', address: `${l}@x.com`, channel: 'E' as const })),
      { contact_key: 'c1', address: 's@x.com', channel: 'E' },
      { contact_key: 'c2', address: 's@x.com', channel: 'E' },
    ]);
    const before: { id: string; channel: string }[] = await t.dataSource.query(
      'SELECT e.id::text, e.channel FROM master_contact_extensions e WHERE e.brand_id = $1 ORDER BY e.id',
      [brand.id],
    );

    const rename = (from: string, to: string) => ({
      contact_key: 'c1',
      address: `${from}@x.com`,
      channel: 'E',
      new_address: `${to}@x.com`,
    });
    // Every permutation request maps the key set {a..f} onto itself, so it is valid in any state.
    const swaps = [rename('a', 'b'), rename('b', 'a'), rename('c', 'd'), rename('d', 'c')];
    const rotation = [rename('a', 'c'), rename('c', 'e'), rename('e', 'a'), rename('b', 'd'), rename('d', 'f'), rename('f', 'b')];
    const contactSwap = [
      { contact_key: 'c1', address: 's@x.com', new_contact_key: 'c2' },
      { contact_key: 'c2', address: 's@x.com', new_contact_key: 'c1' },
    ];
    const update = (permission: boolean) =>
      letters.map((l, i) => ({ contact_key: 'c1', address: `${l}@x.com`, permission, name: i % 2 ? 'Work Email' : null }));
    // Moves out of the set and back, which collide or miss depending on who ran first: record errors, never 5xx.
    const away = [rename('a', 'z'), { contact_key: 'c1', address: 's@x.com', new_contact_key: 'c3' }];
    const back = [rename('z', 'a'), { contact_key: 'c3', address: 's@x.com', new_contact_key: 'c1' }];

    const bodies = [
      swaps,
      rotation,
      contactSwap,
      update(true),
      swaps,
      away,
      update(false),
      rotation,
      back,
      contactSwap,
      swaps,
      update(true),
    ];
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(bodies.map((contactDatas) => bulk(token, { throwOnError: false, contactDatas })));
      expect(answers.map((a) => a.status)).toEqual(Array(bodies.length).fill(200));
      for (const [i, a] of answers.entries()) {
        const body = a.body as BulkResult;
        expect(body.inserted + body.updated + body.unchanged + body.skipped + body.failed).toBe(bodies[i].length);
        for (const e of body.errors) expect(['DUPLICATE_EXTENSION', 'EXTENSION_NOT_FOUND']).toContain(e.code);
      }
      const { rows, keys, orphans } = await invariants(t.dataSource, brand.id);
      expect({ rows, keys, orphans }).toEqual({ rows: before.length, keys: before.length, orphans: 0 });
    }
    // the same rows, each with its channel: renames never create, delete or re-channel an extension
    await expect(
      t.dataSource.query('SELECT e.id::text, e.channel FROM master_contact_extensions e WHERE e.brand_id = $1 ORDER BY e.id', [brand.id]),
    ).resolves.toEqual(before);
  });

  describe('a request issues the same number of SQL statements for 1 record as for 1000', () => {
    let spy: jest.SpyInstance;
    beforeEach(() => {
      spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
    });
    afterEach(() => {
      spy.mockRestore();
    });

    /** Statements issued while the request runs (the JWT user lookup included: it is one per request). */
    async function statementsOf(token: string, body: Record<string, unknown>, expected: Partial<BulkResult>): Promise<number> {
      spy.mockClear();
      const res = await bulk(token, body);
      const count = spy.mock.calls.length;
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject(expected);
      return count;
    }

    it('all inserts', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const records = (n: number, prefix: string) =>
        Array.from({ length: n }, (_, i) => ({ contact_key: 'c1', address: `${prefix}-${i}@x.com`, channel: 'E', permission: true }));
      const one = await statementsOf(token, { insertIfNotExists: true, contactDatas: records(1, 'one') }, { inserted: 1, failed: 0 });
      const thousand = await statementsOf(
        token,
        { insertIfNotExists: true, contactDatas: records(1000, 'many') },
        { inserted: 1000, failed: 0 },
      );
      expect(thousand).toBe(one);
      // the token's user, the rate limit's hit, BEGIN, the lookup, the write (the rows, the operations
      // log and the consent history in one statement), COMMIT, the concurrency slot's release
      expect(one).toBe(7);
    });

    it('all updates with a rename', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await insertExtensions(
        t.dataSource,
        brand.id,
        Array.from({ length: 1001 }, (_, i) => ({ contact_key: 'c1', address: `u-${i}@x.com`, channel: 'E' as const })),
      );
      const renames = (from: number, n: number) =>
        Array.from({ length: n }, (_, i) => ({
          contact_key: 'c1',
          address: `u-${from + i}@x.com`,
          channel: 'E',
          permission: true,
          new_address: `renamed-${from + i}@x.com`,
        }));
      const one = await statementsOf(token, { contactDatas: renames(0, 1) }, { updated: 1, failed: 0 });
      const thousand = await statementsOf(token, { contactDatas: renames(1, 1000) }, { updated: 1000, failed: 0 });
      expect(thousand).toBe(one);
      // as for inserts, with the renamed rows' step aside before the write
      expect(one).toBe(8);
    });
  });

  /*
   * Which contacts exist is asked of the database only when the answer needs it: the foreign key of
   * master_contact_extensions checks the contacts of the rows written anyway. A request that writes
   * does not ask; one that does not write (validateOnly), one whose plan has failures, and one that
   * runs again (its write met a contact that does not exist) ask.
   */
  describe('which contacts exist is asked only when the answer needs it', () => {
    let spy: jest.SpyInstance;
    beforeEach(() => {
      spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
    });
    afterEach(() => {
      spy.mockRestore();
    });

    const textOf = (query: unknown): string => (typeof query === 'string' ? query : String((query as { text?: unknown }).text));
    /** Of the statements sent since the last call: how many began a transaction, and how many read master_contact. */
    function sent(): { begins: number; contactReads: number } {
      const texts = spy.mock.calls.map(([query]) => textOf(query));
      spy.mockClear();
      return {
        begins: texts.filter((q) => q.startsWith('BEGIN')).length,
        contactReads: texts.filter((q) => /FROM master_contact\b(?!_)/.test(q)).length,
      };
    }
    const operationsOf = (brandId: number): Promise<{ total: number; inserted: number; failed: number; consent: number }[]> =>
      t.dataSource.query(
        `SELECT o.total, o.inserted, o.failed,
                (SELECT count(*)::int FROM consent_change c WHERE c.brand_id = o.brand_id AND c.operation_id = o.id) AS consent
           FROM operation o WHERE o.brand_id = $1 ORDER BY o.id`,
        [brandId],
      );

    /** Two inserts: index 0 for c1, which exists; index 1 for ghost, which does not. */
    const withGhost = [
      { contact_key: 'c1', address: 'a@x.com', channel: 'E' },
      { contact_key: 'ghost', address: 'g@x.com', channel: 'E' },
    ];
    const ghostNotFound = [expect.objectContaining({ index: 1, code: 'CONTACT_NOT_FOUND' })];

    it('a request whose records are valid and whose contacts exist does not ask', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
      spy.mockClear();
      const res = await bulk(token, {
        insertIfNotExists: true,
        contactDatas: [
          { contact_key: 'c1', address: 'a@x.com', channel: 'E' },
          { contact_key: 'c2', address: 'b@x.com', channel: 'E' },
        ],
      });
      expect(res.body).toMatchObject({ inserted: 2, failed: 0 });
      expect(sent()).toEqual({ begins: 1, contactReads: 0 });
    });

    it('a missing contact fails the write, and the request runs again and asks: the rest is written, and logged once', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      spy.mockClear();
      const res = await bulk(token, {
        insertIfNotExists: true,
        throwOnError: false,
        contactDatas: withGhost,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ inserted: 1, failed: 1, errors: ghostNotFound });
      expect(sent()).toEqual({ begins: 2, contactReads: 1 });
      await expect(invariants(t.dataSource, brand.id)).resolves.toEqual({ rows: 1, keys: 1, orphans: 0 });
      await expect(operationsOf(brand.id)).resolves.toEqual([{ total: 2, inserted: 1, failed: 1, consent: 1 }]);
    });

    it('with throwOnError, a missing contact alone is VALIDATION_FAILED and nothing is written or logged', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const res = await bulk(token, { insertIfNotExists: true, contactDatas: withGhost });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: ghostNotFound });
      await expect(invariants(t.dataSource, brand.id)).resolves.toEqual({ rows: 0, keys: 0, orphans: 0 });
      await expect(operationsOf(brand.id)).resolves.toEqual([]);
    });

    it('a plan with another failure asks before it answers, so that its errors are complete (one run)', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      spy.mockClear();
      const res = await bulk(token, {
        insertIfNotExists: true,
        contactDatas: [
          { contact_key: 'c1', address: 'not-an-email', channel: 'E' },
          { contact_key: 'ghost', address: 'g@x.com', channel: 'E' },
          { contact_key: 'c1', address: 'a@x.com', channel: 'E' },
        ],
      });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { index: number; code: string }) => [e.index, e.code])).toEqual([
        [0, 'INVALID_ADDRESS'],
        [1, 'CONTACT_NOT_FOUND'],
      ]);
      expect(sent()).toEqual({ begins: 1, contactReads: 1 });
      await expect(invariants(t.dataSource, brand.id)).resolves.toEqual({ rows: 0, keys: 0, orphans: 0 });
    });

    it('validateOnly asks, since it does not write', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      spy.mockClear();
      const res = await bulk(token, {
        insertIfNotExists: true,
        validateOnly: true,
        throwOnError: false,
        contactDatas: withGhost,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ inserted: 1, failed: 1, errors: ghostNotFound });
      expect(sent()).toEqual({ begins: 1, contactReads: 1 });
      await expect(invariants(t.dataSource, brand.id)).resolves.toEqual({ rows: 0, keys: 0, orphans: 0 });
    });
  });
});
