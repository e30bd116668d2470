import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * import_job.key_order: whether the job's chunks follow the extensions' unique key rather than the
 * file. It is set when the upload ends, for a job whose records cannot rename (insertIfNotExists: see
 * ImportJobsRepository.markQueued); jobs uploaded before this migration keep the file's order.
 *
 * import_job_order: for such a job, its positions in the order of their group keys (contact_key,
 * then canonical address), ORDER_BLOCK of them to a row, so that one statement writes a job's order
 * as a few thousand rows however many records it has.
 */
export class ImportJobKeyOrder1764700000000 implements MigrationInterface {
  name = 'ImportJobKeyOrder1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE import_job ADD COLUMN key_order boolean NOT NULL DEFAULT false');
    await q.query(`
      CREATE TABLE import_job_order (
        brand_id integer NOT NULL,
        job_id uuid NOT NULL,
        block integer NOT NULL,
        positions integer[] NOT NULL,
        CONSTRAINT pk_import_job_order PRIMARY KEY (brand_id, job_id, block),
        CONSTRAINT fk_import_job_order_job FOREIGN KEY (brand_id, job_id) REFERENCES import_job (brand_id, id) ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE import_job_order');
    await q.query('ALTER TABLE import_job DROP COLUMN key_order');
  }
}
