import { randomUUID } from 'node:crypto';
import { PgBoss } from 'pg-boss';
import { gzipSync } from 'node:zlib';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { DataSource } from 'typeorm';
import { PURGE_CRON, PURGE_QUEUE } from '../src/jobs/import-job-queue';
import { BULK_PATH } from './support/bulk';
import { brandWithToken, insertExtensions } from './support/factories';
import { lockRows, until } from './support/hold';
import { allIssues, auth, createJob, IssueAnswer, JobAnswer, JOBS_PATH, ndjson, runJob, upload, waitForJob } from './support/jobs';
import { createTestApp, TestApp } from './support/test-app';
import { serverDatabaseUrl } from './support/test-database';

/**
 * Contract section 8: bulk import jobs end to end, over HTTP with real tokens, processed by the
 * workers that run inside the app. Chunks of 3 records, so that a few records span several chunks.
 */

jest.setTimeout(60_000);

const ALL = ['contact_key', 'address', 'channel', 'name', 'permission'];
const CHUNK = 3;
const ASYNC_PATH = '/rest/bulk/async/contact_extensions';

interface Row {
  contact_key: string;
  address: string;
  channel: string;
  name: string | null;
  permission: boolean;
}

async function rowsOf(ds: DataSource, brandId: number): Promise<Row[]> {
  return ds.query(
    `SELECT contact_key, address, channel, name, permission FROM master_contact_extensions
      WHERE brand_id = $1 ORDER BY contact_key COLLATE "C", address COLLATE "C"`,
    [brandId],
  );
}

async function consentOf(
  ds: DataSource,
  brandId: number,
): Promise<{ address: string; old_permission: boolean | null; new_permission: boolean | null }[]> {
  return ds.query(
    `SELECT address, old_permission, new_permission FROM consent_change WHERE brand_id = $1 ORDER BY address COLLATE "C", id`,
    [brandId],
  );
}

/** A job's issues as the sync endpoint words them. */
const asSync = (issues: IssueAnswer[], severity: 'error' | 'warning') =>
  issues
    .filter((i) => i.severity === severity)
    .map(({ index, code, field, message }) => ({ index, code, ...(field === null ? {} : { field }), message }));
const fromSync = (issues: { index: number; code: string; field?: string; message: string }[]) =>
  issues.map(({ index, code, field, message }) => ({ index, code, ...(field === undefined ? {} : { field }), message }));

