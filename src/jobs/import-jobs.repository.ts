import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource, QueryRunner } from 'typeorm';
import { pgArray } from '../database/pg-array';
import { queryRows } from '../database/query-rows';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type JobState = 'open' | 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';
export const JOB_STATES: readonly JobState[] = ['open', 'queued', 'processing', 'completed', 'failed', 'cancelled'];
export const FINISHED_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled'];
export type JobFormat = 'csv' | 'ndjson' | 'json';

export interface JobCounts {
  total: number;
  processed: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
}

export interface JobRow extends JobCounts {
  brand_id: number;
  id: string;
  state: JobState;
  columns: string[];
  insert_if_not_exists: boolean;
  validate_only: boolean;
  format: JobFormat | null;
  api_user_id: number | null;
  user_key: string | null;
  request_id: string;
  chunk_size: number | null;
  /** whether the job's chunks follow its records' group keys rather than the file (see markQueued) */
  key_order: boolean;
  cancel_requested: boolean;
  operation_id: string | null;
  message: string | null;
  created_at: Date;
  queued_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

/** One record of the upload, to stage: its JSON, or the text of a line that could not be read; and its group. */
export interface StagingRow {
  position: number;
  line: number | null;
  record: string | null;
  raw: string | null;
  problem: string | null;
  groupKey: string | null;
}

/** Takes the upload's records in order; `end` writes what is left, `abort` gives up (nothing more is written). */
export interface StagingWriter {
  add(row: StagingRow): Promise<void>;
  end(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Records per staging batch: one COPY on a server, one INSERT on the embedded database; a batch
 * also ends once its records' text reaches STAGE_BATCH_CHARS (lines of up to MAX_LINE_BYTES each).
 */
export const STAGE_BATCH = 20_000;
export const EMBEDDED_STAGE_BATCH = 5000;
export const STAGE_BATCH_CHARS = 8 * 1024 * 1024;

/**
 * A batch of a key-ordered job's upload in the order of its group keys (unreadable records last),
 * so that each batch lies in the staging table in about the order its chunks will read it. The
 * order is JavaScript's (UTF-16 code units), the key order's is the bytes' (COLLATE "C"): they
 * differ only past U+FFFF, and only where the rows lie, not which rows a chunk gets.
 */
export function inKeyOrder(rows: StagingRow[]): StagingRow[] {
  return rows.sort((a, b) => {
    if (a.groupKey === b.groupKey) return a.position - b.position;
    if (a.groupKey === null) return 1;
    if (b.groupKey === null) return -1;
    return a.groupKey < b.groupKey ? -1 : 1;
  });
}

/**
 * The rows of a staging batch as they are gathered: full at `size` rows or STAGE_BATCH_CHARS of
 * their text, taken in key order (inKeyOrder) for a job that runs in key order.
 */
class StagingBatch {
  private rows: StagingRow[] = [];
  private chars = 0;

  constructor(
    private readonly size: number,
    private readonly byKey: boolean,
  ) {}

  /** Adds a row; true once the batch is full. */
  add(row: StagingRow): boolean {
    this.rows.push(row);
    this.chars += (row.record?.length ?? 0) + (row.raw?.length ?? 0) + (row.groupKey?.length ?? 0);
    return this.rows.length >= this.size || this.chars >= STAGE_BATCH_CHARS;
  }

  clear(): void {
    this.rows = [];
    this.chars = 0;
  }

  /** The rows gathered, in the order they are to be written; the batch is empty after. */
  take(): StagingRow[] {
    const rows = this.rows;
    this.clear();
    return this.byKey ? inKeyOrder(rows) : rows;
  }
}

/** Positions per row of import_job_order. */
export const ORDER_BLOCK = 1000;

/**
 * The statement timeout of the statements whose work grows with a whole upload (the sorts when it
 * ends, deleting its staged rows): DB_STATEMENT_TIMEOUT_MS (30 s) bounds a request's statements, but
 * these take about 2 s per million records, and an upload may hold JOB_MAX_RECORDS (20M) of them.
 */
export const WHOLE_UPLOAD_STATEMENT_TIMEOUT = '30min';
const ALLOW_WHOLE_UPLOAD_STATEMENTS = `SET LOCAL statement_timeout = '${WHOLE_UPLOAD_STATEMENT_TIMEOUT}'`;

/** One record of the upload as staged. */
export interface StagedRow {
  position: number;
  line: number | null;
  record: string | null;
  raw: string | null;
  problem: string | null;
  /** the position of the last record of this record's group when that is a later one; else null */
  last: number | null;
}

export interface IssueRow {
  position: number;
  seq: number;
  line: number | null;
  severity: 'error' | 'warning';
  code: string;
  field: string | null;
  message: string;
  record: string | null;
  raw: string | null;
}

/** An issue to store: the record's position, its severity and what the planner said. */
export interface NewIssue {
  position: number;
  severity: 'error' | 'warning';
  code: string;
  field?: string | null;
  message: string;
}

/** A job with its counts, the sums of its committed chunks. */
const JOB_SELECT = `SELECT j.brand_id, j.id::text AS id, j.state, j.columns, j.insert_if_not_exists, j.validate_only, j.format,
       j.api_user_id, j.user_key, j.request_id, j.chunk_size, j.key_order, j.cancel_requested, j.operation_id::text AS operation_id, j.message,
       j.created_at, j.queued_at, j.started_at, j.finished_at, j.updated_at, j.total,
       COALESCE(c.processed, 0) AS processed, COALESCE(c.inserted, 0) AS inserted, COALESCE(c.updated, 0) AS updated,
       COALESCE(c.unchanged, 0) AS unchanged, COALESCE(c.skipped, 0) AS skipped, COALESCE(c.failed, 0) AS failed
  FROM import_job j
  LEFT JOIN LATERAL (
    SELECT sum(size)::int AS processed, sum(inserted)::int AS inserted, sum(updated)::int AS updated,
           sum(unchanged)::int AS unchanged, sum(skipped)::int AS skipped, sum(failed)::int AS failed
      FROM import_job_chunk k WHERE k.brand_id = j.brand_id AND k.job_id = j.id
  ) c ON true`;

/** Text PostgreSQL can store: no NUL, no unpaired surrogate (replaced by U+FFFD). */
export function storable(text: string): string {
  // eslint-disable-next-line no-control-regex -- NUL is the character replaced
  return text.replace(/\u0000/g, '\uFFFD').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The SQL of the import jobs: every statement is scoped to a brand. */
@Injectable()
export class ImportJobsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(
    runner: QueryRunner | DataSource,
    job: {
      brandId: number;
      columns: string[];
      insertIfNotExists: boolean;
      validateOnly: boolean;
      userId: number;
      userKey: string;
      requestId: string;
    },
  ): Promise<JobRow> {
    const rows: { id: string }[] = await runner.query(
      `INSERT INTO import_job (brand_id, columns, insert_if_not_exists, validate_only, api_user_id, user_key, request_id)
       VALUES ($1, $2::text[], $3, $4, $5, $6, $7) RETURNING id::text AS id`,
      [job.brandId, pgArray(job.columns), job.insertIfNotExists, job.validateOnly, job.userId, job.userKey, job.requestId],
    );
    return (await this.find(runner, job.brandId, rows[0].id)) as JobRow;
  }

  async find(runner: QueryRunner | DataSource, brandId: number, id: string): Promise<JobRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const rows: JobRow[] = await runner.query(`${JOB_SELECT} WHERE j.brand_id = $1 AND j.id = $2`, [brandId, id]);
    return rows[0];
  }

  /** Newest first: (created_at, id) descending, after the cursor's. */
  async list(brandId: number, limit: number, after?: [string, string]): Promise<JobRow[]> {
    return this.dataSource.query(
      `${JOB_SELECT}
        WHERE j.brand_id = $1 ${after ? 'AND (j.created_at, j.id) < ($3::timestamptz, $4::uuid)' : ''}
        ORDER BY j.created_at DESC, j.id DESC LIMIT $2`,
      after ? [brandId, limit + 1, after[0], after[1]] : [brandId, limit + 1],
    );
  }

  /** Takes the job's upload slot: a job that is open and not being uploaded to (or whose upload died). */
  async claimUpload(brandId: number, id: string, token: string, staleAfterSeconds: number): Promise<boolean> {
    const rows: unknown[] = await queryRows<unknown>(
      this.dataSource,
      `UPDATE import_job SET upload_token = $3, upload_seen_at = now(), updated_at = now()
        WHERE brand_id = $1 AND id = $2 AND state = 'open'
          AND (upload_token IS NULL OR upload_seen_at < now() - make_interval(secs => $4))
        RETURNING id`,
      [brandId, id, token, staleAfterSeconds],
    );
    return rows.length > 0;
  }

  async clearStaging(brandId: number, id: string): Promise<void> {
    await this.deleteWholeUpload('DELETE FROM import_job_record WHERE brand_id = $1 AND job_id = $2', brandId, id);
  }

  /** One statement over a whole upload's rows, in a transaction of its own under WHOLE_UPLOAD_STATEMENT_TIMEOUT. */
  private async deleteWholeUpload(sql: string, brandId: number, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(ALLOW_WHOLE_UPLOAD_STATEMENTS);
      await manager.query(sql, [brandId, id]);
    });
  }

