/**
 * Runs one import job: its staged records in chunks, in the job's order, each chunk judged and
 * written by ExtensionsUpsert.run (the sync endpoint's transaction body) in one transaction with the
 * chunk's report and the job's checkpoint. A chunk commits all of that or nothing, and commits only
 * if the checkpoint is still where it started: a worker that lost the job (it stopped sending
 * heartbeats, another took over) cannot apply a chunk twice. So the file acts as consecutive sync
 * requests in the job's order (the same outcome as in record order: see below), and a job resumed
 * after a crash goes on from its last committed chunk.
 *
 * The job's order is the file's, or, for a job with key_order (insertIfNotExists: no record of it can
 * rename, so none depends on another's being written first), the order of the records' group keys,
 * which is the order of the extensions' unique key: each chunk then writes one stretch of the brand's
 * extensions and contacts, where the file's order would have it touch pages all over their indexes
 * and tables, more of them than the database's buffers hold on a large brand.
 *
 * Grouping is across the whole file: a record that a later one of its (contact_key, canonical
 * address) supersedes is skipped with DUPLICATE_IN_REQUEST, wherever the later one is.
 *
 * validateOnly judges every chunk in one transaction that is rolled back at the end, so that each
 * chunk sees what the earlier ones would have written (renames above all); its report and progress
 * are written beside it, on another connection (the embedded database has one: there they are
 * written once the transaction is over).
 *
 * Each chunk starts on a turn of the event loop of its own: the embedded database answers its
 * statements without one (as promise continuations), so without it a job would hold every HTTP
 * request of its process until it ended.
 */