describe('import jobs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      JOB_WORKERS: 'true',
      JOB_CHUNK_SIZE: String(CHUNK),
      JOB_CHUNK_CONCURRENCY: '2',
      JOB_MAX_BYTES: String(64 * 1024),
      JOB_MAX_RECORDS: '1000',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Two brands set up alike, one for the sync endpoint and one for the job. */
  async function twins(contacts: string[], extensions: Parameters<typeof insertExtensions>[2]) {
    const made = [];
    for (let i = 0; i < 2; i++) {
      const b = await brandWithToken(t.dataSource, t.http, { contacts });
      if (extensions.length > 0) await insertExtensions(t.dataSource, b.brand.id, extensions);
      made.push(b);
    }
    return { sync: made[0], job: made[1] };
  }

  /** Cancels a job the test is done with, so that its hundreds of chunks do not keep the worker from the next tests' jobs. */
  async function stopJob(token: string, id: string): Promise<void> {
    await t.http.post(`${JOBS_PATH}/${id}/cancel`).set('Authorization', auth(token)).expect(200);
    await waitForJob(t, token, id);
  }

  /**
   * Keeps the brand's turn taken (one job per brand at a time): a first job that updates held@example.com, which
   * the brand must have, waits for a row lock of the test's own until release(), so the brand's next job stays queued.
   */
  async function holdTurn(brandId: number, token: string): Promise<{ first: JobAnswer; release(): Promise<void> }> {
    const lock = await lockRows('SELECT 1 FROM master_contact_extensions WHERE brand_id = $1 AND address = $2', [
      brandId,
      'held@example.com',
    ]);
    try {
      const first = await createJob(t, token, { columns: ALL });
      await upload(t, token, first.id, ndjson([{ contact_key: 'c1', address: 'held@example.com', permission: true }]), {
        type: 'application/x-ndjson',
      }).expect(202);
      await until('the first job waits for the lock', async () => (await lock.waiters()) > 0);
      return { first, release: () => lock.release() };
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  const syncRequest = (token: string, body: object) =>
    t.http
      .post(BULK_PATH)
      .set('Authorization', auth(token))
      .send({ throwOnError: false, ...body });

  it('creates a job (201, open, with its upload URL), takes a CSV upload (202, queued) and completes it', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
    const created = await createJob(t, token, { columns: ALL, insertIfNotExists: true });
    expect(created).toMatchObject({ state: 'open', total: 0, upload_url: `${JOBS_PATH}/${created.id}/data` });
    const csv = [
      'contact_key,address,channel,name,permission',
      'c1,Jane@Example.com,E,Work Email,true',
      'c2,+90 535 123 45 67,S,Mobile,',
      'c1,second@example.com,E,,false',
      'c2,jo@example.com,E,,',
    ].join('\r\n');
    const res = await upload(t, token, created.id, csv).expect(202);
    expect(res.body).toMatchObject({ id: created.id, state: 'queued', total: 4, format: 'csv' });
    const job = await waitForJob(t, token, created.id);
    expect(job).toMatchObject({
      state: 'completed',
      total: 4,
      processed: 4,
      inserted: 4,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0,
      percent: 100,
    });
    expect(job.started_at).toEqual(expect.any(String));
    expect(job.finished_at).toEqual(expect.any(String));
    expect(await rowsOf(t.dataSource, brand.id)).toEqual([
      { contact_key: 'c1', address: 'jane@example.com', channel: 'E', name: 'Work Email', permission: true },
      { contact_key: 'c1', address: 'second@example.com', channel: 'E', name: null, permission: false },
      { contact_key: 'c2', address: '905351234567', channel: 'S', name: 'Mobile', permission: false },
      { contact_key: 'c2', address: 'jo@example.com', channel: 'E', name: null, permission: false },
    ]);
    // the job is one operation of the log, with the consent history of its inserts
    const ops = await t.dataSource.query('SELECT kind, total, inserted FROM operation WHERE brand_id = $1', [brand.id]);
    expect(ops).toEqual([{ kind: 'contact_extensions.import_job', total: 4, inserted: 4 }]);
    expect(await consentOf(t.dataSource, brand.id)).toHaveLength(4);
  });

  it.each([false, true])('takes NDJSON (gzip: %s) and reports each record error with its index, line and values', async (gzip) => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@example.com', channel: 'E' }]);
    const body = ndjson([
      { contact_key: 'c1', address: 'a@example.com', permission: true },
      { contact_key: 'c1', address: 'not-an-email', channel: 'E' },
      { contact_key: 'c1', address: 'b@example.com', channel: 'E' },
    ]);
    const { job, issues } = await runJob(t, token, { columns: ALL, insertIfNotExists: true }, body, {
      type: 'application/x-ndjson',
      gzip,
    });
    expect(job).toMatchObject({ state: 'completed', total: 3, updated: 1, inserted: 1, failed: 1 });
    expect(issues).toEqual([
      {
        index: 1,
        line: 2,
        severity: 'error',
        code: 'INVALID_ADDRESS',
        field: 'address',
        message: 'address is not a valid email address',
        values: { contact_key: 'c1', address: 'not-an-email', channel: 'E' },
        raw: null,
      },
    ]);
  });

  it('judges every record rule as the sync endpoint does (same counts, errors, warnings and rows)', async () => {
    const existing = [
      { contact_key: 'c1', address: 'e1@example.com', channel: 'E' as const, name: 'Work Email', permission: true },
      { contact_key: 'c1', address: 'e2@example.com', channel: 'E' as const },
      { contact_key: 'c2', address: '905351234567', channel: 'S' as const },
    ];
    const inserts = [
      { contact_key: 'c1', address: 'new@example.com', channel: 'E', permission: true },
      { address: 'x@example.com', channel: 'E' }, // MISSING_FIELD contact_key
      { contact_key: 'c1', address: '  ', channel: 'E' }, // MISSING_FIELD address
      { contact_key: 'c1', address: 'y@example.com', channel: 'X' }, // INVALID_FIELD channel
      { contact_key: 'c1', address: 'z@example.com', channel: 'E', name: 'n'.repeat(101) }, // INVALID_FIELD name
      { contact_key: 'c1', address: 'u@example.com', channel: 'E', colour: 'red' }, // UNKNOWN_FIELD
      { contact_key: 'c1', address: 'nochannel@example.com' }, // MISSING_FIELD channel (insert)
      { contact_key: 'ghost', address: 'g@example.com', channel: 'E' }, // CONTACT_NOT_FOUND
      { contact_key: 'c1', address: 'not-an-email', channel: 'E' }, // INVALID_ADDRESS
      { contact_key: 'c2', address: '+90 535 123 45 67', channel: 'W' }, // CHANNEL_IMMUTABLE
      { contact_key: 'c1', address: 'e2@example.com', channel: 'E', name: 'Mobile' }, // UNKNOWN_EXTENSION_TYPE
      { contact_key: 'c1', address: 'dup@example.com', channel: 'E' }, // DUPLICATE_IN_REQUEST (a later one wins)
      { contact_key: 'c1', address: 'DUP@example.com', channel: 'E', permission: true },
      42, // INVALID_FIELD (not an object)
    ];
    const updates = [
      { contact_key: 'c1', address: 'missing@example.com', channel: 'E' }, // EXTENSION_NOT_FOUND
      { contact_key: 'c1', address: 'e1@example.com', new_address: 'moved@example.com' }, // MISSING_FIELD channel (new_address)
      { contact_key: 'c1', address: 'e1@example.com', channel: 'E', new_address: 'bad-address' }, // INVALID_ADDRESS new_address
      { contact_key: 'c1', address: 'e2@example.com', new_contact_key: 'ghost' }, // CONTACT_NOT_FOUND new_contact_key
      { contact_key: 'c2', address: '905351234567', channel: 'S', new_contact_key: 'c1', new_address: 'e1@example.com' }, // DUPLICATE_EXTENSION
      { contact_key: 'c1', address: 'E1@example.com', permission: false }, // updated
    ];
    for (const [records, insertIfNotExists] of [
      [inserts, true],
      [updates, false],
    ] as const) {
      const { sync, job } = await twins(['c1', 'c2'], existing);
      const body = { columns: ALL, insertIfNotExists };
      const expected = (await syncRequest(sync.token, { ...body, contactDatas: records }).expect(200)).body;
      const { job: done, issues } = await runJob(t, job.token, body, ndjson(records), { type: 'application/x-ndjson' });
      const { total, inserted, updated, unchanged, skipped, failed } = expected;
      expect(done).toMatchObject({ state: 'completed', total, inserted, updated, unchanged, skipped, failed });
      expect(asSync(issues, 'error')).toEqual(fromSync(expected.errors));
      expect(asSync(issues, 'warning')).toEqual(fromSync(expected.warnings));
      expect(await rowsOf(t.dataSource, job.brand.id)).toEqual(await rowsOf(t.dataSource, sync.brand.id));
    }
  });

  it('writes a chunk that meets a contact that does not exist again, asking first: the rest is written once, the contact is CONTACT_NOT_FOUND', async () => {
    // every record of the file is valid on its own, so no chunk asks which contacts exist before its
    // first write; the foreign key refuses the ghost's row, and its chunk runs again
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
    const records = [
      ...['a', 'b', 'c', 'd'].map((a) => ({ contact_key: 'c1', address: `${a}@example.com`, channel: 'E', permission: true })),
      { contact_key: 'ghost', address: 'g@example.com', channel: 'E', permission: true },
      ...['e', 'f', 'h'].map((a) => ({ contact_key: 'c2', address: `${a}@example.com`, channel: 'E', permission: true })),
    ];
    const { job, issues } = await runJob(t, token, { columns: ALL, insertIfNotExists: true }, ndjson(records), {
      type: 'application/x-ndjson',
    });
    expect(job).toMatchObject({ state: 'completed', total: 8, inserted: 7, failed: 1 });
    expect(issues.map((i) => [i.index, i.code, i.field])).toEqual([[4, 'CONTACT_NOT_FOUND', 'contact_key']]);
    expect((await rowsOf(t.dataSource, brand.id)).map((r) => r.contact_key)).toEqual(['c1', 'c1', 'c1', 'c1', 'c2', 'c2', 'c2']);
    // the consent history of the rows written, once each: the run the foreign key refused left nothing
    expect(await consentOf(t.dataSource, brand.id)).toHaveLength(7);
  });

  it('groups duplicates across the whole file: the last record of a contact_key and address wins, across chunks', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const records = [
      { contact_key: 'c1', address: 'A@example.com', channel: 'E', permission: true }, // chunk 1, superseded by 7
      { contact_key: 'c1', address: 'b@example.com', channel: 'E' },
      { contact_key: 'c1', address: 'c@example.com', channel: 'E' },
      { contact_key: 'c1', address: 'b@example.com', channel: 'E', name: 'Work Email' }, // chunk 2, wins over 1
      { contact_key: 'c1', address: 'd@example.com', channel: 'E' },
      { contact_key: 'c1', address: 'c@example.com', channel: 'X' }, // invalid, but the last of its group
      { contact_key: 'c1', address: 'e@example.com', channel: 'E' }, // chunk 3
      { contact_key: 'c1', address: ' a@EXAMPLE.com ', channel: 'E', permission: false },
    ];
    const { job, issues } = await runJob(t, token, { columns: ALL, insertIfNotExists: true }, ndjson(records), {
      type: 'application/x-ndjson',
    });
    expect(job).toMatchObject({ state: 'completed', total: 8, inserted: 4, skipped: 3, failed: 1 });
    expect(issues.map((i) => [i.index, i.severity, i.code])).toEqual([
      [0, 'warning', 'DUPLICATE_IN_REQUEST'],
      [1, 'warning', 'DUPLICATE_IN_REQUEST'],
      [2, 'warning', 'DUPLICATE_IN_REQUEST'],
      [5, 'error', 'INVALID_FIELD'],
    ]);
    expect(issues[0].message).toBe('a later record (index 7) has the same contact_key and address; this one is skipped');
    expect((await rowsOf(t.dataSource, brand.id)).map((r) => [r.address, r.name, r.permission])).toEqual([
      ['a@example.com', null, false],
      ['b@example.com', 'Work Email', false],
      ['d@example.com', null, false],
      ['e@example.com', null, false],
    ]);
  });

  it("writes the chunks of an insertIfNotExists job (it cannot rename) in the order of the extensions' key, of another job in the file's order; each stages its upload in that order", async () => {
    const existing = ['b1', 'b2', 'b3'].map((a) => ({ contact_key: 'c1', address: `${a}@example.com`, channel: 'E' as const }));
    // three updates, then three inserts whose keys sort before them
    const records = [
      ...existing.map((e) => ({ ...e, permission: true })),
      ...['a1', 'a2', 'a3'].map((a) => ({ contact_key: 'c1', address: `${a}@example.com`, channel: 'E', permission: true })),
    ];
    const chunksOf = (jobId: string): Promise<{ position: number; inserted: number; updated: number; failed: number }[]> =>
      t.dataSource.query('SELECT position, inserted, updated, failed FROM import_job_chunk WHERE job_id = $1 ORDER BY position', [jobId]);
    // where the staged records lie in the staging table: a chunk of the key order reads neighbours
    const stagedOrder = async (jobId: string): Promise<number[]> =>
      (await t.dataSource.query('SELECT position FROM import_job_record WHERE job_id = $1 ORDER BY ctid', [jobId])).map(
        (r: { position: number }) => r.position,
      );
    const runs = [
      // the inserts first: their keys sort before the updates'
      {
        body: { columns: ALL, insertIfNotExists: true },
        chunks: [
          { position: 0, inserted: 3, updated: 0, failed: 0 },
          { position: CHUNK, inserted: 0, updated: 3, failed: 0 },
        ],
        addresses: ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'],
        staged: [3, 4, 5, 0, 1, 2],
      },
      // the file's order; without insertIfNotExists the new keys are errors
      {
        body: { columns: ALL, insertIfNotExists: false },
        chunks: [
          { position: 0, inserted: 0, updated: 3, failed: 0 },
          { position: CHUNK, inserted: 0, updated: 0, failed: 3 },
        ],
        addresses: ['b1', 'b2', 'b3'],
        staged: [0, 1, 2, 3, 4, 5],
      },
    ];
    for (const { body, chunks, addresses, staged } of runs) {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await insertExtensions(t.dataSource, brand.id, existing);
      const { job } = await runJob(t, token, body, ndjson(records), { type: 'application/x-ndjson' });
      expect(job).toMatchObject({ state: 'completed', total: 6, processed: 6 });
      expect(await chunksOf(job.id)).toEqual(chunks);
      expect(await stagedOrder(job.id)).toEqual(staged);
      expect((await rowsOf(t.dataSource, brand.id)).map((r) => [r.address, r.permission])).toEqual(
        addresses.map((a) => [`${a}@example.com`, true]),
      );
    }
  });

  describe('renames across chunks behave as consecutive sync requests in record order', () => {
    const existing = [
      { contact_key: 'c1', address: 'a@example.com', channel: 'E' as const },
      { contact_key: 'c1', address: 'x@example.com', channel: 'E' as const },
      { contact_key: 'c1', address: 'y@example.com', channel: 'E' as const },
      { contact_key: 'c1', address: 'z@example.com', channel: 'E' as const },
      { contact_key: 'c2', address: 'p@example.com', channel: 'E' as const, permission: true },
      { contact_key: 'c2', address: 'q@example.com', channel: 'E' as const },
    ];
    const ren = (contactKey: string, from: string, to: string, extra: object = {}) => ({
      contact_key: contactKey,
      address: from,
      channel: 'E',
      new_address: to,
      ...extra,
    });
    // chunks of 3: a chain a -> b -> c over chunks 1 and 2, then an update of c in chunk 3; a swap of
    // x and y inside chunk 2 (passes); a swap of p and q split over chunks 2 and 3 (fails, as two requests would)
    const records = [
      ren('c1', 'a@example.com', 'b@example.com'),
      { contact_key: 'c1', address: 'z@example.com', channel: 'E', permission: true },
      ren('c2', 'p@example.com', 'p2@example.com', { new_contact_key: 'c1' }),
      ren('c1', 'b@example.com', 'c@example.com'),
      ren('c1', 'x@example.com', 'y@example.com'),
      ren('c1', 'y@example.com', 'x@example.com'),
      ren('c2', 'q@example.com', 'p2@example.com', { new_contact_key: 'c1' }),
      { contact_key: 'c1', address: 'c@example.com', channel: 'E', name: 'Work Email', permission: true },
      { contact_key: 'c1', address: 'p2@example.com', channel: 'E', permission: false },
    ];

    async function expectLikeSequentialSync(validateOnly: boolean) {
      const { sync, job } = await twins(['c1', 'c2'], existing);
      const expected = { inserted: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, errors: [] as unknown[] };
      for (let from = 0; from < records.length; from += CHUNK) {
        const res = await syncRequest(sync.token, { columns: ALL, contactDatas: records.slice(from, from + CHUNK) }).expect(200);
        for (const key of ['inserted', 'updated', 'unchanged', 'skipped', 'failed'] as const) expected[key] += res.body[key] as number;
        expected.errors.push(...fromSync(res.body.errors).map((e) => ({ ...e, index: e.index + from })));
      }
      const before = await rowsOf(t.dataSource, job.brand.id);
      const { job: done, issues } = await runJob(t, job.token, { columns: ALL, validateOnly }, ndjson(records), {
        type: 'application/x-ndjson',
      });
      const { errors, ...counts } = expected;
      expect(done).toMatchObject({ state: 'completed', total: records.length, processed: records.length, ...counts });
      expect(asSync(issues, 'error')).toEqual(errors);
      return { sync, job, before };
    }

    it('a chain and a swap across chunks end as the same requests sent one after the other would', async () => {
      const { sync, job } = await expectLikeSequentialSync(false);
      const rows = await rowsOf(t.dataSource, job.brand.id);
      expect(rows).toEqual(await rowsOf(t.dataSource, sync.brand.id));
      expect(rows.map((r) => [r.contact_key, r.address, r.permission])).toContainEqual(['c1', 'c@example.com', true]);
    });

    it('validateOnly judges each chunk on what the earlier ones would have written, and writes nothing', async () => {
      const { job, before } = await expectLikeSequentialSync(true);
      expect(await rowsOf(t.dataSource, job.brand.id)).toEqual(before);
      expect(await consentOf(t.dataSource, job.brand.id)).toEqual([]);
      expect(await t.dataSource.query('SELECT count(*)::int AS n FROM operation WHERE brand_id = $1', [job.brand.id])).toEqual([{ n: 0 }]);
    });
  });

  it('reads malformed CSV line by line: BOM, CRLF, quoted fields over lines, too many or too few fields, a file cut mid-line', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const csv =
      '\uFEFFcontact_key,address,channel,name\r\n' + // line 1
      'c1,one@example.com,E,"Work Email"\r\n' + // 2: index 0
      'c1,"two@example.com",E,"Work\r\nEmail"\r\n' + // 3-4: index 1, a name over two lines (not a type)
      'c1,three@example.com,E,,extra\r\n' + // 5: index 2, too many fields
      'c1,four@example.com\r\n' + // 6: index 3, too few
      '\r\n' + // 7: blank, no record
      'c1,five@example.com,E,\r\n' + // 8: index 4
      'c1,"six@example.com,E'; // 9: index 5, cut inside a quoted field
    const { job, issues } = await runJob(
      t,
      token,
      { columns: ['contact_key', 'address', 'channel', 'name'], insertIfNotExists: true },
      csv,
    );
    expect(job).toMatchObject({ state: 'completed', total: 6, inserted: 2, failed: 4 });
    expect(issues.map((i) => [i.index, i.line, i.code, i.field])).toEqual([
      [1, 3, 'UNKNOWN_EXTENSION_TYPE', 'name'],
      [2, 5, 'UNREADABLE_RECORD', null],
      [3, 6, 'UNREADABLE_RECORD', null],
      [5, 9, 'UNREADABLE_RECORD', null],
    ]);
    expect(issues[1]).toMatchObject({
      values: null,
      raw: 'c1,three@example.com,E,,extra',
      message: 'line 5 has 5 fields where the header has 4',
    });
    // a line break inside a quoted field is kept as sent
    expect(issues[0].values).toEqual({ contact_key: 'c1', address: 'two@example.com', channel: 'E', name: 'Work\r\nEmail' });
    expect((await rowsOf(t.dataSource, brand.id)).map((r) => r.address)).toEqual(['five@example.com', 'one@example.com']);

    // the same report as CSV
    const report = await t.http.get(`${JOBS_PATH}/${job.id}/errors.csv`).set('Authorization', auth(token)).expect(200);
    expect(report.headers['content-type']).toMatch(/^text\/csv/);
    expect(report.text.split('\n')[0]).toBe('index,line,severity,code,field,message,contact_key,address,values,raw');
    expect(report.text).toContain(
      '2,5,error,UNREADABLE_RECORD,,line 5 has 5 fields where the header has 4,,,,"c1,three@example.com,E,,extra"',
    );
  });

  it('reads a line that is not UTF-8 (a Latin-1 export sent as is) as an unreadable record of its own, not with U+FFFD in its values', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'Jos\u00e9'] });
    const csv = Buffer.concat([
      Buffer.from('contact_key,address,channel\n'),
      Buffer.from('Jos\u00e9,one@example.com,E\n'), // index 0: UTF-8
      Buffer.from('Jos\u00e9,two@example.com,E\n', 'latin1'), // index 1: line 3 in Latin-1
      Buffer.from('c1,three@example.com,E\n'), // index 2
    ]);
    const { job, issues } = await runJob(t, token, { columns: ['contact_key', 'address', 'channel'], insertIfNotExists: true }, csv);
    expect(job).toMatchObject({ state: 'completed', total: 3, inserted: 2, failed: 1 });
    expect(issues.map((i) => [i.index, i.line, i.code, i.message])).toEqual([
      [1, 3, 'UNREADABLE_RECORD', 'line 3 is not valid UTF-8 (send the file in UTF-8)'],
    ]);
    expect((await rowsOf(t.dataSource, brand.id)).map((r) => [r.contact_key, r.address])).toEqual([
      ['Jos\u00e9', 'one@example.com'],
      ['c1', 'three@example.com'],
    ]);
  });

  it('keeps values and unreadable lines exactly as sent: backslashes, tabs, \\N and line ends', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const csv =
      'contact_key,address,channel,name\n' +
      'c1,"back\\slash\ttab@example.com",E,"Work\\N"\n' + // index 0: not an email; a name that is not a type
      'c1,x\\N\ty,E,,extra\n' + // index 1: too many fields
      'c1,"a\\\\b\n\\c",E,\\N\n'; // index 2: a backslash pair and a line end in a quoted field
    const { job, issues } = await runJob(
      t,
      token,
      { columns: ['contact_key', 'address', 'channel', 'name'], insertIfNotExists: true },
      csv,
    );
    expect(job).toMatchObject({ state: 'completed', total: 3, failed: 3 });
    const first = (index: number) => issues.find((i) => i.index === index) as IssueAnswer;
    expect(first(0).values).toEqual({ contact_key: 'c1', address: 'back\\slash\ttab@example.com', channel: 'E', name: 'Work\\N' });
    expect(first(1)).toMatchObject({ values: null, raw: 'c1,x\\N\ty,E,,extra', code: 'UNREADABLE_RECORD' });
    expect(first(2).values).toEqual({ contact_key: 'c1', address: 'a\\\\b\n\\c', channel: 'E', name: '\\N' });
  });

  it('refuses an upload whose header names an unknown or repeated column (400), and keeps the job open', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http);
    const created = await createJob(t, token, { columns: ['contact_key', 'address'] });
    const bad = await upload(t, token, created.id, 'contact_key,email\nc1,a@b.c\n').expect(400);
    expect(bad.body).toMatchObject({ code: 'INVALID_REQUEST', details: ['column "email" is not a property of a contact extension'] });
    await upload(t, token, created.id, 'contact_key,address,address\n').expect(400);
    await upload(t, token, created.id, '').expect(400);
    expect((await waitForJob(t, token, created.id, () => true)).state).toBe('open');
    // the job takes a good upload after that
    await upload(t, token, created.id, 'contact_key,address\n').expect(202);
  });

  it('refuses a body that is not CSV or NDJSON (415) and a gzip bomb (413), keeping nothing', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http);
    const created = await createJob(t, token, { columns: ['contact_key', 'address'] });
    const media = await upload(t, token, created.id, '{}', { type: 'application/json' }).expect(415);
    expect(media.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    const bomb = gzipSync(Buffer.concat([Buffer.from('contact_key,address\n'), Buffer.alloc(10 * 1024 * 1024, 'a')]));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await t.http
      .put(`${JOBS_PATH}/${created.id}/data`)
      .set('Authorization', auth(token))
      .set('Content-Type', 'text/csv')
      .set('Content-Encoding', 'gzip')
      .send(bomb)
      .expect(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const tooMany = 'contact_key,address\n' + 'c1,a@b.c\n'.repeat(1001);
    await upload(t, token, created.id, tooMany).expect(413);
    await upload(t, token, created.id, 'not gzip', { type: 'text/csv' }).set('Content-Encoding', 'gzip').expect(400);
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM import_job_record WHERE brand_id = $1', [brand.id])).toEqual([
      { n: 0 },
    ]);
    expect((await waitForJob(t, token, created.id, () => true)).state).toBe('open');
  });

  it('refuses a charset other than UTF-8 (415) rather than reading its bytes as UTF-8; charset=utf-8 is taken', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const created = await createJob(t, token, { columns: ['contact_key', 'address'] });
    const latin1 = Buffer.from('contact_key,address\nc1,jos\u00e9@example.com\n', 'latin1');
    for (const type of ['text/csv; charset=latin1', 'text/csv; charset="windows-1252"', 'application/x-ndjson; charset=utf-16']) {
      const res = await upload(t, token, created.id, latin1, { type }).expect(415);
      expect(res.body).toMatchObject({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'Send the records in UTF-8 (charset=utf-8, or no charset).',
      });
    }
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM import_job_record WHERE brand_id = $1', [brand.id])).toEqual([
      { n: 0 },
    ]);
    const taken = await upload(t, token, created.id, 'contact_key,address\nc1,jos\u00e9@example.com\n', {
      type: 'text/csv; header=present; charset=UTF-8',
    }).expect(202);
    expect(taken.body).toMatchObject({ state: 'queued', total: 1 });
  });

  it('JOB_MAX_RECORDS and JOB_MAX_BYTES: 413 beyond either, gzip or not, keeping nothing; at the limits the upload is taken', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const created = await createJob(t, token, { columns: ['contact_key', 'address'] });
    const rows = (n: number) => 'contact_key,address\n' + 'c1,a@b.c\n'.repeat(n);
    for (const gzip of [false, true]) {
      const res = await upload(t, token, created.id, rows(1001), { gzip }).expect(413);
      expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: 'The upload holds more than 1000 records.' });
    }
    // 64 KiB and one byte, in few records
    const big = 'contact_key,address\n' + `c1,${'x'.repeat(64 * 1024 - 27)}@b.c\n`;
    expect(Buffer.byteLength(big)).toBe(64 * 1024 + 1);
    for (const gzip of [false, true]) {
      const res = await upload(t, token, created.id, big, { gzip }).expect(413);
      expect(res.body).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        message: `The upload is larger than ${64 * 1024} bytes once decompressed.`,
      });
    }
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM import_job_record WHERE brand_id = $1', [brand.id])).toEqual([
      { n: 0 },
    ]);
    expect((await waitForJob(t, token, created.id, () => true)).state).toBe('open');
    const taken = await upload(t, token, created.id, rows(1000), { gzip: true }).expect(202);
    expect(taken.body).toMatchObject({ state: 'queued', total: 1000 });
    await stopJob(token, created.id);
  });

  it('the async route has the sync body limits: more than 1000 records is 400, a body over BODY_LIMIT 413; no job is made', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const record = (i: number, name?: string) => ({ contact_key: 'c1', address: `r${i}@example.com`, channel: 'E', name });
    const send = (records: object[]) =>
      t.http.post(ASYNC_PATH).set('Authorization', auth(token)).send({ columns: ALL, insertIfNotExists: true, contactDatas: records });
    const many = await send(Array.from({ length: 1001 }, (_, i) => record(i))).expect(400);
    expect(many.body).toMatchObject({ code: 'INVALID_REQUEST', details: ['contactDatas must hold at most 1000 records'] });
    // 1000 records of 6 kB each: over the default BODY_LIMIT of 5 MB
    const large = await send(Array.from({ length: 1000 }, (_, i) => record(i, 'n'.repeat(6000)))).expect(413);
    expect(large.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM import_job WHERE brand_id = $1', [brand.id])).toEqual([{ n: 0 }]);
    const taken = await send(Array.from({ length: 1000 }, (_, i) => record(i))).expect(202);
    expect(taken.body).toMatchObject({ state: 'queued', total: 1000 });
    await stopJob(token, taken.body.id);
  });

  it('a retried create with the same Idempotency-Key gives one job; a second upload is 409', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http);
    const key = randomUUID();
    const send = () =>
      t.http
        .post(JOBS_PATH)
        .set('Authorization', auth(token))
        .set('Idempotency-Key', key)
        .send({ columns: ['contact_key', 'address'] });
    const first = await send().expect(201);
    const retry = await send().expect(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM import_job WHERE brand_id = $1', [brand.id])).toEqual([{ n: 1 }]);
    await upload(t, token, first.body.id, 'contact_key,address\n').expect(202);
    const again = await upload(t, token, first.body.id, 'contact_key,address\n').expect(409);
    expect(again.body).toMatchObject({ code: 'JOB_STATE_CONFLICT' });
  });

  it('an Idempotency-Key used again with another body is 422 on every job route, as on the sync routes; the same body gets the first answer', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const jobs = async () => (await t.dataSource.query('SELECT count(*)::int AS n FROM import_job WHERE brand_id = $1', [brand.id]))[0].n;
    const post = (path: string, key: string, body: object) =>
      t.http.post(path).set('Authorization', auth(token)).set('Idempotency-Key', key).send(body);
    const reused = { code: 'IDEMPOTENCY_KEY_REUSED' };

    // create and the async route: a JSON body, compared as the sync routes compare it (key order does not matter)
    const createKey = randomUUID();
    const created = await post(JOBS_PATH, createKey, { columns: ['contact_key', 'address', 'channel'], insertIfNotExists: true }).expect(
      201,
    );
    const again = await post(JOBS_PATH, createKey, { insertIfNotExists: true, columns: ['contact_key', 'address', 'channel'] }).expect(201);
    expect(again.body.id).toBe(created.body.id);
    expect((await post(JOBS_PATH, createKey, { columns: ['contact_key', 'address'] }).expect(422)).body).toMatchObject(reused);
    const asyncKey = randomUUID();
    const records = [{ contact_key: 'c1', address: 'a@example.com', channel: 'E' }];
    const body = { columns: ALL, insertIfNotExists: true, contactDatas: records };
    const queued = await post(ASYNC_PATH, asyncKey, body).expect(202);
    expect((await post(ASYNC_PATH, asyncKey, body).expect(202)).body.id).toBe(queued.body.id);
    const other = { ...body, contactDatas: [{ ...records[0], address: 'b@example.com' }] };
    expect((await post(ASYNC_PATH, asyncKey, other).expect(422)).body).toMatchObject(reused);
    expect(await jobs()).toBe(2);

    // the upload: its body is streamed, and compared byte for byte, with its Content-Type and Content-Encoding
    const csv = 'contact_key,address,channel\nc1,c@example.com,E\n';
    const put = (key: string, text: string, options: { type?: string; gzip?: boolean } = {}) =>
      upload(t, token, created.body.id, text, options).set('Idempotency-Key', key);
    const uploadKey = randomUUID();
    // an answer given before the body was read is not kept: the same key then runs the next upload
    await put(uploadKey, '{}', { type: 'application/json' }).expect(415);
    const first = await put(uploadKey, csv).expect(202);
    expect(first.body).toMatchObject({ state: 'queued', total: 1 });
    const retry = await put(uploadKey, csv).expect(202);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    for (const [text, options] of [
      [csv.replace('c@', 'd@'), {}],
      [csv, { gzip: true }],
      [csv, { type: 'application/x-ndjson' }],
    ] as const) {
      const res = await put(uploadKey, text, options).expect(422);
      expect(res.body).toMatchObject(reused);
    }
    // without the key, a second upload to the queued job is refused by its state
    await upload(t, token, created.body.id, csv).expect(409);
    expect(await jobs()).toBe(2);
    const job = await waitForJob(t, token, created.body.id);
    expect(job).toMatchObject({ state: 'completed', total: 1, inserted: 1 });
    expect((await rowsOf(t.dataSource, brand.id)).map((r) => r.address)).toEqual(['a@example.com', 'c@example.com']);
  });

  it('the async route takes the sync body and answers 202 with a queued job, then runs it', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const res = await t.http
      .post('/rest/bulk/async/contact_extensions')
      .set('Authorization', auth(token))
      .send({
        columns: ALL,
        insertIfNotExists: true,
        contactDatas: [{ contact_key: 'c1', address: 'a@example.com', channel: 'E' }, { contact_key: 'c1' }],
      })
      .expect(202);
    expect(res.body).toMatchObject({ state: 'queued', total: 2, format: 'json' });
    const job = await waitForJob(t, token, res.body.id);
    expect(job).toMatchObject({ state: 'completed', inserted: 1, failed: 1 });
    expect(await allIssues(t, token, job.id)).toEqual([
      {
        index: 1,
        line: null,
        severity: 'error',
        code: 'MISSING_FIELD',
        field: 'address',
        message: 'address is required',
        values: { contact_key: 'c1' },
        raw: null,
      },
    ]);
    expect((await rowsOf(t.dataSource, brand.id)).map((r) => r.address)).toEqual(['a@example.com']);
    // the request-level rules answer at once
    await t.http
      .post('/rest/bulk/async/contact_extensions')
      .set('Authorization', auth(token))
      .send({ columns: ['contact_key'], contactDatas: [{ contact_key: 'c1' }] })
      .expect(400);
  });

  it("lists the brand's jobs newest first, page by page", async () => {
    const { token } = await brandWithToken(t.dataSource, t.http);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createJob(t, token, { columns: ['contact_key', 'address'] })).id);
    const first = await t.http.get(JOBS_PATH).query({ limit: 2 }).set('Authorization', auth(token)).expect(200);
    const second = await t.http
      .get(JOBS_PATH)
      .query({ limit: 2, cursor: first.body.next_cursor })
      .set('Authorization', auth(token))
      .expect(200);
    expect([...first.body.items, ...second.body.items].map((j: JobAnswer) => j.id)).toEqual(ids.reverse());
    expect(second.body.next_cursor).toBeNull();
  });

  it('answers hostile input with documented errors, never a 5xx: forged cursors (impossible dates included), a record nested too deeply, NUL and lone surrogates', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const cursor = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
    const forgedCursors = [
      cursor(['+275760-09-13T00:00:00.000Z', '------------------------------------']),
      cursor(['x', 'y']),
      // well formed, but no such day, or a year PostgreSQL refuses
      cursor(['2026-02-30T00:00:00.000Z', randomUUID()]),
      cursor(['2026-13-01T00:00:00.000Z', randomUUID()]),
      cursor(['0000-01-01T00:00:00.000Z', randomUUID()]),
    ];
    for (const forged of forgedCursors) {
      const res = await t.http.get(JOBS_PATH).query({ cursor: forged }).set('Authorization', auth(token)).expect(400);
      expect(res.body).toMatchObject({ code: 'INVALID_REQUEST' });
    }
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const body = [
      deep,
      '{"contact_key":"c1\\u0000","address":"\\ud800@example.com","channel":"E"}',
      '{"contact_key":"c1","address":"ok@example.com","channel":"E"}',
    ].join('\n');
    const { job, issues } = await runJob(t, token, { columns: ALL, insertIfNotExists: true }, body, { type: 'application/x-ndjson' });
    expect(job).toMatchObject({ state: 'completed', total: 3, inserted: 1, failed: 2 });
    expect(issues.filter((i) => i.index === 0).map((i) => i.code)).toEqual(['UNREADABLE_RECORD']);
    expect([...new Set(issues.filter((i) => i.index !== 0).map((i) => `${i.index} ${i.code}`))]).toEqual(['1 INVALID_FIELD']);
    const page = await t.http
      .get(`${JOBS_PATH}/${job.id}/errors`)
      .query({ cursor: cursor([Number.MAX_SAFE_INTEGER, 1]) })
      .set('Authorization', auth(token))
      .expect(400);
    expect(page.body).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('another brand cannot see or touch the job (404)', async () => {
    const owner = await brandWithToken(t.dataSource, t.http);
    const other = await brandWithToken(t.dataSource, t.http);
    const job = await createJob(t, owner.token, { columns: ['contact_key', 'address'] });
    const as = auth(other.token);
    for (const res of [
      await t.http.get(`${JOBS_PATH}/${job.id}`).set('Authorization', as),
      await t.http.get(`${JOBS_PATH}/${job.id}/errors`).set('Authorization', as),
      await t.http.get(`${JOBS_PATH}/${job.id}/errors.csv`).set('Authorization', as),
      await t.http.post(`${JOBS_PATH}/${job.id}/cancel`).set('Authorization', as),
      await upload(t, other.token, job.id, 'contact_key,address\nc1,a@b.c\n'),
      await t.http.get(`${JOBS_PATH}/not-a-uuid`).set('Authorization', as),
    ]) {
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    }
    const list = await t.http.get(JOBS_PATH).set('Authorization', as).expect(200);
    expect(list.body.items).toEqual([]);
    expect((await waitForJob(t, owner.token, job.id, () => true)).state).toBe('open');
  });

  if (serverDatabaseUrl()) {
    it('cancel stops a processing job at the next chunk; committed chunks stay and the job says how far it got', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'r04@example.com', channel: 'E' }]);
      // the job cannot rename, so its chunks follow the key order: the addresses sort as the file lists them
      const records = Array.from({ length: 12 }, (_, i) => ({
        contact_key: 'c1',
        address: `r${String(i).padStart(2, '0')}@example.com`,
        channel: 'E',
        permission: true,
      }));
      // chunk 2 (records 3..5) updates r4: holding its row keeps chunk 2 in flight; chunk 3 passes it
      // (two chunks at once), chunk 4 waits for it (a window of two consecutive chunks)
      const lock = await lockRows('SELECT 1 FROM master_contact_extensions WHERE brand_id = $1 AND address = $2', [
        brand.id,
        'r04@example.com',
      ]);
      const created = await createJob(t, token, { columns: ALL, insertIfNotExists: true });
      try {
        await upload(t, token, created.id, ndjson(records), { type: 'application/x-ndjson' }).expect(202);
        await waitForJob(t, token, created.id, (j) => j.processed === 2 * CHUNK);
        await until('chunk 2 waits for the lock', async () => (await lock.waiters()) > 0);
        const cancel = await t.http.post(`${JOBS_PATH}/${created.id}/cancel`).set('Authorization', auth(token)).expect(200);
        expect(cancel.body).toMatchObject({ state: 'processing', cancel_requested: true });
      } finally {
        await lock.release();
      }
      const job = await waitForJob(t, token, created.id);
      expect(job).toMatchObject({ state: 'cancelled', total: 12, processed: 3 * CHUNK, inserted: 8, updated: 1 });
      expect((await rowsOf(t.dataSource, brand.id)).map((r) => r.address).sort()).toEqual(
        ['r00', 'r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07', 'r08'].map((a) => `${a}@example.com`),
      );
      const again = await t.http.post(`${JOBS_PATH}/${job.id}/cancel`).set('Authorization', auth(token)).expect(409);
      expect(again.body).toMatchObject({ code: 'JOB_STATE_CONFLICT' });
    });

    it('reads a chunk of the key order at the staging addresses its order recorded, and by the primary key when a record is not there (rows moved, an order without addresses): the same job either way', async () => {
      const records = [
        { contact_key: 'c2', address: 'n3@example.com', channel: 'E' },
        { contact_key: 'c1', address: 'u1@example.com', channel: 'E', permission: true },
        { contact_key: 'c1', address: 'n1@example.com', channel: 'E', permission: true }, // superseded by 4
        { contact_key: 'c2', address: 'n1@example.com', channel: 'E' },
        { contact_key: 'c1', address: 'N1@example.com', channel: 'E', name: 'Work Email' },
        { contact_key: 'c1', address: 'n2@example.com', channel: 'X' }, // INVALID_FIELD
        { contact_key: 'c2', address: 'n4@example.com', channel: 'E', permission: true },
      ];
      const outcomes = [];
      for (const tids of [
        undefined,
        // each address another record's, but the middle one's
        'ARRAY(SELECT u.t FROM unnest(tids) WITH ORDINALITY AS u(t, k) ORDER BY u.k DESC)',
        // an order written before the addresses were
        'NULL',
      ]) {
        const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
        await insertExtensions(t.dataSource, brand.id, [
          { contact_key: 'c1', address: 'held@example.com', channel: 'E' },
          { contact_key: 'c1', address: 'u1@example.com', channel: 'E' },
        ]);
        // the second job stays queued while its order is changed
        const held = await holdTurn(brand.id, token);
        const second = await createJob(t, token, { columns: ALL, insertIfNotExists: true });
        try {
          await upload(t, token, second.id, ndjson(records), { type: 'application/x-ndjson' }).expect(202);
          const [order] = await t.dataSource.query(
            `SELECT o.tids::text[] AS tids,
                    ARRAY(SELECT r.ctid::text FROM unnest(o.positions) WITH ORDINALITY AS p(position, k)
                            JOIN import_job_record r ON r.job_id = o.job_id AND r.position = p.position ORDER BY p.k) AS staged
               FROM import_job_order o WHERE o.job_id = $1`,
            [second.id],
          );
          expect(order.tids).toHaveLength(records.length);
          expect(order.tids).toEqual(order.staged);
          if (tids) await t.dataSource.query(`UPDATE import_job_order SET tids = ${tids} WHERE job_id = $1`, [second.id]);
        } finally {
          await held.release();
        }
        const job = await waitForJob(t, token, second.id);
        outcomes.push({
          job: {
            state: job.state,
            total: job.total,
            inserted: job.inserted,
            updated: job.updated,
            skipped: job.skipped,
            failed: job.failed,
          },
          issues: (await allIssues(t, token, job.id)).map((i) => [i.index, i.severity, i.code]),
          rows: await rowsOf(t.dataSource, brand.id),
        });
      }
      expect(outcomes[0]).toMatchObject({
        job: { state: 'completed', total: 7, inserted: 4, updated: 1, skipped: 1, failed: 1 },
        issues: [
          [2, 'warning', 'DUPLICATE_IN_REQUEST'],
          [5, 'error', 'INVALID_FIELD'],
        ],
      });
      expect(outcomes[0].rows.map((r) => [r.contact_key, r.address, r.name, r.permission])).toEqual([
        ['c1', 'held@example.com', null, true],
        ['c1', 'n1@example.com', 'Work Email', false],
        ['c1', 'u1@example.com', null, true],
        ['c2', 'n1@example.com', null, false],
        ['c2', 'n3@example.com', null, false],
        ['c2', 'n4@example.com', null, true],
      ]);
      expect(outcomes[1]).toEqual(outcomes[0]);
      expect(outcomes[2]).toEqual(outcomes[0]);
    });

    it('cancel of an open or a queued job cancels it at once: it never runs, and writes nothing', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'held@example.com', channel: 'E' }]);
      const open = await createJob(t, token, { columns: ['contact_key', 'address'] });
      const cancelledOpen = await t.http.post(`${JOBS_PATH}/${open.id}/cancel`).set('Authorization', auth(token)).expect(200);
      expect(cancelledOpen.body).toMatchObject({ state: 'cancelled', processed: 0 });
      expect(cancelledOpen.body.finished_at).toEqual(expect.any(String));
      expect((await upload(t, token, open.id, 'contact_key,address\n').expect(409)).body).toMatchObject({ code: 'JOB_STATE_CONFLICT' });

      const { first, release } = await holdTurn(brand.id, token);
      const second = await createJob(t, token, { columns: ALL, insertIfNotExists: true });
      try {
        expect((await waitForJob(t, token, first.id, () => true)).state).toBe('processing');
        await upload(t, token, second.id, ndjson([{ contact_key: 'c1', address: 'never@example.com', channel: 'E' }]), {
          type: 'application/x-ndjson',
        }).expect(202);
        expect((await waitForJob(t, token, second.id, () => true)).state).toBe('queued');
        const cancelled = await t.http.post(`${JOBS_PATH}/${second.id}/cancel`).set('Authorization', auth(token)).expect(200);
        expect(cancelled.body).toMatchObject({ state: 'cancelled', total: 1, processed: 0, cancel_requested: true });
      } finally {
        await release();
      }
      expect(await waitForJob(t, token, first.id)).toMatchObject({ state: 'completed', updated: 1 });
      // a later job of the brand runs after the cancelled one's turn has come and gone
      const later = await createJob(t, token, { columns: ALL });
      await upload(t, token, later.id, ndjson([{ contact_key: 'c1', address: 'held@example.com', permission: false }]), {
        type: 'application/x-ndjson',
      }).expect(202);
      expect(await waitForJob(t, token, later.id)).toMatchObject({ state: 'completed', updated: 1 });
      expect(await waitForJob(t, token, second.id, () => true)).toMatchObject({
        state: 'cancelled',
        processed: 0,
        inserted: 0,
        started_at: null,
      });
      expect((await rowsOf(t.dataSource, brand.id)).map((r) => r.address)).toEqual(['held@example.com']);
      expect((await t.http.post(`${JOBS_PATH}/${second.id}/cancel`).set('Authorization', auth(token)).expect(409)).body).toMatchObject({
        code: 'JOB_STATE_CONFLICT',
      });
    });

    it('retention: the hourly purge deletes jobs finished, or left open, more than JOB_RETENTION_DAYS ago, with their staging rows and reports', async () => {
      const owner = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const other = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const csv = 'contact_key,address,channel\nc1,a@example.com,E\nc1,not-an-email,E\n';
      const finished = async (b: typeof owner) =>
        (await runJob(t, b.token, { columns: ['contact_key', 'address', 'channel'], insertIfNotExists: true }, csv)).job.id;
      const oldFinished = await finished(owner);
      const oldOpen = (await createJob(t, owner.token, { columns: ['contact_key', 'address'] })).id;
      const youngFinished = await finished(owner);
      const youngOpen = (await createJob(t, owner.token, { columns: ['contact_key', 'address'] })).id;
      // created long ago, finished yesterday: kept until JOB_RETENTION_DAYS after it finished
      const finishedLately = await finished(owner);
      const otherBrands = await finished(other);
      const age = (id: string, created: number, finishedDaysAgo: number | null) =>
        t.dataSource.query(
          `UPDATE import_job SET created_at = now() - make_interval(days => $2), queued_at = now() - make_interval(days => $2),
                  started_at = now() - make_interval(days => $2),
                  finished_at = CASE WHEN $3::int IS NULL THEN NULL ELSE now() - make_interval(days => $3::int) END
            WHERE id = $1`,
          [id, created, finishedDaysAgo],
        );
      await age(oldFinished, 9, 8);
      await age(oldOpen, 8, null);
      await age(youngFinished, 6, 6);
      await age(youngOpen, 6, null);
      await age(finishedLately, 30, 1);
      await age(otherBrands, 6, 6);
      const stored = async (id: string) => {
        const [row] = await t.dataSource.query(
          `SELECT (SELECT count(*)::int FROM import_job WHERE id = $1) AS jobs,
                  (SELECT count(*)::int FROM import_job_record WHERE job_id = $1) AS records,
                  (SELECT count(*)::int FROM import_job_chunk WHERE job_id = $1) AS chunks,
                  (SELECT count(*)::int FROM import_job_issue WHERE job_id = $1) AS issues`,
          [id],
        );
        return row as { jobs: number; records: number; chunks: number; issues: number };
      };
      const full = { jobs: 1, records: 2, chunks: 1, issues: 1 };
      expect(await stored(oldFinished)).toEqual(full);

      // what the schedule does once an hour: a job on the purge queue, which the app's worker runs
      const boss = new PgBoss({
        connectionString: serverDatabaseUrl(),
        schema: 'pgboss',
        supervise: false,
        schedule: false,
        migrate: false,
      });
      boss.on('error', () => undefined);
      await boss.start();
      try {
        expect((await boss.getSchedules(PURGE_QUEUE)).map((s) => s.cron)).toEqual([PURGE_CRON]);
        const purge = (await boss.send(PURGE_QUEUE)) as string;
        // the purge deletes the expired jobs one by one: judged once it has ended, not when the first is gone
        await until('the purge ran', async () => (await boss.getJobById(PURGE_QUEUE, purge))?.state === 'completed', 30_000);
      } finally {
        await boss.stop({ graceful: false });
      }

      const gone = { jobs: 0, records: 0, chunks: 0, issues: 0 };
      expect(await stored(oldFinished)).toEqual(gone);
      expect(await stored(oldOpen)).toEqual(gone);
      for (const kept of [youngFinished, finishedLately, otherBrands]) expect(await stored(kept)).toEqual(full);
      expect(await stored(youngOpen)).toEqual({ jobs: 1, records: 0, chunks: 0, issues: 0 });
      await t.http.get(`${JOBS_PATH}/${oldFinished}`).set('Authorization', auth(owner.token)).expect(404);
      await t.http.get(`${JOBS_PATH}/${youngFinished}`).set('Authorization', auth(owner.token)).expect(200);
      // what the jobs wrote stays, and so does their operation in the log
      expect((await rowsOf(t.dataSource, owner.brand.id)).map((r) => r.address)).toEqual(['a@example.com']);
      expect(await t.dataSource.query('SELECT count(*)::int AS n FROM operation WHERE brand_id = $1', [owner.brand.id])).toEqual([
        { n: 3 },
      ]);
    });
  }
});

