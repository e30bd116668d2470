import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { escapeLike } from '../database/escape-like';
import { pgArray } from '../database/pg-array';
import { queryRows } from '../database/query-rows';
import { ContactColumn } from './contact-columns';
import { ContactRow } from './contact-upsert-planner';

/** The value a column gets on a new contact when the record does not give it: the column's default in the migration. */
const NEW_CONTACT_DEFAULT: Record<Exclude<ContactColumn, 'contact_key'>, string> = {
  name: 'NULL',
  surname: 'NULL',
  email: 'NULL',
  gsm: 'NULL',
  email_permission: 'false',
  gsm_permission: 'false',
  contact_status: `'A'`,
};
const SQL_TYPE: Record<Exclude<ContactColumn, 'contact_key'>, string> = {
  name: 'text',
  surname: 'text',
  email: 'text',
  gsm: 'text',
  email_permission: 'bool',
  gsm_permission: 'bool',
  contact_status: 'text',
};

export interface ContactRecordRow {
  contact_key: string;
  name: string | null;
  surname: string | null;
  email: string | null;
  gsm: string | null;
  email_permission: boolean;
  gsm_permission: boolean;
  contact_status: string;
  created_at: Date;
  updated_at: Date;
}

const CONTACT_SELECT = `contact_key, name, surname, email, gsm, email_permission, gsm_permission, contact_status, created_at, updated_at`;

/** The SQL of the contacts feature; every statement is scoped to the caller's brand ($1). */
@Injectable()
export class ContactsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The whole bulk in one statement: INSERT ... SELECT FROM unnest ... ON CONFLICT DO UPDATE, whose
   * WHERE ... IS DISTINCT FROM leaves unchanged contacts (and their updated_at) alone. A record may
   * leave out a column the request names: the proposed row then carries the stored value (read in
   * the same statement) or, for a new contact, the column's default. That read is only safe in
   * REPEATABLE READ, where a row changed or inserted after the snapshot makes the statement fail
   * with a serialization error and the transaction run again (runInRetryingTransaction).
   * Rows come sorted by key so concurrent requests lock in the same order.
   */
  async upsert(
    runner: QueryRunner,
    brandId: number,
    columns: readonly ContactColumn[],
    rows: readonly ContactRow[],
  ): Promise<{ inserted: number; updated: number }> {
    if (rows.length === 0) return { inserted: 0, updated: 0 };
    const sorted = [...rows].sort((a, b) => (a.contact_key < b.contact_key ? -1 : a.contact_key > b.contact_key ? 1 : 0));
    const valueColumns = columns.filter((c): c is Exclude<ContactColumn, 'contact_key'> => c !== 'contact_key');
    const params: unknown[] = [brandId, pgArray(sorted.map((r) => r.contact_key))];
    const unnestArgs = ['$2::text[]'];
    const unnestNames = ['contact_key'];
    const proposed: string[] = [];
    for (const column of valueColumns) {
      params.push(pgArray(sorted.map((r) => r[column])));
      unnestArgs.push(`$${params.length}::${SQL_TYPE[column]}[]`);
      params.push(pgArray(sorted.map((r) => r[column] !== undefined)));
      unnestArgs.push(`$${params.length}::bool[]`);
      unnestNames.push(column, `${column}_set`);
      proposed.push(
        `CASE WHEN r.${column}_set THEN r.${column} WHEN cur.contact_key IS NOT NULL THEN cur.${column} ELSE ${NEW_CONTACT_DEFAULT[column]} END`,
      );
    }
    // Column names come from CONTACT_COLUMNS (validated by the DTO), never from client text.
    const conflict =
      valueColumns.length === 0
        ? 'DO NOTHING'
        : `DO UPDATE SET ${valueColumns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now()
           WHERE (${valueColumns.map((c) => `c.${c}`).join(', ')}, true) IS DISTINCT FROM (${valueColumns.map((c) => `EXCLUDED.${c}`).join(', ')}, true)`;
    const written = await queryRows<{ inserted: boolean }>(
      runner,
      `INSERT INTO master_contact AS c (brand_id, contact_key${valueColumns.map((c) => `, ${c}`).join('')})
       SELECT $1, r.contact_key${proposed.map((p) => `, ${p}`).join('')}
         FROM unnest(${unnestArgs.join(', ')}) AS r(${unnestNames.join(', ')})
         LEFT JOIN master_contact cur ON cur.brand_id = $1 AND cur.contact_key = r.contact_key
       ON CONFLICT (brand_id, contact_key) ${conflict}
       RETURNING (xmax = 0) AS inserted`,
      params,
    );
    const inserted = written.filter((w) => w.inserted).length;
    return { inserted, updated: written.length - inserted };
  }

  /**
   * Keyset page in byte order of contact_key, on ix_master_contact_key_c: the prefix search is a
   * range of that index (LIKE 'prefix%' under the C collation), email and gsm are equalities on
   * their partial indexes.
   */
  async list(
    brandId: number,
    filter: { keyPrefix?: string; email?: string; gsm?: string },
    limit: number,
    after?: string,
  ): Promise<ContactRecordRow[]> {
    const params: unknown[] = [brandId];
    const where = ['brand_id = $1'];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.keyPrefix !== undefined) where.push(`contact_key COLLATE "C" LIKE ${param(`${escapeLike(filter.keyPrefix)}%`)}`);
    if (filter.email !== undefined) where.push(`email = ${param(filter.email)}`);
    if (filter.gsm !== undefined) where.push(`gsm = ${param(filter.gsm)}`);
    if (after !== undefined) where.push(`contact_key COLLATE "C" > ${param(after)}`);
    return this.dataSource.query(
      `SELECT ${CONTACT_SELECT} FROM master_contact
        WHERE ${where.join(' AND ')}
        ORDER BY contact_key COLLATE "C"
        LIMIT ${param(limit + 1)}`,
      params,
    );
  }

  async get(brandId: number, contactKey: string): Promise<ContactRecordRow | undefined> {
    const rows: ContactRecordRow[] = await this.dataSource.query(
      `SELECT ${CONTACT_SELECT} FROM master_contact WHERE brand_id = $1 AND contact_key = $2`,
      [brandId, contactKey],
    );
    return rows[0];
  }

  /** Locks the contact, so that no extension can be added to it until the transaction ends; false: no such contact. */
  async lock(runner: QueryRunner, brandId: number, contactKey: string): Promise<boolean> {
    const locked: unknown[] = await runner.query('SELECT 1 FROM master_contact WHERE brand_id = $1 AND contact_key = $2 FOR UPDATE', [
      brandId,
      contactKey,
    ]);
    return locked.length > 0;
  }

  async delete(runner: QueryRunner, brandId: number, contactKey: string): Promise<void> {
    await runner.query('DELETE FROM master_contact WHERE brand_id = $1 AND contact_key = $2', [brandId, contactKey]);
  }
}
