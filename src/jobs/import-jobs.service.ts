import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { stringify } from 'csv-stringify';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataSource } from 'typeorm';
import { AuthUser } from '../auth/auth-user';
import { ExtensionColumn } from '../addresses/extension-columns';
import { DomainError, invalidRequest } from '../common/errors/domain.error';
import { liftRequestDeadline } from '../common/middleware/request-deadline.middleware';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor';
import { DatabaseConfig } from '../config/database.config';
import { JobsConfig } from '../config/jobs.config';
import { canonicalAddress } from '../addresses/address';
import { BulkUpsertContactExtensionsDto } from '../contact-extensions/dto/bulk-upsert-contact-extensions.dto';
import { isPlainRecord } from '../common/bulk-records/bulk-records';
import { runInRetryingTransaction } from '../database/retrying-transaction';
import { utcInstantOf } from '../common/validation/date-time';
import { MAX_INT4 } from '../common/validation/pg-integer';
import { charsetOf, isUtf8Charset } from '../common/http/charset';
import { CreateImportJobDto, ImportJobDto, ImportJobIssueDto, ImportJobIssuePageDto, ImportJobListDto } from './dto/import-job.dto';
import { ImportJobQueue, queueUnavailable } from './import-job-queue';
import { ImportJobsRepository, IssueRow, JobFormat, JobRow, StagingRow, storable, UUID } from './import-jobs.repository';
import { ReadRecord, readCsv, readNdjson } from './record-readers';

/**
 * An upload whose claim has not been touched for this long may be taken over by another: the process
 * that took it died. A live upload's claim is touched every UPLOAD_HEARTBEAT_MS (or, if shorter,
 * every JOB_UPLOAD_IDLE_TIMEOUT_MS); a live upload whose client died is cut off by that idle timeout.
 */
const UPLOAD_STALE_SECONDS = 300;
const UPLOAD_HEARTBEAT_MS = 60_000;

export const JOBS_PATH = '/rest/bulk/contact_extensions/jobs';

const CONTENT_TYPES: Record<string, JobFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
};

/**
 * Bulk import jobs: create, upload (streamed into the staging table, a batch at a time, then
 * queued in one transaction with the job), status, report, cancel. The work itself is the engine's.
 */