describe('import job reports', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ JOB_WORKERS: 'true' });
  });
  afterAll(async () => {
    await t.close();
  });

  it("groups an upload that the table's statistics know nothing of in one pass (20,000 records after an ANALYZE that saw another job only)", async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const create = { columns: ['contact_key', 'address', 'channel'], insertIfNotExists: true };
    const first = await runJob(t, token, create, 'contact_key,address,channel\nc1,first@example.com,E\n');
    expect(first.job).toMatchObject({ state: 'completed', inserted: 1 });
    // statistics that know this table's jobs so far: they estimate a new job's records as one row
    await t.dataSource.query('ANALYZE import_job_record');

    // the last ten records repeat the first ten: those are superseded
    const lines = ['contact_key,address,channel'];
    for (let i = 0; i < 20_000; i++) lines.push(`c1,m${i % 19_990}@example.com,E`);
    const created = await createJob(t, token, create);
    // a nested loop over the window took minutes here, longer than the test's 60 s timeout
    await upload(t, token, created.id, lines.join('\n')).expect(202);
    const job = await waitForJob(t, token, created.id);
    expect(job).toMatchObject({ state: 'completed', total: 20_000, inserted: 19_990, skipped: 10, failed: 0 });
  });

  it('errors.csv streams the same report as the JSON pages, row for row, past its 5000-row pages (a gzip CSV upload)', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const lines = ['contact_key,address,channel,name'];
    for (let i = 0; i < 5200; i++) {
      if (i % 1000 === 7)
        lines.push(`c1,"x${i},""quoted""@example.com",E,"a name, with\r\na line break"`); // INVALID_ADDRESS
      else if (i % 1000 === 8)
        lines.push(`c1,unreadable${i}@example.com,E,,"one field too many"`); // UNREADABLE_RECORD
      else if (i % 1000 === 9)
        lines.push(`c1,dup@example.com,E,`); // DUPLICATE_IN_REQUEST but the last
      else lines.push(`c1,m${i}@example.com,,Ünïcödé ${i}`); // MISSING_FIELD channel, and the name is no type
    }
    const { job, issues } = await runJob(
      t,
      token,
      { columns: ['contact_key', 'address', 'channel', 'name'], insertIfNotExists: true },
      lines.join('\r\n'),
      {
        gzip: true,
      },
    );
    expect(job).toMatchObject({ state: 'completed', total: 5200 });
    expect(issues.length).toBeGreaterThan(5000);
    expect(new Set(issues.map((i) => i.code))).toEqual(
      new Set(['INVALID_ADDRESS', 'UNREADABLE_RECORD', 'DUPLICATE_IN_REQUEST', 'MISSING_FIELD', 'UNKNOWN_EXTENSION_TYPE']),
    );

    const res = await t.http
      .get(`${JOBS_PATH}/${job.id}/errors.csv`)
      .set('Authorization', auth(token))
      .buffer(true)
      .parse((r, done) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (chunk: string) => (text += chunk));
        r.on('end', () => done(null, text));
      })
      .expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = parseCsvSync(res.body as string, { columns: true }) as Record<string, string>[];
    const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
    const asRow = (i: IssueAnswer) => {
      const values = i.values as Record<string, unknown> | null;
      const echo = (key: string) => (typeof values?.[key] === 'string' ? (values[key] as string) : '');
      return {
        index: text(i.index),
        line: text(i.line),
        severity: i.severity,
        code: i.code,
        field: text(i.field),
        message: i.message,
        contact_key: echo('contact_key'),
        address: echo('address'),
        values: values === null ? '' : JSON.stringify(values),
        raw: text(i.raw),
      };
    };
    expect(rows).toHaveLength(issues.length);
    expect(rows).toEqual(issues.map(asRow));
    expect(rows.find((r) => r.code === 'INVALID_ADDRESS')).toMatchObject({
      line: '9',
      address: 'x7,"quoted"@example.com',
      values: JSON.stringify({ contact_key: 'c1', address: 'x7,"quoted"@example.com', channel: 'E', name: 'a name, with\r\na line break' }),
    });
  });
});

