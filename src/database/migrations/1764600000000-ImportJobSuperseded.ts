import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * import_job_record.superseded_by: for a record that a later record of its group (the same
 * contact_key and canonical address) supersedes, the position of the last record of that group;
 * NULL for every other record. It is computed once, set-based, when the upload ends, so that a chunk
 * is read by a plain range of positions; the index on the group key, which answered that question
 * record by record, goes. Jobs uploaded but not finished when this runs are marked here.
 */
export class ImportJobSuperseded1764600000000 implements MigrationInterface {
  name = 'ImportJobSuperseded1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE import_job_record ADD COLUMN superseded_by integer NULL');
    await q.query(`
      UPDATE import_job_record r SET superseded_by = d.last
        FROM (SELECT g.brand_id, g.job_id, g.position,
                     max(g.position) OVER (PARTITION BY g.brand_id, g.job_id, g.group_key COLLATE "C") AS last
                FROM import_job_record g
                JOIN import_job j ON j.brand_id = g.brand_id AND j.id = g.job_id
               WHERE j.state IN ('queued', 'processing') AND g.group_key IS NOT NULL) d
       WHERE r.brand_id = d.brand_id AND r.job_id = d.job_id AND r.position = d.position AND d.last <> d.position`);
    await q.query('DROP INDEX ix_import_job_record_group');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE INDEX ix_import_job_record_group ON import_job_record (brand_id, job_id, group_key, position) WHERE group_key IS NOT NULL',
    );
    await q.query('ALTER TABLE import_job_record DROP COLUMN superseded_by');
  }
}
