/**
 * The independent floor: the work of a bulk upsert done with the plainest SQL, written here and not
 * taken from the service, so that it does not move when the service's SQL does. In one transaction
 * (BEGIN, the database's default isolation), on the same tables and the same kind of batch:
 *
 * 1. the extensions at the batch's keys: one join of unnest of the keys with master_contact_extensions
 *    (a probe of the unique key per key);
 * 2. the contacts of the keys not found: one select of master_contact;
 * 3. one UPDATE ... FROM unnest of the found rows that change (by id);
 * 4. one INSERT ... SELECT FROM unnest of the new rows;
 * 5. one statement inserting the operation and its consent-history rows (a data-modifying CTE);
 *
 * then COMMIT. What to update and insert is decided from the two reads, in this process, and timed
 * with them. No authentication, no rate limit, no validation, no retry: those are what the service
 * adds, and service / independent floor says what all of them cost together.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { pgArray } from '../src/database/pg-array';
import { Batch, BatchKind, World } from './batches';
import type { SeededBrand } from './database';
import { collectOwnGarbage, Latency, Phase, summarize, TimedRun } from './measure';
// plain JS, shared with the service's preload
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { countQueries } = require('./query-counter') as { countQueries(): () => number };

interface Found {
  ord: number;
  id: string;
  name: string | null;
  permission: boolean;
}

export class IndependentFloor implements TimedRun {
  private readonly queries = countQueries();

  constructor(
    private readonly dataSource: DataSource,
    private readonly brand: SeededBrand,
  ) {}

  /** One batch; its time (ms) and statements, BEGIN and COMMIT included. */
  async run(batch: Batch): Promise<{ ms: number; statements: number }> {
    const { brandId, userId, userKey } = this.brand;
    const records = batch.records;
    collectOwnGarbage();
    const before = this.queries();
    const started = performance.now();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    let inserted = 0;
    let updated = 0;
    let consent: number;
    try {
      await runner.query('BEGIN');
      // The join as a LATERAL subquery, one probe of the unique key per key: written as a plain
      // JOIN ... ON, PostgreSQL 15 hashes the brand's whole table instead (on 100k rows a seq scan
      // and a hash of 100k rows: 130 to 150 ms under load, against a few ms for 1000 probes)
      const found: Found[] = await runner.query(
        `SELECT k.ord::int AS ord, e.id::text AS id, e.name, e.permission
           FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS k(contact_key, address, ord)
           JOIN LATERAL (
             SELECT x.id, x.name, x.permission FROM master_contact_extensions x
              WHERE x.brand_id = $1 AND x.contact_key = k.contact_key AND x.address = k.address
              LIMIT 1
           ) e ON true`,
        [brandId, pgArray(records.map((r) => r.contact_key)), pgArray(records.map((r) => r.address))],
      );
      const existing = new Array<Found | undefined>(records.length);
      for (const row of found) existing[row.ord - 1] = row;

      const missing = batch.insertIfNotExists ? records.filter((_, k) => !existing[k]) : [];
      const contacts = new Set<string>();
      if (missing.length > 0) {
        const rows: { contact_key: string }[] = await runner.query(
          'SELECT contact_key FROM master_contact WHERE brand_id = $1 AND contact_key = ANY($2::text[])',
          [brandId, pgArray([...new Set(missing.map((r) => r.contact_key))])],
        );
        for (const row of rows) contacts.add(row.contact_key);
      }

      const up = { id: [] as string[], address: [] as string[], name: [] as (string | null)[], permission: [] as boolean[] };
      const ins = { contactKey: [] as string[], address: [] as string[], channel: [] as string[], name: [] as (string | null)[] };
      const insPermission: boolean[] = [];
      const log = {
        contactKey: [] as string[],
        address: [] as string[],
        channel: [] as string[],
        old: [] as (boolean | null)[],
        new: [] as boolean[],
      };
      records.forEach((r, k) => {
        const row = existing[k];
        if (row) {
          const name = r.name === undefined ? row.name : r.name;
          const permission = r.permission ?? row.permission;
          const address = r.new_address ?? r.address;
          if (name === row.name && permission === row.permission && address === r.address) return;
          up.id.push(row.id);
          up.address.push(address);
          up.name.push(name);
          up.permission.push(permission);
          updated++;
          if (permission !== row.permission) {
            log.contactKey.push(r.contact_key);
            log.address.push(address);
            log.channel.push(r.channel as string);
            log.old.push(row.permission);
            log.new.push(permission);
          }
        } else if (batch.insertIfNotExists && contacts.has(r.contact_key)) {
          ins.contactKey.push(r.contact_key);
          ins.address.push(r.address);
          ins.channel.push(r.channel as string);
          ins.name.push(r.name ?? null);
          insPermission.push(r.permission ?? false);
          inserted++;
          log.contactKey.push(r.contact_key);
          log.address.push(r.address);
          log.channel.push(r.channel as string);
          log.old.push(null);
          log.new.push(r.permission ?? false);
        }
      });
      consent = log.new.length;

      if (updated > 0) {
        await runner.query(
          `UPDATE master_contact_extensions e
              SET address = u.address, name = u.name, permission = u.permission, updated_at = now()
             FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bool[]) AS u(id, address, name, permission)
            WHERE e.brand_id = $1 AND e.id = u.id`,
          [brandId, pgArray(up.id), pgArray(up.address), pgArray(up.name), pgArray(up.permission)],
        );
      }
      if (inserted > 0) {
        await runner.query(
          `INSERT INTO master_contact_extensions (brand_id, contact_key, address, channel, name, permission)
           SELECT $1, i.contact_key, i.address, i.channel, i.name, i.permission
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bool[]) AS i(contact_key, address, channel, name, permission)`,
          [brandId, pgArray(ins.contactKey), pgArray(ins.address), pgArray(ins.channel), pgArray(ins.name), pgArray(insPermission)],
        );
      }
      await runner.query(
        `WITH op AS (
           INSERT INTO operation (brand_id, kind, request_id, api_user_id, user_key, started_at,
                                  total, inserted, updated, unchanged)
           VALUES ($1, 'contact_extensions.bulk_upsert', $2, $3, $4, now(), $5, $6, $7, $8)
           RETURNING id
         )
         INSERT INTO consent_change (brand_id, operation_id, contact_key, address, channel, old_permission, new_permission)
         SELECT $1, op.id, c.contact_key, c.address, c.channel, c.old_permission, c.new_permission
           FROM op, unnest($9::text[], $10::text[], $11::text[], $12::bool[], $13::bool[])
                AS c(contact_key, address, channel, old_permission, new_permission)`,
        [
          brandId,
          randomUUID(),
          userId,
          userKey,
          records.length,
          inserted,
          updated,
          records.length - inserted - updated,
          pgArray(log.contactKey),
          pgArray(log.address),
          pgArray(log.channel),
          pgArray(log.old),
          pgArray(log.new),
        ],
      );
      await runner.query('COMMIT');
    } catch (err) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
    const ms = performance.now() - started;
    const statements = this.queries() - before;
    const e = batch.expected;
    if (inserted !== e.inserted || updated !== e.updated || records.length - inserted - updated !== e.unchanged) {
      throw new Error(
        `independent floor: a ${batch.kind} batch gave ${JSON.stringify({ inserted, updated })}, expected ${JSON.stringify(e)}`,
      );
    }
    if (consent !== batch.consentChanges) {
      throw new Error(`independent floor: a ${batch.kind} batch wrote ${consent} consent changes, expected ${batch.consentChanges}`);
    }
    batch.commit();
    return { ms, statements };
  }

  /** On its own (the embedded database, where it cannot take turns with the service). */
  async measure(world: World, kind: BatchKind, size: number, phase: Phase): Promise<Latency> {
    const samples: number[] = [];
    let statements = 0;
    for (let k = 0; k < phase.warmup + phase.requests; k++) {
      const run = await this.run(world.build(kind, size));
      if (k >= phase.warmup) {
        samples.push(run.ms);
        statements = Math.max(statements, run.statements);
      }
    }
    return summarize(samples, statements);
  }
}