describe('import jobs on the embedded database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ DATABASE_URL: undefined, DATA_DIR: 'memory://', JOB_WORKERS: 'true', JOB_CHUNK_SIZE: '200' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs a job in chunks on the one connection, and serves sync requests meanwhile', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
    const csv = ['contact_key,address,channel,permission', ...Array.from({ length: 1000 }, (_, i) => `c1,m${i}@example.com,E,true`)].join(
      '\n',
    );
    const created = await createJob(t, token, { columns: ['contact_key', 'address', 'channel', 'permission'], insertIfNotExists: true });
    await upload(t, token, created.id, csv).expect(202);
    const sync = await t.http
      .post(BULK_PATH)
      .set('Authorization', auth(token))
      .send({ columns: ALL, insertIfNotExists: true, contactDatas: [{ contact_key: 'c2', address: 'sync@example.com', channel: 'E' }] })
      .expect(200);
    expect(sync.body).toMatchObject({ inserted: 1 });
    const job = await waitForJob(t, token, created.id);
    expect(job).toMatchObject({ state: 'completed', total: 1000, processed: 1000, inserted: 1000 });
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM master_contact_extensions WHERE brand_id = $1', [brand.id])).toEqual([
      { n: 1001 },
    ]);
  });

  it('answers requests between the chunks of a running job (its statements never hold the event loop from one chunk to the next)', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const total = 6000;
    const csv = ['contact_key,address,channel', ...Array.from({ length: total }, (_, i) => `c1,e${i}@example.com,E`)].join('\n');
    const created = await createJob(t, token, { columns: ['contact_key', 'address', 'channel'], insertIfNotExists: true });
    await upload(t, token, created.id, csv).expect(202);
    // a poll is answered while the job runs, not once it has ended
    const seen = await waitForJob(t, token, created.id, (j) => j.state !== 'queued');
    expect(seen).toMatchObject({ state: 'processing' });
    expect(seen.processed).toBeLessThan(total);
    expect(await waitForJob(t, token, created.id)).toMatchObject({ state: 'completed', inserted: total });
  });
});