import { Injectable, Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { ConfigService } from '@nestjs/config';
import { DataSource, QueryRunner } from 'typeorm';
import { DatabaseConfig } from '../config/database.config';
import { JobsConfig } from '../config/jobs.config';
import { isPlainRecord } from '../common/bulk-records/bulk-records';
import { lookupKeysOf, PlanOptions, prepareRecords, PreparedRecords, LookupKeys } from '../contact-extensions/upsert-planner';
import { joinedSlices, shifted } from './prepared-slices';
import { ExtensionsUpsert } from '../contact-extensions/upsert-transaction';
import { runInRetryingTransaction } from '../database/retrying-transaction';
import { OperationsRecorder } from '../operations/operations.recorder';
import { ImportJobsRepository, JobCounts, JobRow, NewIssue, StagedRow } from './import-jobs.repository';
import { ExtensionColumn } from '../addresses/extension-columns';
import { ApiActivity } from './api-activity';

/** Records judged between two turns of the event loop. */
const SLICE = 1000;
/** The longest rest between two chunks while the API serves write requests. */
const MAX_REST_MS = 1000;

/** The code of a row or line that cannot be read as a record. */
export const UNREADABLE_RECORD = 'UNREADABLE_RECORD';

/** Thrown when the job's checkpoint moved under a chunk: another worker has the job. */
class JobTakenOverError extends Error {
  override name = 'JobTakenOverError';
}

/** A chunk read and judged on its own, ready for the transaction. */
interface PreparedChunk {
  from: number;
  size: number;
  /** the positions in the upload of the records that go to the upsert (prepared) */
  positions: number[];
  prepared: PreparedRecords;
  keys: LookupKeys;
  /** what was decided without the database: unreadable lines, superseded records */
  issues: NewIssue[];
  failed: number;
  skipped: number;
  /** whether a record of it renames an extension (it then runs alone, after the earlier chunks) */
  renames: boolean;
}

interface ChunkResult {
  counts: Omit<JobCounts, 'total'>;
  issues: NewIssue[];
}

/** gone: the job is not this worker's to run (finished, or taken over); stopped: given up half-way, to be resumed */
export type JobOutcome = 'completed' | 'cancelled' | 'gone' | 'stopped';

@Injectable()
export class ImportJobEngine {
  private readonly logger = new Logger(ImportJobEngine.name);
  private readonly chunkSize: number;
  /** chunks written at once (on as many connections) */
  private readonly concurrency: number;
  /** the embedded database has one connection: nothing can be written beside a transaction */
  private readonly embedded: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: ImportJobsRepository,
    private readonly upsert: ExtensionsUpsert,
    private readonly operations: OperationsRecorder,
    private readonly api: ApiActivity,
    config: ConfigService,
  ) {
    this.chunkSize = config.getOrThrow<JobsConfig>('jobs').chunkSize;
    this.concurrency = config.getOrThrow<JobsConfig>('jobs').chunkConcurrency;
    this.embedded = !config.getOrThrow<DatabaseConfig>('database').url;
  }

  /** Chunks written at once now: one while the API of this process serves write requests, which come first. */
  private width(): number {
    return this.api.busy() ? 1 : this.concurrency;
  }

  /** Runs (or resumes) the job; `stop` says when to give it up (the queue lost it, shutdown). */
  async run(brandId: number, id: string, stop: () => boolean = () => false): Promise<JobOutcome> {
    const job = await runInRetryingTransaction(this.dataSource, async (runner) => {
      if (!(await this.jobs.start(runner, brandId, id, this.chunkSize))) return undefined;
      const started = (await this.jobs.find(runner, brandId, id)) as JobRow;
      if (started.validate_only || started.operation_id) return started;
      const operationId = await this.operations.record(runner, {
        kind: 'contact_extensions.import_job',
        requestId: started.request_id,
        user: { id: started.api_user_id ?? 0, userKey: started.user_key ?? '', brandId },
        startedAt: new Date(),
        counts: {},
      });
      await this.jobs.setOperation(runner, brandId, id, operationId);
      return { ...started, operation_id: operationId };
    });
    if (!job) {
      // not runnable: finished, or cancelled while it waited
      const current = await this.jobs.find(this.dataSource, brandId, id);
      if (current?.cancel_requested && (current.state === 'processing' || current.state === 'queued')) {
        await this.finish(current, 'cancelled');
        return 'cancelled';
      }
      return 'gone';
    }
    const options: PlanOptions = { columns: new Set(job.columns as ExtensionColumn[]), insertIfNotExists: job.insert_if_not_exists };
    try {
      const outcome = job.validate_only ? await this.validate(job, options, stop) : await this.apply(job, options, stop);
      if (outcome === 'completed' || outcome === 'cancelled') await this.finish(job, outcome);
      return outcome;
    } catch (err) {
      if (err instanceof JobTakenOverError) return 'gone';
      throw err;
    }
  }

  /** The job's end: its state, and its operation's counts (the sums of its chunks). */
  private async finish(job: JobRow, state: 'completed' | 'cancelled'): Promise<void> {
    await runInRetryingTransaction(this.dataSource, async (runner) => {
      if (!(await this.jobs.finish(runner, job.brand_id, job.id, state))) return;
      if (!job.operation_id) return;
      const done = (await this.jobs.find(runner, job.brand_id, job.id)) as JobRow;
      const { processed, inserted, updated, unchanged, skipped, failed } = done;
      await this.operations.complete(runner, job.brand_id, job.operation_id, {
        total: processed,
        inserted,
        updated,
        unchanged,
        skipped,
        failed,
      });
    });
  }

  /**
   * The chunks not committed yet, in the job's order, each in a transaction of its own with its report
   * and its checkpoint row. Up to `concurrency` consecutive chunks (one while this process's API
   * serves write requests: width()) are written at once, on as many connections: without renames,
   * two chunks never touch the same extension (the whole file is grouped by key), so they commit in
   * any order with the same result. A chunk that renames waits
   * for every earlier chunk, and every later chunk waits for it: consecutive requests, as promised.
   */
  private async apply(job: JobRow, options: PlanOptions, stop: () => boolean): Promise<JobOutcome> {
    const { brand_id: brandId, id } = job;
    const size = job.chunk_size ?? this.chunkSize;
    const committed = await this.jobs.committedChunks(brandId, id);
    const todo: number[] = [];
    for (let from = 0; from < job.total; from += size) if (!committed.has(from)) todo.push(from);

    const read = (i: number): Promise<PreparedChunk> | undefined => {
      if (i >= todo.length) return undefined;
      const reading = this.prepareChunk(this.dataSource, job, todo[i], size, options);
      reading.catch(() => undefined); // awaited below; a failure is seen there
      return reading;
    };
    const inFlight = new Map<number, Promise<void>>();
    let failure: unknown;
    const settle = async (): Promise<void> => {
      await Promise.race(inFlight.values());
      if (failure !== undefined) throw failure;
    };
    const drain = async (): Promise<void> => {
      await Promise.all(inFlight.values());
      if (failure !== undefined) throw failure;
    };

    let outcome: JobOutcome = 'completed';
    let lastWriteMs = 0;
    // whether chunks ask which contacts exist before they write (UpsertInput.askContacts): not until a
    // chunk has to run again (a contact that does not exist fails its write; so does any other
    // conflict, which only costs the later chunks that one statement each)
    const contacts = { ask: false };
    let next = read(0);
    for (let i = 0; next; i++) {
      await setImmediate();
      const chunk = await next;
      // a window of consecutive chunks: this one starts once the oldest in flight is within reach
      const oldest = (): number => Math.min(...inFlight.keys());
      while (inFlight.size > 0 && (chunk.renames || inFlight.size >= this.width() || chunk.from - oldest() >= this.concurrency * size)) {
        await settle();
      }
      // while the API serves write requests, the job also rests as long as its last chunk took to
      // write: it then takes about half of the machine it would take alone
      if (lastWriteMs > 0 && this.api.busy()) await sleep(Math.min(lastWriteMs, MAX_REST_MS));
      if (stop()) {
        outcome = 'stopped';
        break;
      }
      if (await this.jobs.cancelRequested(this.dataSource, brandId, id)) {
        outcome = 'cancelled';
        break;
      }
      // the next chunk is read and judged while this one is written: the database works meanwhile.
      // While the API serves write requests, only once this one is written: the job then does one
      // thing at a time (write, then read and judge, then rest), never two beside a request
      const oneAtATime = this.api.busy();
      if (!oneAtATime) next = read(i + 1);
      const writeStarted = performance.now();
      const writing = this.commitChunk(job, chunk, options, contacts).then(
        () => {
          lastWriteMs = performance.now() - writeStarted;
          inFlight.delete(chunk.from);
        },
        (err: unknown) => {
          inFlight.delete(chunk.from);
          failure ??= err;
        },
      );
      inFlight.set(chunk.from, writing);
      if (chunk.renames || oneAtATime) await drain();
      if (oneAtATime) next = read(i + 1);
    }
    await drain();
    return outcome;
  }

  private async commitChunk(job: JobRow, chunk: PreparedChunk, options: PlanOptions, contacts: { ask: boolean }): Promise<void> {
    const { brand_id: brandId, id } = job;
    await runInRetryingTransaction(this.dataSource, async (runner, tx) => {
      if (tx.attempt > 1) contacts.ask = true;
      // the chunk's consent history goes to the job's operation in the chunk's write statement
      const result = await this.writeChunk(runner, job, chunk, options, contacts.ask, job.operation_id as string);
      await this.jobs.addIssues(runner, brandId, id, result.issues);
      if (!(await this.jobs.commitChunk(runner, brandId, id, chunk.from, result.counts))) throw new JobTakenOverError();
    });
  }

  /** Every chunk in one transaction, rolled back: nothing is kept but the report. */
  private async validate(job: JobRow, options: PlanOptions, stop: () => boolean): Promise<JobOutcome> {
    const { brand_id: brandId, id } = job;
    const size = job.chunk_size ?? this.chunkSize;
    const side = this.embedded ? undefined : this.dataSource;
    const held: { issues: NewIssue[]; chunks: { from: number; counts: Omit<JobCounts, 'total'> }[] } = { issues: [], chunks: [] };
    let outcome = 'completed' as JobOutcome;
    await this.jobs.deleteIssues(this.dataSource, brandId, id);
    await this.jobs.deleteChunks(this.dataSource, brandId, id);
    await runInRetryingTransaction(this.dataSource, async (runner, tx) => {
      tx.rollbackOnly();
      // a retried transaction starts the report again
      if (side) {
        await this.jobs.deleteIssues(side, brandId, id);
        await this.jobs.deleteChunks(side, brandId, id);
      }
      held.issues = [];
      held.chunks = [];
      outcome = 'completed';
      for (let from = 0; from < job.total; from += size) {
        await setImmediate();
        if (stop()) return (outcome = 'stopped');
        if (await this.jobs.cancelRequested(side ?? runner, brandId, id)) return (outcome = 'cancelled');
        const chunk = await this.prepareChunk(side ?? runner, job, from, size, options);
        const result = await this.writeChunk(runner, job, chunk, options, true, null);
        if (side) {
          await this.jobs.addIssues(side, brandId, id, result.issues);
          if (!(await this.jobs.commitChunk(side, brandId, id, from, result.counts))) throw new JobTakenOverError();
        } else {
          held.issues.push(...result.issues);
          held.chunks.push({ from, counts: result.counts });
        }
      }
      return outcome;
    });
    if (!side && (outcome === 'completed' || outcome === 'cancelled')) {
      await runInRetryingTransaction(this.dataSource, async (runner) => {
        for (let i = 0; i < held.issues.length; i += size) {
          await this.jobs.addIssues(runner, brandId, id, held.issues.slice(i, i + size));
        }
        for (const { from, counts } of held.chunks) {
          if (!(await this.jobs.commitChunk(runner, brandId, id, from, counts))) throw new JobTakenOverError();
        }
      });
    }
    return outcome;
  }

  /** Reads a chunk and applies what needs no database: unreadable lines, whole-file grouping. */
  private async prepareChunk(
    db: QueryRunner | DataSource,
    job: JobRow,
    from: number,
    size: number,
    options: PlanOptions,
  ): Promise<PreparedChunk> {
    const rows = await this.jobs.chunk(db, job.brand_id, job.id, from, size, job.key_order);
    const chunk: PreparedChunk = {
      from,
      size: rows.length,
      positions: [],
      prepared: undefined as unknown as PreparedRecords,
      keys: undefined as unknown as LookupKeys,
      issues: [],
      failed: 0,
      skipped: 0,
      renames: false,
    };
    // a slice at a time, letting the event loop go between slices: requests served by this process
    // wait behind the job's own work no longer than one slice takes. The whole file is grouped, so no
    // two records of a chunk share a group, and judging slices apart is judging the chunk at once.
    const parts: PreparedRecords[] = [];
    for (let i = 0; i < rows.length; i += SLICE) {
      if (i > 0) await setImmediate();
      const start = chunk.positions.length;
      const records: unknown[] = [];
      for (let k = i; k < Math.min(i + SLICE, rows.length); k++) this.judgeAlone(rows[k], options, chunk, records);
      parts.push(shifted(prepareRecords(records, options), start));
    }
    chunk.prepared = joinedSlices(parts);
    chunk.renames = chunk.prepared.candidates.some(({ record }) => record.newContactKey !== undefined || record.newAddress !== undefined);
    chunk.keys = lookupKeysOf(chunk.prepared);
    if (rows.length === 0 && from < job.total) throw new Error(`import job ${job.id}: staged records from ${from} are missing`);
    return chunk;
  }

  /** Judges what needs no database; a record that goes to the upsert is added to `records`. */
  private judgeAlone(row: StagedRow, options: PlanOptions, chunk: PreparedChunk, records: unknown[]): void {
    const position = row.position;
    if (row.problem !== null || row.record === null) {
      chunk.failed++;
      chunk.issues.push({ position, severity: 'error', code: UNREADABLE_RECORD, message: row.problem ?? 'the record cannot be read' });
      return;
    }
    if (row.last !== null) {
      chunk.skipped++;
      chunk.issues.push({
        position,
        severity: 'warning',
        code: 'DUPLICATE_IN_REQUEST',
        message: `a later record (index ${row.last}) has the same contact_key and address; this one is skipped`,
      });
      return;
    }
    const record: unknown = JSON.parse(row.record);
    if (options.insertIfNotExists && isPlainRecord(record)) {
      const renames = (['new_contact_key', 'new_address'] as const).filter((f) => (record[f] ?? null) !== null);
      if (renames.length > 0) {
        chunk.failed++;
        for (const field of renames) {
          chunk.issues.push({
            position,
            severity: 'error',
            code: 'INVALID_FIELD',
            field,
            message: `${field} cannot be used in a job with insertIfNotExists; send renames in a job without it`,
          });
        }
        return;
      }
    }
    records.push(record);
    chunk.positions.push(position);
  }

  private async writeChunk(
    runner: QueryRunner,
    job: JobRow,
    chunk: PreparedChunk,
    options: PlanOptions,
    askContacts: boolean,
    /** the job's operation, which the chunk's consent history is added to; null: none (a rolled-back dry run) */
    operationId: string | null,
  ): Promise<ChunkResult> {
    const outcome = await this.upsert.run(runner, {
      brandId: job.brand_id,
      prepared: chunk.prepared,
      keys: chunk.keys,
      options,
      askContacts,
      operation: operationId === null ? null : { id: operationId },
    });
    const { plan } = outcome;
    const issues = [...chunk.issues];
    for (const e of plan.errors)
      issues.push({ position: chunk.positions[e.index], severity: 'error', code: e.code, field: e.field, message: e.message });
    for (const w of plan.warnings)
      issues.push({ position: chunk.positions[w.index], severity: 'warning', code: w.code, field: w.field, message: w.message });
    issues.sort((a, b) => a.position - b.position);
    return {
      counts: {
        processed: chunk.size,
        inserted: plan.inserts.length,
        updated: plan.updates.length,
        unchanged: plan.unchanged,
        skipped: chunk.skipped + plan.skipped,
        failed: chunk.failed + plan.failed,
      },
      issues,
    };
  }
}
