import { request as httpRequest, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BULK_PATH } from './support/bulk';
import { brandWithToken } from './support/factories';
import { Client } from 'pg';
import { ImportJobsRepository } from '../src/jobs/import-jobs.repository';
import { until } from './support/hold';
import { auth, createJob, JOBS_PATH, upload } from './support/jobs';
import { createTestApp, TestApp } from './support/test-app';
import { serverDatabaseUrl } from './support/test-database';

/**
 * How long a request may take to arrive: REQUEST_TIMEOUT_MS for every request but a job's upload,
 * which may take as long as it keeps sending (JOB_UPLOAD_IDLE_TIMEOUT_MS between bytes). Over real
 * sockets, since the point is a body that arrives slowly or stops.
 */

jest.setTimeout(30_000);

const TIMEOUT_MS = 1500;
const HEADER = 'contact_key,address,channel,name,permission\n';
/** A job whose uploads start with HEADER. */
const CSV_JOB = { columns: ['contact_key', 'address', 'channel', 'name', 'permission'], insertIfNotExists: true };

interface Answer {
  status: number;
  connection: string | undefined;
  body: Record<string, unknown>;
  closedAfter: Promise<void>;
}

/**
 * Sends the headers, then each piece of the body after its pause (and what it waits `until`), then
 * ends the body if `end` (else goes quiet); answers whatever the server on `port` answers.
 */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  pieces: { pauseMs: number; until?: () => Promise<unknown>; data: string }[],
  end = false,
) {
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false });
    let closed: () => void;
    const closedAfter = new Promise<void>((r) => (closed = r));
    req.on('close', () => closed());
    req.on('error', () => closed());
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: JSON.parse(text || '{}'), closedAfter }),
      );
    });
    req.flushHeaders();
    void (async () => {
      for (const piece of pieces) {
        await sleep(piece.pauseMs);
        await piece.until?.();
        if (req.destroyed) return;
        req.write(piece.data);
      }
      if (end && !req.destroyed) req.end();
    })().catch(reject);
  });
}

