import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bulk import jobs. import_job holds a job's state and options (the queue, pg-boss, only says which
 * job to run next; its own schema is pg-boss's). import_job_record is the upload as read, one row
 * per record at its 0-based position (the JSON of the record, or the raw text of a line that could
 * not be read; no line for records sent as JSON), with the key it is grouped by, so that the last
 * record of a (contact_key, canonical address) can be found across the whole file.
 * import_job_chunk is the checkpoint and the counters: one row per committed chunk, written in the
 * chunk's transaction (chunks may commit out of order; its key lets each commit once).
 * import_job_issue is the report: each error and warning of a record, joined to the record for its
 * values. All are deleted with their job (after JOB_RETENTION_DAYS).
 */
export class ImportJobs1764500000000 implements MigrationInterface {
  name = 'ImportJobs1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE import_job (
        brand_id integer NOT NULL REFERENCES brand(id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        state varchar(12) NOT NULL DEFAULT 'open',
        columns text[] NOT NULL,
        insert_if_not_exists boolean NOT NULL DEFAULT false,
        validate_only boolean NOT NULL DEFAULT false,
        format varchar(8) NULL,
        api_user_id integer NULL,
        user_key varchar(100) NULL,
        request_id varchar(200) NOT NULL,
        upload_token uuid NULL,
        upload_started_at timestamptz NULL,
        total integer NOT NULL DEFAULT 0,
        chunk_size integer NULL,
        cancel_requested boolean NOT NULL DEFAULT false,
        operation_id bigint NULL,
        message text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        queued_at timestamptz NULL,
        started_at timestamptz NULL,
        finished_at timestamptz NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_import_job PRIMARY KEY (brand_id, id),
        CONSTRAINT ck_import_job_state CHECK (state IN ('open', 'queued', 'processing', 'completed', 'failed', 'cancelled')),
        CONSTRAINT ck_import_job_format CHECK (format IS NULL OR format IN ('csv', 'ndjson', 'json'))
      )`);
    await q.query('CREATE INDEX ix_import_job_created ON import_job (brand_id, created_at, id)');
    await q.query('CREATE INDEX ix_import_job_finished ON import_job (finished_at) WHERE finished_at IS NOT NULL');
    await q.query(`
      CREATE TABLE import_job_record (
        brand_id integer NOT NULL,
        job_id uuid NOT NULL,
        position integer NOT NULL,
        line integer NULL,
        record text NULL,
        raw text NULL,
        problem text NULL,
        group_key text NULL,
        CONSTRAINT pk_import_job_record PRIMARY KEY (brand_id, job_id, position),
        CONSTRAINT fk_import_job_record_job FOREIGN KEY (brand_id, job_id) REFERENCES import_job (brand_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      'CREATE INDEX ix_import_job_record_group ON import_job_record (brand_id, job_id, group_key, position) WHERE group_key IS NOT NULL',
    );
    await q.query(`
      CREATE TABLE import_job_chunk (
        brand_id integer NOT NULL,
        job_id uuid NOT NULL,
        position integer NOT NULL,
        size integer NOT NULL,
        inserted integer NOT NULL,
        updated integer NOT NULL,
        unchanged integer NOT NULL,
        skipped integer NOT NULL,
        failed integer NOT NULL,
        CONSTRAINT pk_import_job_chunk PRIMARY KEY (brand_id, job_id, position),
        CONSTRAINT fk_import_job_chunk_job FOREIGN KEY (brand_id, job_id) REFERENCES import_job (brand_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE import_job_issue (
        brand_id integer NOT NULL,
        job_id uuid NOT NULL,
        position integer NOT NULL,
        seq smallint NOT NULL,
        severity varchar(7) NOT NULL,
        code varchar(40) NOT NULL,
        field varchar(100) NULL,
        message text NOT NULL,
        CONSTRAINT pk_import_job_issue PRIMARY KEY (brand_id, job_id, position, seq),
        CONSTRAINT fk_import_job_issue_job FOREIGN KEY (brand_id, job_id) REFERENCES import_job (brand_id, id) ON DELETE CASCADE,
        CONSTRAINT ck_import_job_issue_severity CHECK (severity IN ('error', 'warning'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE import_job_issue');
    await q.query('DROP TABLE import_job_chunk');
    await q.query('DROP TABLE import_job_record');
    await q.query('DROP TABLE import_job');
  }
}
