import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * import_job_order.tids: beside each block's positions, where each of those records lay in
 * import_job_record (its ctid) when the order was written, so that a chunk reads its records by
 * address (a Tid Scan) instead of a probe of the staging table's primary key per record. The
 * address is only a hint: the chunk read checks the position found there, and falls back to the
 * primary key when the row has moved (a VACUUM FULL of the table) or the order has no tids (an order
 * written before this migration).
 */
export class ImportJobOrderTids1764800000000 implements MigrationInterface {
  name = 'ImportJobOrderTids1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE import_job_order ADD COLUMN tids tid[]');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE import_job_order DROP COLUMN tids');
  }
}
