import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { validateConfig } from './validate-config';

class JobsEnv {
  @IsOptional()
  @IsIn(['true', 'false'])
  JOB_WORKERS?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50_000)
  JOB_CHUNK_SIZE?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(16)
  JOB_CHUNK_CONCURRENCY?: number;

  @IsOptional()
  @IsInt()
  @Min(1024)
  JOB_MAX_BYTES?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  JOB_MAX_RECORDS?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  JOB_RETENTION_DAYS?: number;

  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(3600)
  JOB_HEARTBEAT_SECONDS?: number;

  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  JOB_UPLOAD_IDLE_TIMEOUT_MS?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(64)
  JOB_UPLOAD_CONCURRENCY?: number;
}

export interface JobsConfig {
  /** whether this process runs import jobs (the API does by default; `npm run worker` always does) */
  workers: boolean;
  /** records per chunk, each chunk one transaction */
  chunkSize: number;
  /** chunks of one job written at once, each on a connection of its own (1 on the embedded database) */
  chunkConcurrency: number;
  /** the largest upload once decompressed, in bytes */
  maxBytes: number;
  /** the most records one upload may hold */
  maxRecords: number;
  /** finished jobs' staging data and reports are purged after this many days */
  retentionDays: number;
  /** a worker that stops sending heartbeats this long loses its job to another */
  heartbeatSeconds: number;
  /** an upload that sends nothing for this long is cut off (408); it has no deadline as a whole */
  uploadIdleTimeoutMs: number;
  /** uploads one process takes at once, each holding a database connection until it ends */
  uploadConcurrency: number;
}

/** Chunks in embedded mode: small, so that the one connection is free for requests between them. */
export const EMBEDDED_CHUNK_SIZE = 500;

export default registerAs('jobs', (): JobsConfig => {
  const env = validateConfig(process.env, JobsEnv);
  const embedded = !process.env.DATABASE_URL;
  return {
    workers: env.JOB_WORKERS !== 'false',
    chunkSize: env.JOB_CHUNK_SIZE ?? (embedded ? EMBEDDED_CHUNK_SIZE : 2500),
    chunkConcurrency: embedded ? 1 : (env.JOB_CHUNK_CONCURRENCY ?? 4),
    maxBytes: env.JOB_MAX_BYTES ?? 2 * 1024 ** 3,
    maxRecords: env.JOB_MAX_RECORDS ?? 20_000_000,
    retentionDays: env.JOB_RETENTION_DAYS ?? 7,
    heartbeatSeconds: env.JOB_HEARTBEAT_SECONDS ?? 10,
    uploadIdleTimeoutMs: env.JOB_UPLOAD_IDLE_TIMEOUT_MS ?? 60_000,
    uploadConcurrency: env.JOB_UPLOAD_CONCURRENCY ?? 4,
  };
});