@Injectable()
export class ImportJobsService {
  private readonly config: JobsConfig;
  private uploadsInFlight = 0;
  /** the embedded database: no COPY, so the upload is staged by INSERTs */
  private readonly embedded: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: ImportJobsRepository,
    private readonly queue: ImportJobQueue,
    configService: ConfigService,
  ) {
    this.config = configService.getOrThrow<JobsConfig>('jobs');
    this.embedded = !configService.getOrThrow<DatabaseConfig>('database').url;
  }

  async create(user: AuthUser, body: CreateImportJobDto, requestId: string): Promise<ImportJobDto> {
    checkColumns(user, body.columns);
    const job = await this.jobs.create(this.dataSource, {
      brandId: user.brandId,
      columns: body.columns,
      insertIfNotExists: body.insertIfNotExists ?? false,
      validateOnly: body.validateOnly ?? false,
      userId: user.id,
      userKey: user.userKey,
      requestId,
    });
    return toDto(job);
  }

  /** The sync body as a job: its records staged as they are, and the job queued, in one go. */
  async createFromBody(user: AuthUser, body: BulkUpsertContactExtensionsDto, requestId: string): Promise<ImportJobDto> {
    checkColumns(user, body.columns);
    const insertIfNotExists = body.insertIfNotExists ?? false;
    if (insertIfNotExists) {
      const renaming = body.contactDatas.findIndex(
        (r) => isPlainRecord(r) && ((r.new_contact_key ?? null) !== null || (r.new_address ?? null) !== null),
      );
      if (renaming >= 0) {
        const detail = `insertIfNotExists cannot be used with new_contact_key or new_address (record ${renaming}); send renames in a separate request`;
        throw invalidRequest(detail, [detail]);
      }
    }
    const job = await this.jobs.create(this.dataSource, {
      brandId: user.brandId,
      columns: body.columns,
      insertIfNotExists,
      validateOnly: body.validateOnly ?? false,
      userId: user.id,
      userKey: user.userKey,
      requestId,
    });
    const token = randomUUID();
    await this.jobs.claimUpload(user.brandId, job.id, token, UPLOAD_STALE_SECONDS);
    await this.jobs.stage(
      user.brandId,
      job.id,
      body.contactDatas.map((record, position) => stagedRow({ line: 0, record }, position, false)),
    );
    return this.queueUpload(user.brandId, job.id, token, 'json', body.contactDatas.length);
  }

  async get(user: AuthUser, id: string): Promise<ImportJobDto> {
    return toDto(await this.mustFind(user, id));
  }

  async list(user: AuthUser, limit: number, cursor?: string): Promise<ImportJobListDto> {
    const after = cursor ? decodeCursor(cursor, ['string', 'string'] as const) : undefined;
    if (after && !(isCreatedAt(after[0]) && UUID.test(after[1]))) throw invalidCursor();
    const rows = await this.jobs.list(user.brandId, limit, after as [string, string] | undefined);
    const shown = rows.slice(0, limit);
    const last = shown[shown.length - 1];
    return {
      items: shown.map(toDto),
      next_cursor: rows.length > limit && last ? encodeCursor([last.created_at.toISOString(), last.id]) : null,
    };
  }

  async cancel(user: AuthUser, id: string): Promise<ImportJobDto> {
    const job = await this.mustFind(user, id);
    const done = await this.jobs.cancel(user.brandId, id);
    if (!done) throw stateConflict(job, 'cancelled');
    return toDto(await this.mustFind(user, id));
  }

  /**
   * Streams the body into the staging table: decompressed (gzip) and counted on the way, read a
   * record at a time, staged a batch at a time. Nothing of it is kept if it fails; the job stays open.
   */
  async upload(user: AuthUser, id: string, req: Request): Promise<ImportJobDto> {
    const contentType = req.headers['content-type'] ?? '';
    const format = CONTENT_TYPES[contentType.split(';')[0].trim().toLowerCase()];
    if (!format) {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send the records as text/csv or application/x-ndjson.');
    }
    // the file is read as UTF-8: bytes of another charset would become U+FFFD, not the text sent
    const charset = charsetOf(contentType);
    if (charset !== undefined && !isUtf8Charset(charset)) {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send the records in UTF-8 (charset=utf-8, or no charset).');
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip') {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Content-Encoding may be gzip or none.');
    }
    const job = await this.mustFind(user, id);
    if (job.state !== 'open') throw stateConflict(job, 'uploaded to');
    // each upload holds a database connection for as long as it takes: a few at most, so that slow
    // uploads cannot take the connections that requests and jobs need
    if (this.uploadsInFlight >= this.config.uploadConcurrency) {
      throw new DomainError(
        'SERVICE_UNAVAILABLE',
        `This instance is taking ${this.config.uploadConcurrency} uploads already, as many as it takes at once; retry later (Retry-After).`,
      );
    }
    this.uploadsInFlight++;
    try {
      return await this.claimAndStage(user, job, req, format, encoding === 'gzip');
    } finally {
      this.uploadsInFlight--;
    }
  }

  private async claimAndStage(user: AuthUser, job: JobRow, req: Request, format: JobFormat, gzip: boolean): Promise<ImportJobDto> {
    const { id } = job;
    const token = randomUUID();
    if (!(await this.jobs.claimUpload(user.brandId, id, token, UPLOAD_STALE_SECONDS))) {
      const now = await this.mustFind(user, id);
      throw now.state === 'open'
        ? new DomainError('JOB_STATE_CONFLICT', 'Another upload to this job is in progress.')
        : stateConflict(now, 'uploaded to');
    }
    const heartbeat = setInterval(
      () => void this.jobs.touchUpload(user.brandId, id, token).catch(() => undefined),
      Math.min(UPLOAD_HEARTBEAT_MS, this.config.uploadIdleTimeoutMs),
    );
    heartbeat.unref();
    try {
      await this.jobs.clearStaging(user.brandId, id);
      const total = await this.stageStream(job, req, format, gzip);
      clearInterval(heartbeat);
      return await this.queueUpload(user.brandId, id, token, format, total);
    } catch (err) {
      clearInterval(heartbeat);
      await this.jobs.clearStaging(user.brandId, id).catch(() => undefined);
      await this.jobs.releaseUpload(user.brandId, id, token).catch(() => undefined);
      throw err;
    }
  }

  private async stageStream(job: JobRow, req: Request, format: JobFormat, gzip: boolean): Promise<number> {
    // the connection first: once the body flows through the pipes below, their errors need the reader
    const staging = await this.jobs.openStaging(job, this.embedded);
    const limit = this.config.maxBytes;
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > limit) done(new DomainError('PAYLOAD_TOO_LARGE', `The upload is larger than ${limit} bytes once decompressed.`));
        else done(null, chunk);
      },
    });
    const source: Readable = gzip ? req.pipe(createGunzip()) : req;
    if (gzip) req.once('error', (err) => source.destroy(err));
    source.once('error', (err) => counter.destroy(wrapStreamError(err) as Error));
    source.pipe(counter);
    const idle = this.cutOffWhenIdle(req, counter);
    const records: AsyncGenerator<ReadRecord> = format === 'csv' ? readCsv(counter) : readNdjson(counter);

    let position = 0;
    try {
      for await (const read of records) {
        if (position >= this.config.maxRecords) {
          throw new DomainError('PAYLOAD_TOO_LARGE', `The upload holds more than ${this.config.maxRecords} records.`);
        }
        await staging.add(stagedRow(read, position++, true));
      }
    } catch (err) {
      source.unpipe(counter);
      req.resume();
      await staging.abort();
      throw wrapStreamError(err);
    } finally {
      clearTimeout(idle);
    }
    await staging.end();
    return position;
  }

  /**
   * An upload has no deadline as a whole (a file of a few GB takes its time on a slow link), but one
   * that sends nothing for JOB_UPLOAD_IDLE_TIMEOUT_MS is cut off: 408, its connection closed, the job
   * left open. Time spent waiting for the database (the body paused by backpressure) does not count.
   */
  private cutOffWhenIdle(req: Request, body: Transform): NodeJS.Timeout {
    liftRequestDeadline(req);
    const idleMs = this.config.uploadIdleTimeoutMs;
    const timer = setTimeout(() => {
      if (req.readableFlowing === false || req.complete) {
        timer.refresh();
        return;
      }
      req.res?.setHeader('Connection', 'close');
      body.destroy(
        new DomainError('REQUEST_TIMEOUT', `The upload sent nothing for ${idleMs / 1000} s and was cut off; the job is still open.`),
      );
    }, idleMs);
    timer.unref();
    req.on('data', () => timer.refresh());
    return timer;
  }

  private async queueUpload(brandId: number, id: string, token: string, format: JobFormat, total: number): Promise<ImportJobDto> {
    await this.queue.ready().catch(() => {
      throw queueUnavailable();
    });
    await runInRetryingTransaction(this.dataSource, async (runner) => {
      await this.jobs.allowWholeUploadStatements(runner);
      const queued = await this.jobs.markQueued(runner, brandId, id, token, format, total);
      if (!queued) throw new DomainError('JOB_STATE_CONFLICT', 'The job was cancelled or taken over during the upload.');
      await this.jobs.markSuperseded(runner, brandId, id);
      if (queued.keyOrder) await this.jobs.orderByKey(runner, brandId, id);
      await this.queue.enqueue(runner, brandId, id);
    });
    this.queue.wake();
    const job = await this.jobs.find(this.dataSource, brandId, id);
    return toDto(job as JobRow);
  }

  async issues(user: AuthUser, id: string, limit: number, cursor?: string): Promise<ImportJobIssuePageDto> {
    await this.mustFind(user, id);
    const after = cursor ? decodeCursor(cursor, ['number', 'number'] as const) : undefined;
    // positions are int4 and sequence numbers int2 in the database: anything else is not our cursor
    if (after && !(after[0] >= 0 && after[0] <= MAX_INT4 && after[1] >= 0 && after[1] <= 32_767)) throw invalidCursor();
    const rows = await this.jobs.issues(user.brandId, id, limit + 1, after as [number, number] | undefined);
    const shown = rows.slice(0, limit);
    const last = shown[shown.length - 1];
    return { items: shown.map(toIssue), next_cursor: rows.length > limit && last ? encodeCursor([last.position, last.seq]) : null };
  }

  /** The whole report as CSV, written page by page as the client reads it. */
  async writeIssuesCsv(user: AuthUser, id: string, out: Writable): Promise<void> {
    await this.mustFind(user, id);
    const jobs = this.jobs;
    async function* pages(): AsyncGenerator<(string | number | null)[]> {
      let after: [number, number] | undefined;
      for (;;) {
        const rows = await jobs.issues(user.brandId, id, 5000, after);
        for (const row of rows) {
          const item = toIssue(row);
          const values = item.values as Record<string, unknown> | null;
          yield [
            item.index,
            item.line,
            item.severity,
            item.code,
            item.field,
            item.message,
            echo(values, 'contact_key'),
            echo(values, 'address'),
            values === null ? null : JSON.stringify(values),
            item.raw,
          ];
        }
        if (rows.length < 5000) return;
        const last = rows[rows.length - 1];
        after = [last.position, last.seq];
      }
    }
    const csv = stringify({
      header: true,
      columns: ['index', 'line', 'severity', 'code', 'field', 'message', 'contact_key', 'address', 'values', 'raw'],
    });
    await pipeline(Readable.from(pages()), csv, out);
  }

  private async mustFind(user: AuthUser, id: string): Promise<JobRow> {
    const job = await this.jobs.find(this.dataSource, user.brandId, id);
    if (!job) throw new DomainError('NOT_FOUND', 'No import job with this id.');
    return job;
  }
}

