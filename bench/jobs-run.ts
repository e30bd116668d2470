/**
 * One import job through the service's routes, as an integrator runs it: log in as the brand's
 * user, create the job, PUT the load's CSV (streamed as it is generated, chunked), then poll the job
 * until it ends. Times the upload and the processing (from the upload's answer to the poll that
 * sees the job completed), samples the service's RSS every 50 ms from the job's creation to its
 * end, and checks the job's counts against the load.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { COLUMNS } from './batches';
import type { SeededBrand, WalUse } from './database';
import { JobLoad } from './jobs-load';
import type { ServiceProcess } from './service';
import type { JobCounts } from '../src/jobs/import-jobs.repository';

const JOBS = '/rest/bulk/contact_extensions/jobs';
const POLL_MS = 100;
const RSS_SAMPLE_MS = 50;

export interface JobRun {
  records: number;
  existing: number;
  /** seconds from the first byte of the upload to its answer */
  uploadSeconds: number;
  /** seconds from the upload's answer to the poll that saw the job completed */
  processSeconds: number;
  /** records / processSeconds */
  recordsPerSecond: number;
  /** microseconds of processing per record */
  usPerRecord: number;
  /** the service's RSS when the job was created, and its highest sample during upload and processing (MB) */
  rssBeforeMb: number;
  peakRssUploadMb: number;
  peakRssMb: number;
  /** CPU seconds the service's process used while uploading and while processing (user + system) */
  serviceCpuUploadSeconds: number;
  serviceCpuSeconds: number;
  /** the job's own account: its records/s and its started/finished times */
  reported: { recordsPerSecond: number; startedAt: string | null; finishedAt: string | null };
  /** the server's WAL and requested checkpoints from the upload to the end (set by jobs-bench.ts) */
  wal?: WalUse;
}

interface JobStatus extends JobCounts {
  id: string;
  state: string;
  records_per_second?: number;
  message?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
}

interface Answer {
  status: number;
  body: any;
}

/** A small HTTP client of the service for one brand's user, on its own keep-alive agent. */
class JobsClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private token = '';

  constructor(private readonly port: number) {}

  async login(user: { userKey: string; secret: string }): Promise<void> {
    const reply = await this.send(
      'POST',
      '/rest/login',
      JSON.stringify({ userKey: user.userKey, secret: user.secret }),
      'application/json',
    );
    if (reply.status !== 200) throw new Error(`job: login answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    this.token = reply.body.access_token;
  }

  send(method: string, path: string, body?: string | Readable, contentType?: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = this.token ? { authorization: `Bearer ${this.token}` } : {};
      if (contentType) headers['content-type'] = contentType;
      if (typeof body === 'string') headers['content-length'] = Buffer.byteLength(body);
      const req = http.request({ host: '127.0.0.1', port: this.port, method, path, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* kept as text for the error message */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body instanceof Readable) {
        body.on('error', (err) => req.destroy(err));
        body.pipe(req);
      } else req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The service answers 404 to creating a job: a build from before the import jobs. */
export class NoJobRoutesError extends Error {
  override name = 'NoJobRoutesError';
}

const DONE = new Set(['completed', 'failed', 'cancelled']);

/**
 * Runs the load as one job of the brand. `whileProcessing` is started when the upload is answered
 * and awaited after the job ends; it is told when the job has ended.
 */
export async function runJob(
  service: ServiceProcess,
  brand: SeededBrand,
  load: JobLoad,
  log: (message: string) => void,
  whileProcessing?: (ended: () => boolean) => Promise<void>,
  /** a CPU profile of the service while it processes the job, written to this file */
  profileFile?: string,
): Promise<JobRun> {
  const client = new JobsClient(service.port);
  const rssBeforeMb = service.memory().rssMb;
  let peakUpload = rssBeforeMb;
  let peak = rssBeforeMb;
  let uploading = true;
  const sample = () => {
    const rss = service.memory().rssMb;
    peak = Math.max(peak, rss);
    if (uploading) peakUpload = Math.max(peakUpload, rss);
  };
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  let ended = false;
  let side: Promise<void> | undefined;
  let sideError: unknown;
  try {
    await client.login(brand);
    const created = await client.send('POST', JOBS, JSON.stringify({ columns: COLUMNS, insertIfNotExists: true }), 'application/json');
    if (created.status === 404) throw new NoJobRoutesError(`the service has no job routes (POST ${JOBS} answered 404)`);
    if (created.status !== 201) throw new Error(`job: create answered ${created.status}: ${JSON.stringify(created.body)}`);
    const id: string = created.body.id;
    const cpuAtUpload = service.cpuSeconds();
    const uploadStarted = performance.now();
    const uploaded = await client.send('PUT', `${JOBS}/${id}/data`, load.csv(), 'text/csv');
    const uploadEnded = performance.now();
    sample();
    uploading = false;
    const cpuAtProcessing = service.cpuSeconds();
    if (profileFile) await service.profileStart();
    if (uploaded.status < 200 || uploaded.status >= 300) {
      throw new Error(`job: upload answered ${uploaded.status}: ${JSON.stringify(uploaded.body).slice(0, 500)}`);
    }
    log(`job of ${load.records} records: uploaded in ${((uploadEnded - uploadStarted) / 1000).toFixed(1)} s`);
    side = whileProcessing?.(() => ended).catch((err: unknown) => {
      sideError = err;
    });
    let status: JobStatus;
    let loggedAt = uploadEnded;
    for (;;) {
      const reply = await client.send('GET', `${JOBS}/${id}`);
      if (reply.status !== 200) throw new Error(`job: status answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      status = reply.body;
      if (DONE.has(status.state)) break;
      if (performance.now() - loggedAt > 10_000) {
        loggedAt = performance.now();
        log(`job: ${status.state}, ${status.processed} of ${status.total} records`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const processEnded = performance.now();
    sample();
    const cpuAtEnd = service.cpuSeconds();
    if (profileFile) await service.profileStop(profileFile);
    ended = true;
    await side;
    if (sideError) throw sideError;
    const e = load.expected;
    if (
      status.state !== 'completed' ||
      status.total !== e.total ||
      status.inserted !== e.inserted ||
      status.updated !== e.updated ||
      status.unchanged !== e.unchanged ||
      status.skipped !== 0 ||
      status.failed !== 0
    ) {
      throw new Error(`job: ${load.records} records ended ${JSON.stringify(status).slice(0, 800)}, expected ${JSON.stringify(e)}`);
    }
    const processSeconds = (processEnded - uploadEnded) / 1000;
    return {
      records: load.records,
      existing: load.existing,
      uploadSeconds: (uploadEnded - uploadStarted) / 1000,
      processSeconds,
      recordsPerSecond: load.records / processSeconds,
      usPerRecord: (processSeconds * 1e6) / load.records,
      rssBeforeMb,
      peakRssUploadMb: peakUpload,
      peakRssMb: peak,
      serviceCpuUploadSeconds: cpuAtProcessing - cpuAtUpload,
      serviceCpuSeconds: cpuAtEnd - cpuAtProcessing,
      reported: {
        recordsPerSecond: status.records_per_second ?? NaN,
        startedAt: status.started_at ?? null,
        finishedAt: status.finished_at ?? null,
      },
    };
  } finally {
    ended = true;
    await side;
    clearInterval(sampler);
    client.close();
  }
}
