import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * import_job.upload_seen_at: when the upload in progress last showed life. The process that takes
 * the upload touches it every minute while the upload runs, so that an upload left by a process
 * that died is taken over minutes later, however long a live upload lasts.
 */
export class ImportJobUploadSeen1764650000000 implements MigrationInterface {
  name = 'ImportJobUploadSeen1764650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE import_job RENAME COLUMN upload_started_at TO upload_seen_at');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE import_job RENAME COLUMN upload_seen_at TO upload_started_at');
  }
}