const ISO_UTC_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A created_at as a cursor holds it (toISOString): an instant that exists, written as PostgreSQL can read it. */
const isCreatedAt = (text: string): boolean => ISO_UTC_MS.test(text) && utcInstantOf(text)?.toISOString() === text;

const invalidCursor = (): DomainError =>
  invalidRequest('cursor is not valid; pass back the next_cursor of the previous page', ['cursor is not valid']);

function echo(values: Record<string, unknown> | null, key: string): string | null {
  const v = values?.[key];
  return typeof v === 'string' ? v : null;
}

/** The request-level rules of contract section 4 on `columns` that need the brand. */
function checkColumns(user: AuthUser, columns: ExtensionColumn[]): void {
  const details: string[] = [];
  const enabled = new Set<ExtensionColumn>(user.extensionColumns);
  for (const column of columns) {
    if (!enabled.has(column)) details.push(`column ${column} is not enabled for your brand`);
  }
  for (const required of ['contact_key', 'address'] as const) {
    if (!columns.includes(required)) details.push(`columns must contain ${required}`);
  }
  if (details.length > 0) throw invalidRequest(details[0], details);
}

function stateConflict(job: JobRow, what: string): DomainError {
  return new DomainError('JOB_STATE_CONFLICT', `The job is ${job.state}; it cannot be ${what}.`);
}