  /** In a transaction of the end of an upload: its statements may take WHOLE_UPLOAD_STATEMENT_TIMEOUT. */
  async allowWholeUploadStatements(runner: QueryRunner): Promise<void> {
    await runner.query(ALLOW_WHOLE_UPLOAD_STATEMENTS);
  }

  /** Keeps the upload's claim alive: its process is still taking it. */
  async touchUpload(brandId: number, id: string, token: string): Promise<void> {
    await this.dataSource.query(`UPDATE import_job SET upload_seen_at = now() WHERE brand_id = $1 AND id = $2 AND upload_token = $3`, [
      brandId,
      id,
      token,
    ]);
  }

  async releaseUpload(brandId: number, id: string, token: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE import_job SET upload_token = NULL, upload_seen_at = NULL WHERE brand_id = $1 AND id = $2 AND upload_token = $3`,
      [brandId, id, token],
    );
  }

  /** One batch of the upload, set-based (unnest of whole columns). */
  async stage(brandId: number, id: string, rows: StagingRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO import_job_record (brand_id, job_id, position, line, record, raw, problem, group_key)
       SELECT $1, $2, r.position, r.line, r.record, r.raw, r.problem, r.group_key
         FROM unnest($3::int[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[]) AS r(position, line, record, raw, problem, group_key)`,
      [
        brandId,
        id,
        pgArray(rows.map((r) => String(r.position))),
        pgArray(rows.map((r) => (r.line === null ? null : String(r.line)))),
        pgArray(rows.map((r) => r.record)),
        pgArray(rows.map((r) => r.raw)),
        pgArray(rows.map((r) => r.problem)),
        pgArray(rows.map((r) => r.groupKey)),
      ],
    );
  }

  /**
   * A writer of the upload's records into the staging table, a batch at a time. On a PostgreSQL
   * server each batch is one `COPY ... FROM STDIN` (pg-copy-streams) on a connection the writer holds,
   * and the next batch is gathered while the previous one is written: `add` waits only when both are
   * full, so the upload is read no faster than the database takes it. A batch is sent only once whole,
   * so no statement waits on the client. The embedded database (no COPY from a client) gets the
   * batches as unnest INSERTs. A job with insertIfNotExists, which will run in key order (markQueued
   * sets key_order so), has each batch written in the order of its group keys (inKeyOrder): a chunk
   * of the key order then reads a few stretches of each batch instead of a row here and a row there
   * all over the upload.
   */
  async openStaging(job: Pick<JobRow, 'brand_id' | 'id' | 'insert_if_not_exists'>, embedded: boolean): Promise<StagingWriter> {
    const byKey = job.insert_if_not_exists;
    if (embedded) return new InsertStagingWriter(this, job.brand_id, job.id, new StagingBatch(EMBEDDED_STAGE_BATCH, byKey));
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    return new CopyStagingWriter(runner, client, job.brand_id, job.id, new StagingBatch(STAGE_BATCH, byKey));
  }

  /**
   * Ends an upload: the job is queued with its record count, if the upload still holds the slot.
   * A job with insertIfNotExists gets key_order: its records cannot rename (a record that tries is an
   * error of its own), so none depends on another's being written first, and its chunks may follow
   * the extensions' unique key instead of the file (orderByKey). Undefined when the upload no longer
   * holds the slot.
   */
  async markQueued(
    runner: QueryRunner,
    brandId: number,
    id: string,
    token: string,
    format: JobFormat,
    total: number,
  ): Promise<{ keyOrder: boolean } | undefined> {
    const [row] = await queryRows<{ key_order: boolean }>(
      runner,
      `UPDATE import_job SET state = 'queued', format = $4, total = $5, upload_token = NULL, upload_seen_at = NULL,
              key_order = insert_if_not_exists,
              queued_at = now(), updated_at = now()
        WHERE brand_id = $1 AND id = $2 AND upload_token = $3 AND state = 'open'
        RETURNING key_order`,
      [brandId, id, token, format, total],
    );
    return row && { keyOrder: row.key_order };
  }

  /**
   * Marks every record that a later record of its group supersedes with the position of the last
   * one: one sort of the job's group keys, once the whole upload is staged.
   *
   * Without nested loops, for this statement only (in the caller's transaction). The table's
   * statistics predate the job (autovacuum analyzes it only after a tenth of it changed), so they
   * estimate one row of it on each side of the join, and a nested loop then runs the window over the
   * whole upload again for every record: a 10,000-record upload took 35 s in this statement instead
   * of 13 ms, a 100,000-record one would take about an hour. A hash join sorts the upload once,
   * whatever the estimate.
   */
  async markSuperseded(runner: QueryRunner, brandId: number, id: string): Promise<void> {
    await runner.query('SET LOCAL enable_nestloop = off');
    await runner.query(
      `UPDATE import_job_record r SET superseded_by = d.last
         FROM (SELECT g.position, max(g.position) OVER (PARTITION BY g.group_key COLLATE "C") AS last
                 FROM import_job_record g
                WHERE g.brand_id = $1 AND g.job_id = $2 AND g.group_key IS NOT NULL) d
        WHERE r.brand_id = $1 AND r.job_id = $2 AND r.position = d.position AND d.last <> d.position`,
      [brandId, id],
    );
    await runner.query('SET LOCAL enable_nestloop TO DEFAULT');
  }

  /**
   * For a job with key_order (markQueued says which), its positions in the order of their group keys (contact_key, then
   * canonical address, as the extensions' unique key orders them; unreadable records last), written
   * ORDER_BLOCK to a row: one sort of the job's group keys, once the whole upload is staged. Beside
   * the positions, each record's address in the staging table (its ctid), for the chunk read. The
   * caller runs this after markSuperseded, the last statement that updates the staged records, so the
   * addresses are those the records keep until they are deleted.
   */
  async orderByKey(runner: QueryRunner, brandId: number, id: string): Promise<void> {
    await runner.query(
      `INSERT INTO import_job_order (brand_id, job_id, block, positions, tids)
       SELECT $1, $2, s.seq / ${ORDER_BLOCK}, array_agg(s.position ORDER BY s.seq), array_agg(s.tid ORDER BY s.seq)
         FROM (SELECT r.position, r.ctid AS tid,
                      (row_number() OVER (ORDER BY r.group_key COLLATE "C", r.position) - 1)::int AS seq
                 FROM import_job_record r
                WHERE r.brand_id = $1 AND r.job_id = $2) s
        GROUP BY s.seq / ${ORDER_BLOCK}`,
      [brandId, id],
    );
  }

  /**
   * The staged records of a chunk: the from-th to the (from+size-1)-th in the job's order. In the
   * file's order that is a range of the primary key. In key order (key_order), the positions that
   * import_job_order lists there, each read at the address the order recorded for it (a Tid Scan: a
   * chunk's records lie in a few stretches of the table, and the primary key of a job of millions of
   * records is far larger than the cache). The address is checked against the position: a record
   * not found there (the table was rewritten, or the order predates the addresses) is read by the
   * primary key instead.
   */
  async chunk(
    runner: QueryRunner | DataSource,
    brandId: number,
    id: string,
    from: number,
    size: number,
    keyOrder: boolean,
  ): Promise<StagedRow[]> {
    if (keyOrder) {
      // per position, the row at its recorded address if it is still there (a Tid Scan), else the
      // primary key's (LIMIT 1: the second branch runs only when the first finds nothing)
      return runner.query(
        `SELECT r.position, r.line, r.record, r.raw, r.problem, r.superseded_by AS last
           FROM import_job_order o
          CROSS JOIN LATERAL unnest(o.positions, o.tids) WITH ORDINALITY AS p(position, tid, k)
          CROSS JOIN LATERAL (
            (SELECT x.position, x.line, x.record, x.raw, x.problem, x.superseded_by
               FROM import_job_record x
              WHERE x.ctid = p.tid AND x.brand_id = $1 AND x.job_id = $2 AND x.position = p.position)
            UNION ALL
            (SELECT x.position, x.line, x.record, x.raw, x.problem, x.superseded_by
               FROM import_job_record x
              WHERE x.brand_id = $1 AND x.job_id = $2 AND x.position = p.position)
            LIMIT 1
          ) r
          WHERE o.brand_id = $1 AND o.job_id = $2
            AND o.block >= $3::int / ${ORDER_BLOCK} AND o.block <= ($3::int + $4::int - 1) / ${ORDER_BLOCK}
            AND o.block * ${ORDER_BLOCK} + p.k - 1 >= $3::int AND o.block * ${ORDER_BLOCK} + p.k - 1 < $3::int + $4::int
          ORDER BY o.block, p.k`,
        [brandId, id, from, size],
      );
    }
    return runner.query(
      `SELECT position, line, record, raw, problem, superseded_by AS last
         FROM import_job_record
        WHERE brand_id = $1 AND job_id = $2 AND position >= $3 AND position < $3 + $4
        ORDER BY position`,
      [brandId, id, from, size],
    );
  }

  async addIssues(runner: QueryRunner | DataSource, brandId: number, id: string, issues: NewIssue[]): Promise<void> {
    if (issues.length === 0) return;
    const seqOf = new Map<number, number>();
    const seqs = issues.map((i) => {
      const seq = (seqOf.get(i.position) ?? 0) + 1;
      seqOf.set(i.position, seq);
      return String(seq);
    });
    await runner.query(
      `INSERT INTO import_job_issue (brand_id, job_id, position, seq, severity, code, field, message)
       SELECT $1, $2, i.position, i.seq, i.severity, i.code, i.field, i.message
         FROM unnest($3::int[], $4::smallint[], $5::text[], $6::text[], $7::text[], $8::text[])
              AS i(position, seq, severity, code, field, message)`,
      [
        brandId,
        id,
        pgArray(issues.map((i) => String(i.position))),
        pgArray(seqs),
        pgArray(issues.map((i) => i.severity)),
        pgArray(issues.map((i) => i.code)),
        pgArray(issues.map((i) => (i.field == null ? null : storable(i.field)))),
        pgArray(issues.map((i) => storable(i.message))),
      ],
    );
  }

  async deleteIssues(runner: QueryRunner | DataSource, brandId: number, id: string): Promise<void> {
    await runner.query('DELETE FROM import_job_issue WHERE brand_id = $1 AND job_id = $2', [brandId, id]);
  }

  /** A page of the report in record order, with each record's values and line. */
  async issues(brandId: number, id: string, limit: number, after?: [number, number]): Promise<IssueRow[]> {
    return this.dataSource.query(
      `SELECT i.position, i.seq, r.line, i.severity, i.code, i.field, i.message, r.record, r.raw
         FROM import_job_issue i
         JOIN import_job_record r ON r.brand_id = i.brand_id AND r.job_id = i.job_id AND r.position = i.position
        WHERE i.brand_id = $1 AND i.job_id = $2 ${after ? 'AND (i.position, i.seq) > ($4, $5)' : ''}
        ORDER BY i.position, i.seq LIMIT $3`,
      after ? [brandId, id, limit, after[0], after[1]] : [brandId, id, limit],
    );
  }

  /**
   * Moves the job to processing (from queued), or confirms it is processing (a resumed job), and
   * fixes its chunk size the first time (every worker then cuts the same chunks). False: not runnable.
   */
  async start(runner: QueryRunner, brandId: number, id: string, chunkSize: number): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      runner,
      `UPDATE import_job SET state = 'processing', started_at = COALESCE(started_at, now()), chunk_size = COALESCE(chunk_size, $3),
              updated_at = now()
        WHERE brand_id = $1 AND id = $2 AND state IN ('queued', 'processing') AND NOT cancel_requested
        RETURNING id`,
      [brandId, id, chunkSize],
    );
    return rows.length > 0;
  }

  async setOperation(runner: QueryRunner, brandId: number, id: string, operationId: string): Promise<void> {
    await runner.query('UPDATE import_job SET operation_id = $3 WHERE brand_id = $1 AND id = $2', [brandId, id, operationId]);
  }

  /**
   * The chunk's checkpoint row, with its counts, in the chunk's transaction. False: the chunk was
   * committed already (by a worker that had the job before): this transaction must not commit.
   */
  async commitChunk(
    runner: QueryRunner | DataSource,
    brandId: number,
    id: string,
    position: number,
    counts: Omit<JobCounts, 'total'>,
  ): Promise<boolean> {
    const rows = await queryRows<{ position: number }>(
      runner,
      `INSERT INTO import_job_chunk (brand_id, job_id, position, size, inserted, updated, unchanged, skipped, failed)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (brand_id, job_id, position) DO NOTHING
       RETURNING position`,
      [brandId, id, position, counts.processed, counts.inserted, counts.updated, counts.unchanged, counts.skipped, counts.failed],
    );
    return rows.length > 0;
  }

  /** The positions of the chunks committed so far. */
  async committedChunks(brandId: number, id: string): Promise<Set<number>> {
    const rows: { position: number }[] = await this.dataSource.query(
      'SELECT position FROM import_job_chunk WHERE brand_id = $1 AND job_id = $2',
      [brandId, id],
    );
    return new Set(rows.map((r) => r.position));
  }

  /** Starts a validateOnly job's report again (its writes were never kept). */
  async deleteChunks(runner: QueryRunner | DataSource, brandId: number, id: string): Promise<void> {
    await runner.query('DELETE FROM import_job_chunk WHERE brand_id = $1 AND job_id = $2', [brandId, id]);
  }

  async finish(
    runner: QueryRunner | DataSource,
    brandId: number,
    id: string,
    state: JobState,
    message: string | null = null,
  ): Promise<boolean> {
    const rows: unknown[] = await queryRows<unknown>(
      runner,
      `UPDATE import_job SET state = $3, message = $4, finished_at = now(), updated_at = now(), upload_token = NULL
        WHERE brand_id = $1 AND id = $2 AND state NOT IN ('completed', 'failed', 'cancelled')
        RETURNING id`,
      [brandId, id, state, message],
    );
    return rows.length > 0;
  }

  /** Cancels an open or queued job at once; asks a processing one to stop at its next chunk. */
  async cancel(brandId: number, id: string): Promise<'cancelled' | 'requested' | undefined> {
    const rows: { state: JobState }[] = await queryRows<{ state: JobState }>(
      this.dataSource,
      `UPDATE import_job
          SET cancel_requested = true,
              state = CASE WHEN state IN ('open', 'queued') THEN 'cancelled' ELSE state END,
              finished_at = CASE WHEN state IN ('open', 'queued') THEN now() ELSE finished_at END,
              updated_at = now()
        WHERE brand_id = $1 AND id = $2 AND state IN ('open', 'queued', 'processing')
        RETURNING state`,
      [brandId, id],
    );
    if (rows.length === 0) return undefined;
    return rows[0].state === 'cancelled' ? 'cancelled' : 'requested';
  }

  async cancelRequested(runner: QueryRunner | DataSource, brandId: number, id: string): Promise<boolean> {
    const rows: { cancel_requested: boolean }[] = await runner.query(
      'SELECT cancel_requested FROM import_job WHERE brand_id = $1 AND id = $2',
      [brandId, id],
    );
    return rows[0]?.cancel_requested ?? true;
  }

  /**
   * Deletes jobs (with their staging rows and reports) finished, or left open, before the cutoff: one
   * job a transaction, each under WHOLE_UPLOAD_STATEMENT_TIMEOUT (a job's rows may be millions).
   */
  async purge(retentionDays: number): Promise<number> {
    const expired: { brand_id: number; id: string }[] = await this.dataSource.query(
      `SELECT brand_id, id FROM import_job
        WHERE (finished_at IS NOT NULL AND finished_at < now() - make_interval(days => $1))
           OR (state = 'open' AND created_at < now() - make_interval(days => $1))`,
      [retentionDays],
    );
    for (const job of expired) {
      await this.deleteWholeUpload('DELETE FROM import_job WHERE brand_id = $1 AND id = $2', job.brand_id, job.id);
    }
    return expired.length;
  }
}

