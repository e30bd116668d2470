import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { TestApp } from './test-app';

/** Helpers for the import job end-to-end specs (contract section 8). */

export const JOBS_PATH = '/rest/bulk/contact_extensions/jobs';

export interface JobAnswer {
  id: string;
  state: string;
  total: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  processed: number;
  [key: string]: unknown;
}

export interface IssueAnswer {
  index: number;
  line: number | null;
  severity: 'error' | 'warning';
  code: string;
  field: string | null;
  message: string;
  values: unknown;
  raw: string | null;
}

export const auth = (token: string): string => `Bearer ${token}`;

export async function createJob(t: TestApp, token: string, body: object): Promise<JobAnswer> {
  const res = await t.http.post(JOBS_PATH).set('Authorization', auth(token)).send(body);
  if (res.status !== 201) throw new Error(`create: ${res.status} ${res.text}`);
  return res.body as JobAnswer;
}

export function upload(
  t: TestApp,
  token: string,
  id: string,
  body: string | Buffer,
  options: { type?: string; gzip?: boolean } = {},
): request.Test {
  const req = t.http
    .put(`${JOBS_PATH}/${id}/data`)
    .set('Authorization', auth(token))
    .set('Content-Type', options.type ?? 'text/csv');
  if (options.gzip) req.set('Content-Encoding', 'gzip');
  return req.send(options.gzip ? gzipSync(body) : body);
}

export const FINISHED = ['completed', 'failed', 'cancelled'];

/** Polls the job until it is finished (or `until` holds), then answers it. */
export async function waitForJob(
  t: TestApp,
  token: string,
  id: string,
  until: (job: JobAnswer) => boolean = (job) => FINISHED.includes(job.state),
  timeoutMs = 60_000,
): Promise<JobAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.http.get(`${JOBS_PATH}/${id}`).set('Authorization', auth(token));
    if (res.status !== 200) throw new Error(`status: ${res.status} ${res.text}`);
    const job = res.body as JobAnswer;
    if (until(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state} (${job.processed}/${job.total})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every error and warning of a job, through the paged list. */
export async function allIssues(t: TestApp, token: string, id: string): Promise<IssueAnswer[]> {
  const items: IssueAnswer[] = [];
  let cursor: string | null = null;
  do {
    const res = await t.http
      .get(`${JOBS_PATH}/${id}/errors`)
      .query(cursor ? { cursor, limit: 500 } : { limit: 500 })
      .set('Authorization', auth(token));
    if (res.status !== 200) throw new Error(`errors: ${res.status} ${res.text}`);
    items.push(...(res.body.items as IssueAnswer[]));
    cursor = res.body.next_cursor as string | null;
  } while (cursor);
  return items;
}

/** One job run end to end: create, upload, wait. */
export async function runJob(
  t: TestApp,
  token: string,
  create: object,
  body: string | Buffer,
  options: { type?: string; gzip?: boolean } = {},
): Promise<{ job: JobAnswer; issues: IssueAnswer[] }> {
  const created = await createJob(t, token, create);
  const res = await upload(t, token, created.id, body, options);
  if (res.status !== 202) throw new Error(`upload: ${res.status} ${res.text}`);
  const job = await waitForJob(t, token, created.id);
  return { job, issues: await allIssues(t, token, created.id) };
}

export const ndjson = (records: unknown[]): string => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