function wrapStreamError(err: unknown): unknown {
  if (err instanceof DomainError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') {
    return invalidRequest('The body is not valid gzip.', ['the body is not valid gzip']);
  }
  if (code === 'ECONNRESET' || code === 'ECONNABORTED' || (err as Error).message === 'aborted') {
    return invalidRequest('The upload was cut off.', ['the upload ended before its end']);
  }
  return err;
}

/** A record as staged: its JSON (text), or the text of an unreadable line; and its group. */
function stagedRow(read: ReadRecord, position: number, hasLine: boolean): StagingRow {
  let record: string | null = null;
  let problem = read.problem;
  if (problem === undefined) {
    try {
      record = JSON.stringify(read.record ?? null);
    } catch {
      // a value nested so deep that it cannot be written back as JSON (RangeError)
      problem = `${hasLine ? `line ${read.line}` : `record ${position}`} is nested too deeply to be read`;
    }
  }
  const value = read.record;
  const groupKey =
    record !== null && isPlainRecord(value) && typeof value.contact_key === 'string' && typeof value.address === 'string'
      ? storable(JSON.stringify([value.contact_key, canonicalAddress(value.address)]))
      : null;
  return {
    position,
    line: hasLine ? read.line : null,
    record,
    raw: read.raw === undefined ? null : storable(read.raw),
    problem: problem === undefined ? null : storable(problem),
    groupKey,
  };
}

function toIssue(row: IssueRow): ImportJobIssueDto {
  return {
    index: row.position,
    line: row.line,
    severity: row.severity,
    code: row.code,
    field: row.field,
    message: row.message,
    values: row.record === null ? null : (JSON.parse(row.record) as unknown),
    raw: row.raw,
  };
}

export function toDto(job: JobRow): ImportJobDto {
  const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
  const started = job.started_at?.getTime();
  const end = job.finished_at?.getTime() ?? Date.now();
  const seconds = started !== undefined ? Math.max(0.001, (end - started) / 1000) : 0;
  const rate = started !== undefined && job.processed > 0 ? Math.round(job.processed / seconds) : 0;
  const left = job.total - job.processed;
  return {
    id: job.id,
    state: job.state,
    columns: job.columns as ExtensionColumn[],
    insertIfNotExists: job.insert_if_not_exists,
    validateOnly: job.validate_only,
    format: job.format,
    total: job.total,
    inserted: job.inserted,
    updated: job.updated,
    unchanged: job.unchanged,
    skipped: job.skipped,
    failed: job.failed,
    processed: job.processed,
    percent: job.total > 0 ? Math.floor((job.processed * 100) / job.total) : job.state === 'completed' ? 100 : 0,
    records_per_second: rate,
    seconds_left: job.state === 'processing' && rate > 0 ? Math.ceil(left / rate) : null,
    cancel_requested: job.cancel_requested,
    message: job.message,
    upload_url: `${JOBS_PATH}/${job.id}/data`,
    errors_url: `${JOBS_PATH}/${job.id}/errors`,
    created_at: job.created_at.toISOString(),
    queued_at: iso(job.queued_at),
    started_at: iso(job.started_at),
    finished_at: iso(job.finished_at),
  };
}