class InsertStagingWriter implements StagingWriter {
  constructor(
    private readonly jobs: ImportJobsRepository,
    private readonly brandId: number,
    private readonly id: string,
    private readonly batch: StagingBatch,
  ) {}

  async add(row: StagingRow): Promise<void> {
    if (this.batch.add(row)) await this.flush();
  }

  private async flush(): Promise<void> {
    await this.jobs.stage(this.brandId, this.id, this.batch.take());
  }

  async end(): Promise<void> {
    await this.flush();
  }

  async abort(): Promise<void> {
    this.batch.clear();
  }
}

/** A value in COPY's text format: \N for null, backslash, tab and line ends escaped. */
function copyText(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Lines of a COPY batch turned into bytes at once. */
const COPY_PIECE = 1000;

class CopyStagingWriter implements StagingWriter {
  /** the batch being written, if any */
  private writing: Promise<void> | undefined;
  private readonly prefix: string;

  constructor(
    private readonly runner: QueryRunner,
    private readonly client: PoolClient,
    brandId: number,
    id: string,
    private readonly batch: StagingBatch,
  ) {
    this.prefix = `${brandId}\t${id}\t`;
  }

  async add(row: StagingRow): Promise<void> {
    if (this.batch.add(row)) await this.flush();
  }

  private line(row: StagingRow): string {
    return `${this.prefix}${row.position}\t${copyText(row.line)}\t${copyText(row.record)}\t${copyText(row.raw)}\t${copyText(row.problem)}\t${copyText(row.groupKey)}\n`;
  }

  /** Waits for the batch being written, then starts writing the gathered one. */
  private async flush(): Promise<void> {
    await this.writing;
    const rows = this.batch.take();
    if (rows.length === 0) return;
    // the whole batch before the statement starts, as bytes a thousand lines at a time (never one string of it all)
    const pieces: Buffer[] = [];
    for (let i = 0; i < rows.length; i += COPY_PIECE) {
      let text = '';
      for (let k = i; k < Math.min(i + COPY_PIECE, rows.length); k++) text += this.line(rows[k]);
      pieces.push(Buffer.from(text, 'utf8'));
    }
    const copy = this.client.query(
      copyFrom('COPY import_job_record (brand_id, job_id, position, line, record, raw, problem, group_key) FROM STDIN'),
    );
    this.writing = pipeline(Readable.from(pieces), copy);
    // awaited by the next flush, end or abort; a failure is seen there
    this.writing.catch(() => undefined);
  }

  async end(): Promise<void> {
    try {
      await this.flush();
      await this.writing;
    } finally {
      await this.runner.release();
    }
  }

  async abort(): Promise<void> {
    this.batch.clear();
    try {
      await this.writing?.catch(() => undefined);
    } finally {
      await this.runner.release();
    }
  }
}
