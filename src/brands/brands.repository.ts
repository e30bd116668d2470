import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import type { Channel } from '../addresses/channel';
import type { ExtensionColumn } from '../addresses/extension-columns';
import { queryRows } from '../database/query-rows';

export interface BrandRow {
  key: string;
  name: string;
  extension_columns: ExtensionColumn[];
  created_at: Date;
  updated_at: Date;
}

export interface ExtensionTypeRow {
  id: number;
  name: string;
  channel: Channel;
  column_order: number;
  extension_count: string | number;
  created_at: Date;
  updated_at: Date;
}

const BRAND_COLUMNS = 'key, name, extension_columns, created_at, updated_at';
/** How many extensions carry each type, from the counters (see the AdminDashboard migration), not by counting rows. */
const USAGE = `COALESCE((SELECT sum(n) FROM extension_count k
                          WHERE k.brand_id = t.brand_id AND k.channel = t.channel AND k.name = t.name), 0) AS extension_count`;
const TYPE_COLUMNS = `t.id, t.name, t.channel, t.column_order, t.created_at, t.updated_at`;

/** The SQL of brand and extension_type; every statement is scoped to the caller's brand ($1). */
@Injectable()
export class BrandsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(brandId: number): Promise<BrandRow | undefined> {
    const rows: BrandRow[] = await this.dataSource.query(`SELECT ${BRAND_COLUMNS} FROM brand WHERE id = $1`, [brandId]);
    return rows[0];
  }

  /** One statement; updated_at moves only when a value changes. null leaves a value as it is. */
  async update(brandId: number, name: string | null, extensionColumns: readonly ExtensionColumn[] | null): Promise<BrandRow | undefined> {
    const rows = await queryRows<BrandRow>(
      this.dataSource,
      `UPDATE brand
          SET name = COALESCE($2, name),
              extension_columns = COALESCE($3::text[], extension_columns),
              updated_at = CASE WHEN (name, extension_columns) IS DISTINCT FROM (COALESCE($2, name), COALESCE($3::text[], extension_columns))
                                THEN now() ELSE updated_at END
        WHERE id = $1
        RETURNING ${BRAND_COLUMNS}`,
      [brandId, name, extensionColumns],
    );
    return rows[0];
  }

  async listTypes(brandId: number): Promise<ExtensionTypeRow[]> {
    return this.dataSource.query(
      `SELECT ${TYPE_COLUMNS}, ${USAGE} FROM extension_type t
        WHERE t.brand_id = $1
        ORDER BY t.column_order, t.channel, t.name COLLATE "C", t.id`,
      [brandId],
    );
  }

  /** On the runner when given: after an update in the same transaction, the cascade to the extensions (and their counters) has run. */
  async getType(brandId: number, id: number, runner?: QueryRunner): Promise<ExtensionTypeRow | undefined> {
    const rows: ExtensionTypeRow[] = await (runner ?? this.dataSource).query(
      `SELECT ${TYPE_COLUMNS}, ${USAGE} FROM extension_type t WHERE t.brand_id = $1 AND t.id = $2`,
      [brandId, id],
    );
    return rows[0];
  }

  /** undefined: the brand already has a type of this name for the channel. Without columnOrder, after the last. */
  async createType(
    brandId: number,
    input: { name: string; channel: Channel; columnOrder?: number },
  ): Promise<ExtensionTypeRow | undefined> {
    const rows: ExtensionTypeRow[] = await this.dataSource.query(
      `INSERT INTO extension_type AS t (brand_id, channel, name, column_order)
       VALUES ($1, $2, $3, COALESCE($4::int, (SELECT COALESCE(max(column_order), 0) + 1 FROM extension_type WHERE brand_id = $1)))
       ON CONFLICT (brand_id, channel, name) DO NOTHING
       RETURNING ${TYPE_COLUMNS}, 0 AS extension_count`,
      [brandId, input.channel, input.name, input.columnOrder ?? null],
    );
    return rows[0];
  }

  /** Locks the type row until the transaction ends; undefined: no such type. */
  async lockType(runner: QueryRunner, brandId: number, id: number): Promise<{ name: string; channel: Channel } | undefined> {
    const rows: { name: string; channel: Channel }[] = await runner.query(
      'SELECT name, channel FROM extension_type WHERE brand_id = $1 AND id = $2 FOR UPDATE',
      [brandId, id],
    );
    return rows[0];
  }

  /** Whether another type of the brand has this channel and name. */
  async typeNameTaken(runner: QueryRunner, brandId: number, channel: Channel, name: string, exceptId: number): Promise<boolean> {
    const taken: unknown[] = await runner.query(
      'SELECT 1 FROM extension_type WHERE brand_id = $1 AND channel = $2 AND name = $3 AND id <> $4',
      [brandId, channel, name, exceptId],
    );
    return taken.length > 0;
  }

  /** updated_at moves only when a value changes; null leaves a value as it is. */
  async updateType(runner: QueryRunner, brandId: number, id: number, name: string | null, columnOrder: number | null): Promise<void> {
    await runner.query(
      `UPDATE extension_type t
          SET name = COALESCE($3, t.name),
              column_order = COALESCE($4::int, t.column_order),
              updated_at = CASE WHEN (t.name, t.column_order) IS DISTINCT FROM (COALESCE($3, t.name), COALESCE($4::int, t.column_order))
                                THEN now() ELSE t.updated_at END
        WHERE t.brand_id = $1 AND t.id = $2`,
      [brandId, id, name, columnOrder],
    );
  }

  async deleteType(runner: QueryRunner, brandId: number, id: number): Promise<void> {
    await runner.query('DELETE FROM extension_type WHERE brand_id = $1 AND id = $2', [brandId, id]);
  }
}