describe('request deadlines', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp({
      REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
      JOB_UPLOAD_IDLE_TIMEOUT_MS: String(TIMEOUT_MS),
      JOB_UPLOAD_CONCURRENCY: '1',
    });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t.close();
  });

  it('a body that stops arriving is answered 408 REQUEST_TIMEOUT after REQUEST_TIMEOUT_MS, its connection closed, nothing written', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const body = JSON.stringify({
      columns: ['contact_key', 'address', 'channel'],
      insertIfNotExists: true,
      contactDatas: [{ contact_key: 'c1', address: 'slow@example.com', channel: 'E' }],
    });
    const started = Date.now();
    const answer = await send(
      port,
      'POST',
      BULK_PATH,
      { Authorization: auth(token), 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
      [{ pauseMs: 0, data: body.slice(0, 40) }],
    );
    const took = Date.now() - started;
    expect(answer.status).toBe(408);
    expect(answer.body).toMatchObject({ statusCode: 408, code: 'REQUEST_TIMEOUT' });
    expect(answer.connection).toBe('close');
    await answer.closedAfter;
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(took).toBeLessThan(TIMEOUT_MS + 3000);
    const rows = await t.dataSource.query('SELECT count(*)::int AS n FROM master_contact_extensions WHERE brand_id = $1', [brand.id]);
    expect(rows[0].n).toBe(0);
  });

  it('a request that arrives in time is served as before, even when it arrives slowly', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const body = JSON.stringify({
      columns: ['contact_key', 'address', 'channel'],
      insertIfNotExists: true,
      contactDatas: [{ contact_key: 'c1', address: 'slow@example.com', channel: 'E' }],
    });
    const answer = await send(
      port,
      'POST',
      BULK_PATH,
      { Authorization: auth(token), 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
      [
        { pauseMs: 0, data: body.slice(0, 40) },
        { pauseMs: TIMEOUT_MS / 2, data: body.slice(40) },
      ],
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ inserted: 1 });
  });

  const seenAt = async (id: string): Promise<number> => {
    const rows: { seen: Date | null }[] = await t.dataSource.query('SELECT upload_seen_at AS seen FROM import_job WHERE id = $1', [id]);
    return rows[0].seen?.getTime() ?? 0;
  };

  it('an upload may take longer than REQUEST_TIMEOUT_MS as long as it keeps sending; meanwhile its claim is kept alive', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const job = await createJob(t, token, CSV_JOB);
    const lines = Array.from({ length: 8 }, (_, i) => `c1,trickle${i}@example.com,E,,true\n`);
    const started = Date.now();
    const answering = send(
      port,
      'PUT',
      `${JOBS_PATH}/${job.id}/data`,
      { Authorization: auth(token), 'Content-Type': 'text/csv', 'Transfer-Encoding': 'chunked' },
      [{ pauseMs: 0, data: HEADER }, ...lines.map((data) => ({ pauseMs: TIMEOUT_MS / 3, data }))],
      true,
    );
    await sleep(TIMEOUT_MS / 3);
    const claimed = await seenAt(job.id);
    await sleep(TIMEOUT_MS * 1.5);
    expect(claimed).toBeGreaterThan(0);
    expect(await seenAt(job.id)).toBeGreaterThan(claimed);
    const answer = await answering;
    expect(Date.now() - started).toBeGreaterThan(TIMEOUT_MS * 2);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ state: 'queued', total: 8 });
  });

  it('an upload that sends nothing for JOB_UPLOAD_IDLE_TIMEOUT_MS is cut off with 408; the job stays open and takes the next upload', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const job = await createJob(t, token, CSV_JOB);
    const started = Date.now();
    const answer = await send(
      port,
      'PUT',
      `${JOBS_PATH}/${job.id}/data`,
      { Authorization: auth(token), 'Content-Type': 'text/csv', 'Transfer-Encoding': 'chunked' },
      [
        { pauseMs: 0, data: HEADER },
        { pauseMs: TIMEOUT_MS / 3, data: 'c1,first@example.com,E,,true\n' },
        { pauseMs: TIMEOUT_MS / 3, data: 'c1,second@exam' },
      ],
    );
    const took = Date.now() - started;
    expect(answer.status).toBe(408);
    expect(answer.body).toMatchObject({ statusCode: 408, code: 'REQUEST_TIMEOUT' });
    expect(answer.body.message).toContain('the job is still open');
    expect(answer.connection).toBe('close');
    await answer.closedAfter;
    expect(took).toBeGreaterThanOrEqual((TIMEOUT_MS * 2) / 3 + TIMEOUT_MS - 50);

    const now = await t.http.get(`${JOBS_PATH}/${job.id}`).set('Authorization', auth(token)).expect(200);
    expect(now.body).toMatchObject({ state: 'open', total: 0 });
    const again = await upload(t, token, job.id, `${HEADER}c1,first@example.com,E,,true\n`).expect(202);
    expect(again.body).toMatchObject({ state: 'queued', total: 1 });
  });

  it('takes at most JOB_UPLOAD_CONCURRENCY uploads at once: the next is 503 SERVICE_UNAVAILABLE with Retry-After, and taken once one ends', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const [slow, next] = [await createJob(t, token, CSV_JOB), await createJob(t, token, CSV_JOB)];
    const slowUpload = send(
      port,
      'PUT',
      `${JOBS_PATH}/${slow.id}/data`,
      { Authorization: auth(token), 'Content-Type': 'text/csv', 'Transfer-Encoding': 'chunked' },
      [
        { pauseMs: 0, data: HEADER },
        { pauseMs: TIMEOUT_MS / 2, data: 'c1,slow@example.com,E,,true\n' },
      ],
      true,
    );
    await sleep(TIMEOUT_MS / 4);
    const refused = await upload(t, token, next.id, `${HEADER}c1,next@example.com,E,,true\n`).expect(503);
    expect(refused.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(refused.headers['retry-after']).toBe('5');
    expect((await t.http.get(`${JOBS_PATH}/${next.id}`).set('Authorization', auth(token))).body).toMatchObject({ state: 'open' });

    expect(await slowUpload).toMatchObject({ status: 202, body: { state: 'queued', total: 1 } });
    const taken = await upload(t, token, next.id, `${HEADER}c1,next@example.com,E,,true\n`).expect(202);
    expect(taken.body).toMatchObject({ state: 'queued', total: 1 });
  });

  it('an upload claim left by a process that died is taken over after 5 minutes, not before', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const job = await createJob(t, token, CSV_JOB);
    const claimedAgo = (minutes: number) =>
      t.dataSource.query(
        `UPDATE import_job SET upload_token = gen_random_uuid(), upload_seen_at = now() - make_interval(mins => $2) WHERE id = $1`,
        [job.id, minutes],
      );
    const body = `${HEADER}c1,taken@example.com,E,,true\n`;
    await claimedAgo(4);
    const refused = await upload(t, token, job.id, body).expect(409);
    expect(refused.body).toMatchObject({ code: 'JOB_STATE_CONFLICT', message: 'Another upload to this job is in progress.' });
    await claimedAgo(6);
    const taken = await upload(t, token, job.id, body).expect(202);
    expect(taken.body).toMatchObject({ state: 'queued', total: 1 });
  });
});

