import { brandWithToken, extensionsOf, insertExtensions } from './support/factories';
import { allIssues, auth, createJob, JOBS_PATH, ndjson, runJob, upload, waitForJob } from './support/jobs';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Contract section 8: bulk import jobs end to end, through the HTTP API, processed by the workers
 * that run inside the app (small chunks, so that a few records span several).
 */
describe('import jobs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ JOB_CHUNK_SIZE: '3' });
  });
  afterAll(async () => {
    await t.close();
  });

  const ALL = ['contact_key', 'address', 'channel', 'name', 'permission'];

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
    expect((await extensionsOf(t.dataSource, brand.id)).map((e) => [e.contact_key, e.address, e.channel, e.name, e.permission])).toEqual([
      ['c1', 'jane@example.com', 'E', 'Work Email', true],
      ['c1', 'second@example.com', 'E', null, false],
      ['c2', '905351234567', 'S', 'Mobile', false],
      ['c2', 'jo@example.com', 'E', null, false],
    ]);
  });

  it.each([false, true])('takes NDJSON (gzip: %s) and reports each record error with its index, line and values', async (gzip) => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@example.com', channel: 'E' }]);
    const body = ndjson([
      { contact_key: 'c1', address: 'a@example.com', permission: true },
      { contact_key: 'c1', address: 'not-an-email', channel: 'E' },
      { contact_key: 'c1', address: 'b@example.com', channel: 'E' },
    ]);
    const { job, issues } = await runJob(t, token, { columns: ALL, insertIfNotExists: true }, body, { type: 'application/x-ndjson', gzip });
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
    ]) {
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    }
    const list = await t.http.get(JOBS_PATH).set('Authorization', as).expect(200);
    expect(list.body.items).toEqual([]);
    const mine = await allIssues(t, owner.token, job.id);
    expect(mine).toEqual([]);
  });
});
