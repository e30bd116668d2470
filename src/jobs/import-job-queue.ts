/**
 * The queue of import jobs: pg-boss, in its own schema (`pgboss`) of our database. It only says which
 * job to run next, and brings what a queue of our own would have to get right: one active job per
 * brand (a `singleton` queue keyed by the brand), a job enqueued in the transaction that queues it,
 * heartbeats (a worker killed mid-job loses it after JOB_HEARTBEAT_SECONDS, and another worker, or
 * the same one restarted, resumes it from its checkpoint), retries, and the hourly purge schedule.
 *
 * On a PostgreSQL server pg-boss has a small pool of its own; on the embedded database it runs its
 * statements through ours (PGlite has a single connection).
 */
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job } from 'pg-boss';
import { PgBoss } from 'pg-boss';
import { DataSource, QueryRunner } from 'typeorm';
import { DatabaseConfig } from '../config/database.config';
import { JobsConfig } from '../config/jobs.config';
import { DomainError } from '../common/errors/domain.error';
import { ImportJobEngine } from './import-job-engine';
import { ImportJobsRepository } from './import-jobs.repository';
import { pgBossDb } from './pg-boss-db';

export const IMPORT_QUEUE = 'contact-extension-imports';
/** Its schedule runs the retention purge (`ImportJobsRepository.purge`) every hour, at minute 17. */
export const PURGE_QUEUE = 'contact-extension-imports-purge';
export const PURGE_CRON = '17 * * * *';
/** attempts after the first: a job resumed after a crash or a shutdown is one more attempt */
const RETRY_LIMIT = 10;
const START_RETRY_MS = 2000;

interface ImportJobData {
  brandId: number;
  jobId: string;
}

class JobStoppedError extends Error {
  override name = 'JobStoppedError';
}

export const queueUnavailable = (): DomainError =>
  new DomainError('DATABASE_UNAVAILABLE', 'The job queue cannot reach the database yet. Please retry.');

@Injectable()
export class ImportJobQueue implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ImportJobQueue.name);
  private readonly config: JobsConfig;
  private readonly boss: PgBoss;
  private starting: Promise<void> | undefined;
  private started = false;
  /** this process's worker of the import queue, if it runs one */
  private workerId: string | undefined;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  /** the jobs this process is running, to give them up on shutdown */
  private readonly running = new Set<string>();

  constructor(
    configService: ConfigService,
    private readonly dataSource: DataSource,
    private readonly engine: ImportJobEngine,
    private readonly jobs: ImportJobsRepository,
  ) {
    this.config = configService.getOrThrow<JobsConfig>('jobs');
    const database = configService.getOrThrow<DatabaseConfig>('database');
    const timings = {
      schema: 'pgboss',
      superviseIntervalSeconds: 5,
      monitorIntervalSeconds: 5,
      registerInstance: false,
    };
    this.boss = !database.url
      ? new PgBoss({ ...timings, backend: 'pglite', db: pgBossDb(this.dataSource) })
      : new PgBoss({ ...timings, connectionString: database.url, max: 3 });
    this.boss.on('error', (err: Error) => this.logger.warn(`queue: ${err.message}`));
  }

  /** A process that runs jobs starts the queue at once; one that only queues them, on its first job. */
  onApplicationBootstrap(): void {
    if (this.config.workers) this.keepStarting();
  }

  /** Starts pg-boss once the database is there (it may come after the service). */
  private keepStarting(): void {
    if (this.stopping) return;
    this.ready().catch((err: Error) => {
      if (this.stopping) return;
      this.logger.warn(`job queue not started (${err.message}); retrying`);
      this.timer = setTimeout(() => this.keepStarting(), START_RETRY_MS);
      this.timer.unref();
    });
  }

  /**
   * Resolves once the queue is started (starting it the first time). Call it before opening the
   * transaction that enqueues: on the embedded database, starting needs the one connection.
   */
  ready(): Promise<void> {
    this.starting ??= this.start().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private async start(): Promise<void> {
    if (!this.dataSource.isInitialized) throw new Error('database not connected yet');
    await this.boss.start();
    await this.boss.createQueue(IMPORT_QUEUE, {
      policy: 'singleton',
      retryLimit: RETRY_LIMIT,
      retryDelay: 1,
      heartbeatSeconds: this.config.heartbeatSeconds,
      expireInSeconds: 24 * 3600,
    });
    if (this.config.workers) {
      this.workerId = await this.boss.work<ImportJobData>(IMPORT_QUEUE, { pollingIntervalSeconds: 1 }, async ([job]) => this.handle(job));
      await this.boss.createQueue(PURGE_QUEUE, { policy: 'singleton' });
      await this.boss.schedule(PURGE_QUEUE, PURGE_CRON);
      await this.boss.work(PURGE_QUEUE, async () => this.purge());
    }
    this.started = true;
  }

  /** Enqueues the job in the caller's transaction: it is queued if and only if that commits. */
  async enqueue(runner: QueryRunner, brandId: number, jobId: string): Promise<void> {
    if (!this.started) throw queueUnavailable();
    const data: ImportJobData = { brandId, jobId };
    await this.boss.send(IMPORT_QUEUE, data, { singletonKey: String(brandId), db: pgBossDb(runner) });
  }

  /** After the transaction that enqueued a job committed: this process's worker looks for it now, not at its next poll. */
  wake(): void {
    if (this.workerId && !this.stopping) this.boss.notifyWorker(this.workerId);
  }

  private async handle(job: Job<ImportJobData>): Promise<void> {
    const { brandId, jobId } = job.data;
    this.running.add(jobId);
    try {
      const outcome = await this.engine.run(brandId, jobId, () => this.stopping || job.signal.aborted);
      this.logger.log(`import job ${jobId}: ${outcome}`);
      // failed, so that pg-boss hands it out again: the next worker resumes it from its checkpoint
      if (outcome === 'stopped') throw new JobStoppedError(`import job ${jobId} stopped at a chunk boundary; it will be resumed`);
    } catch (err) {
      if (err instanceof JobStoppedError) throw err;
      const last = job.retryCount >= RETRY_LIMIT;
      this.logger.error(`import job ${jobId} failed${last ? '' : ' (will retry)'}: ${(err as Error).message}`);
      if (last) await this.jobs.finish(this.dataSource, brandId, jobId, 'failed', 'the job failed repeatedly; see the service log');
      throw err;
    } finally {
      this.running.delete(jobId);
    }
  }

  private async purge(): Promise<void> {
    const purged = await this.jobs.purge(this.config.retentionDays);
    if (purged > 0) this.logger.log(`purged ${purged} import jobs older than ${this.config.retentionDays} days`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.starting) return;
    await this.starting.catch(() => undefined);
    // a job in hand stops at its next chunk; its pg-boss job is then retried by whoever runs next
    await this.boss.stop({ graceful: true, timeout: 10_000 }).catch(() => undefined);
  }
}