/**
 * The statements whose work grows with a whole upload (the sorts when it ends, deleting its staged
 * rows before it, when it fails, when it expires) run under a statement timeout of their own, not
 * DB_STATEMENT_TIMEOUT_MS, which bounds a request's statements: on a 20M-record upload they take
 * minutes. Here the request's timeout is 300 ms, and each statement is kept waiting for a second by
 * a row lock of the test's own.
 */
if (serverDatabaseUrl()) {
  describe('statements over a whole upload (PostgreSQL server)', () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => {
      t = await createTestApp({ DB_STATEMENT_TIMEOUT_MS: '300' });
      await t.app.listen(0, '127.0.0.1');
      port = (t.app.getHttpServer().address() as AddressInfo).port;
    });
    afterAll(async () => {
      await t.close();
    });

    /** Locks what `sql` selects (with its own FOR clause) in a transaction of the test's own, for `ms`. */
    async function lockFor(sql: string, params: unknown[], ms: number): Promise<{ released: Promise<void> }> {
      const client = new Client({ connectionString: serverDatabaseUrl() });
      await client.connect();
      await client.query('BEGIN');
      await client.query(sql, params);
      const released = sleep(ms).then(async () => {
        await client.query('ROLLBACK');
        await client.end();
      });
      return { released };
    }
    const leftover = (brandId: number, id: string) =>
      t.dataSource.query(
        `INSERT INTO import_job_record (brand_id, job_id, position, line, record) VALUES ($1, $2, 0, 2, '{"contact_key":"left"}')`,
        [brandId, id],
      );
    const staged = async (id: string): Promise<number> =>
      (await t.dataSource.query('SELECT count(*)::int AS n FROM import_job_record WHERE job_id = $1', [id]))[0].n;
    const columns = { columns: ['contact_key', 'address', 'channel'], insertIfNotExists: true };

    it('the end of an upload (queued, duplicates marked, sorted) waits past the request timeout', async () => {
      const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const job = await createJob(t, token, columns);
      let held: { released: Promise<void> } | undefined;
      const answer = await send(
        port,
        'PUT',
        `${JOBS_PATH}/${job.id}/data`,
        { Authorization: auth(token), 'Content-Type': 'text/csv' },
        [
          { pauseMs: 0, data: 'contact_key,address,channel\nc1,b@example.com,E\n' },
          {
            pauseMs: 0,
            // once the upload is claimed, the job's row is locked as an update would lock it: the staging
            // rows' key checks pass, marking it queued waits
            until: async () => {
              await until(
                'the upload is claimed',
                async () =>
                  (await t.dataSource.query('SELECT upload_token FROM import_job WHERE id = $1', [job.id]))[0].upload_token !== null,
              );
              held = await lockFor('SELECT 1 FROM import_job WHERE id = $1 FOR NO KEY UPDATE', [job.id], 1000);
            },
            data: 'c1,a@example.com,E\n',
          },
        ],
        true,
      );
      await held?.released;
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({ state: 'queued', total: 2 });
    });

    it('an upload first clears what a dead one left (as a refused one clears its own), waiting past the request timeout', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const job = await createJob(t, token, columns);
      await leftover(brand.id, job.id);
      const held = await lockFor('SELECT 1 FROM import_job_record WHERE job_id = $1 FOR UPDATE', [job.id], 1000);
      const res = await upload(t, token, job.id, 'contact_key,address,channel\nc1,a@example.com,E\n');
      await held.released;
      expect(res.body).toMatchObject({ state: 'queued', total: 1 });
      expect(await staged(job.id)).toBe(1);
    });

    it('the purge deletes an expired job and its staged rows, waiting past the request timeout', async () => {
      const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      const job = await createJob(t, token, columns);
      await leftover(brand.id, job.id);
      await t.dataSource.query(`UPDATE import_job SET created_at = now() - interval '8 days' WHERE id = $1`, [job.id]);
      const held = await lockFor('SELECT 1 FROM import_job_record WHERE job_id = $1 FOR UPDATE', [job.id], 1000);
      const purged = await t.app.get(ImportJobsRepository).purge(7);
      await held.released;
      expect(purged).toBeGreaterThanOrEqual(1);
      expect(await staged(job.id)).toBe(0);
      expect(await t.dataSource.query('SELECT id FROM import_job WHERE id = $1', [job.id])).toEqual([]);
    });
  });
}
