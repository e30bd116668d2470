/**
 * The floor of an import job: the database's own work on the job's file in the plainest SQL,
 * written here and not taken from the service. The file is COPYed into a staging table
 * (pg-copy-streams), then merged set-based in one transaction: one lookup of every record's
 * extension, contact and extension type, one UPDATE of the changed extensions, one INSERT of the
 * new ones, and one statement that writes the operation and its consent history (every insert and
 * every change of permission), the rows the service writes for a job.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { COLUMNS } from './batches';
import type { SeededBrand } from './database';
import { JobExpectation, JobLoad } from './jobs-load';

/** Seconds per step of the floor. */
export interface JobFloorSteps {
  /** generating the CSV and COPYing it into the staging table */
  copy: number;
  /** one join of the staged records with the extensions, contacts and extension types */
  lookup: number;
  update: number;
  insert: number;
  /** the operation and its consent-history rows */
  log: number;
  commit: number;
}

export interface JobFloorResult {
  records: number;
  existing: number;
  seconds: number;
  recordsPerSecond: number;
  steps: JobFloorSteps;
}

export async function measureJobFloor(url: string, brand: SeededBrand, load: JobLoad): Promise<JobFloorResult> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const staging = `job_floor_staging_${process.pid}`;
  const expected = load.expected;
  try {
    await client.query(`DROP TABLE IF EXISTS ${staging}`);
    await client.query(
      `CREATE TABLE ${staging} (ord bigint GENERATED ALWAYS AS IDENTITY, contact_key text, address text, channel text, name text, permission boolean)`,
    );
    const at: number[] = [performance.now()];
    const mark = () => at.push(performance.now());

    await pipeline(load.csv(), client.query(copyFrom(`COPY ${staging} (${COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER true)`)));
    mark();

    await client.query('BEGIN');
    await client.query(
      `CREATE TEMP TABLE job_floor_resolved ON COMMIT DROP AS
       SELECT s.ord, s.contact_key, s.address, COALESCE(e.channel, s.channel) AS channel, s.name, s.permission,
              e.id, e.name AS old_name, e.permission AS old_permission,
              e.id IS NOT NULL OR c.contact_key IS NOT NULL AS contact_exists,
              t.name IS NOT NULL AS type_exists
         FROM ${staging} s
         LEFT JOIN master_contact_extensions e ON e.brand_id = $1 AND e.contact_key = s.contact_key AND e.address = s.address
         LEFT JOIN master_contact c ON e.id IS NULL AND c.brand_id = $1 AND c.contact_key = s.contact_key
         LEFT JOIN extension_type t ON t.brand_id = $1 AND t.channel = COALESCE(e.channel, s.channel) AND t.name = s.name`,
      [brand.brandId],
    );
    await client.query('ANALYZE job_floor_resolved');
    mark();

    const updated = await client.query(
      `UPDATE master_contact_extensions e
          SET name = r.name, permission = r.permission, updated_at = now()
         FROM job_floor_resolved r
        WHERE e.brand_id = $1 AND e.id = r.id AND r.type_exists
          AND (e.name IS DISTINCT FROM r.name OR e.permission IS DISTINCT FROM r.permission)`,
      [brand.brandId],
    );
    mark();

    const inserted = await client.query(
      `INSERT INTO master_contact_extensions (brand_id, contact_key, address, channel, name, permission)
       SELECT $1, r.contact_key, r.address, r.channel, r.name, r.permission
         FROM job_floor_resolved r
        WHERE r.id IS NULL AND r.contact_exists AND r.type_exists
        ORDER BY r.contact_key, r.address
       ON CONFLICT (brand_id, contact_key, address) DO NOTHING`,
      [brand.brandId],
    );
    mark();

    const logged = await client.query(
      `WITH op AS (
         INSERT INTO operation (brand_id, kind, request_id, api_user_id, user_key, total, inserted, updated, unchanged)
         VALUES ($1, 'contact_extensions.bulk_upsert', $2, $3, $4, $5, $6, $7, $8)
         RETURNING id
       )
       INSERT INTO consent_change (brand_id, operation_id, contact_key, address, channel, old_permission, new_permission)
       SELECT $1, op.id, r.contact_key, r.address, r.channel, r.old_permission, r.permission
         FROM job_floor_resolved r, op
        WHERE r.contact_exists AND r.type_exists AND r.permission IS DISTINCT FROM r.old_permission`,
      [brand.brandId, randomUUID(), brand.userId, brand.userKey, load.records, expected.inserted, expected.updated, expected.unchanged],
    );
    mark();

    await client.query('COMMIT');
    mark();

    check(expected, { inserted: inserted.rowCount, updated: updated.rowCount, consentChanges: logged.rowCount });
    const step = (k: number) => (at[k + 1] - at[k]) / 1000;
    const seconds = (at[at.length - 1] - at[0]) / 1000;
    return {
      records: load.records,
      existing: load.existing,
      seconds,
      recordsPerSecond: load.records / seconds,
      steps: { copy: step(0), lookup: step(1), update: step(2), insert: step(3), log: step(4), commit: step(5) },
    };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.query(`DROP TABLE IF EXISTS ${staging}`).catch(() => undefined);
    await client.end();
  }
}

function check(expected: JobExpectation, got: { inserted: number | null; updated: number | null; consentChanges: number | null }): void {
  if (got.inserted !== expected.inserted || got.updated !== expected.updated || got.consentChanges !== expected.consentChanges) {
    throw new Error(
      `job floor: ${expected.total} records gave ${JSON.stringify(got)}, expected ` +
        JSON.stringify({ inserted: expected.inserted, updated: expected.updated, consentChanges: expected.consentChanges }),
    );
  }
}
