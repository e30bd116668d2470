import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { DomainError } from '../common/errors/domain.error';
import type { Channel } from '../addresses/channel';
import { runInRetryingTransaction } from '../database/retrying-transaction';
import { OperationContext, OperationsRecorder } from '../operations/operations.recorder';
import { DeletedExtensionTypeDto, ExtensionTypeDto } from './dto/extension-type.dto';

interface TypeRow {
  id: number;
  name: string;
  channel: Channel;
  column_order: number;
  extension_count: string | number;
  created_at: Date;
  updated_at: Date;
}

const toDto = (row: TypeRow): ExtensionTypeDto => ({
  id: row.id,
  name: row.name,
  channel: row.channel,
  columnOrder: row.column_order,
  extensionCount: Number(row.extension_count),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** How many extensions carry each type, from the counters (see the AdminDashboard migration), not by counting rows. */
const USAGE = `COALESCE((SELECT sum(n) FROM extension_count k
                          WHERE k.brand_id = t.brand_id AND k.channel = t.channel AND k.name = t.name), 0) AS extension_count`;
const TYPE_COLUMNS = `t.id, t.name, t.channel, t.column_order, t.created_at, t.updated_at`;

const notFound = (): DomainError => new DomainError('NOT_FOUND', 'No such extension type in your brand.');
const exists = (channel: string, name: string): DomainError =>
  new DomainError('EXTENSION_TYPE_EXISTS', `Your brand already has an extension type ${JSON.stringify(name)} for channel ${channel}.`);

/**
 * A brand's extension types. Extensions reference their type by (brand_id, channel, name) with
 * ON UPDATE CASCADE and ON DELETE RESTRICT, so the database renames the type on every extension in
 * the rename's own statement, and refuses to delete a type still carried.
 */
@Injectable()
export class ExtensionTypesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly operations: OperationsRecorder,
  ) {}

  async list(brandId: number): Promise<ExtensionTypeDto[]> {
    const rows: TypeRow[] = await this.dataSource.query(
      `SELECT ${TYPE_COLUMNS}, ${USAGE} FROM extension_type t
        WHERE t.brand_id = $1
        ORDER BY t.column_order, t.channel, t.name COLLATE "C", t.id`,
      [brandId],
    );
    return rows.map(toDto);
  }

  async get(brandId: number, id: number): Promise<ExtensionTypeDto> {
    const rows: TypeRow[] = await this.dataSource.query(
      `SELECT ${TYPE_COLUMNS}, ${USAGE} FROM extension_type t WHERE t.brand_id = $1 AND t.id = $2`,
      [brandId, id],
    );
    if (rows.length === 0) throw notFound();
    return toDto(rows[0]);
  }

  async create(brandId: number, input: { name: string; channel: Channel; columnOrder?: number }): Promise<ExtensionTypeDto> {
    const rows: TypeRow[] = await this.dataSource.query(
      `INSERT INTO extension_type AS t (brand_id, channel, name, column_order)
       VALUES ($1, $2, $3, COALESCE($4::int, (SELECT COALESCE(max(column_order), 0) + 1 FROM extension_type WHERE brand_id = $1)))
       ON CONFLICT (brand_id, channel, name) DO NOTHING
       RETURNING ${TYPE_COLUMNS}, 0 AS extension_count`,
      [brandId, input.channel, input.name, input.columnOrder ?? null],
    );
    if (rows.length === 0) throw exists(input.channel, input.name);
    return toDto(rows[0]);
  }

  /**
   * Rename and/or reorder. The type row is locked first, so a concurrent delete or rename waits;
   * the rename of the extensions is the foreign key's cascade, inside this transaction, and is
   * recorded in the operations log with the number of extensions it renamed.
   */
  async update(ctx: OperationContext, id: number, change: { name?: string; columnOrder?: number }): Promise<ExtensionTypeDto> {
    const brandId = ctx.user.brandId;
    return runInRetryingTransaction(
      this.dataSource,
      async (runner) => {
        const current = await this.lock(runner, brandId, id);
        const renaming = change.name !== undefined && change.name !== current.name;
        let carried = 0;
        if (renaming) {
          const taken: unknown[] = await runner.query(
            'SELECT 1 FROM extension_type WHERE brand_id = $1 AND channel = $2 AND name = $3 AND id <> $4',
            [brandId, current.channel, change.name, id],
          );
          if (taken.length > 0) throw exists(current.channel, change.name!);
          carried = await this.carriedBy(runner, brandId, current.channel, current.name);
        }
        await runner.query(
          `UPDATE extension_type t
              SET name = COALESCE($3, t.name),
                  column_order = COALESCE($4::int, t.column_order),
                  updated_at = CASE WHEN (t.name, t.column_order) IS DISTINCT FROM (COALESCE($3, t.name), COALESCE($4::int, t.column_order))
                                    THEN now() ELSE t.updated_at END
            WHERE t.brand_id = $1 AND t.id = $2`,
          [brandId, id, change.name ?? null, change.columnOrder ?? null],
        );
        // read after the statement: the cascade to the extensions (and their counters) runs at its end
        const rows: TypeRow[] = await runner.query(
          `SELECT ${TYPE_COLUMNS}, ${USAGE} FROM extension_type t WHERE t.brand_id = $1 AND t.id = $2`,
          [brandId, id],
        );
        if (renaming) {
          await this.operations.record(runner, { ...ctx, kind: 'extension_types.rename', counts: { total: carried, updated: carried } });
        }
        return toDto(rows[0]);
      },
      { isolation: 'READ COMMITTED' },
    );
  }

  /**
   * Refused with 409 EXTENSION_TYPE_IN_USE (and the count) while extensions carry the type, unless
   * clearExtensions: then their name is cleared and the type deleted in one transaction. A carrying
   * extension inserted concurrently makes the DELETE fail on the foreign key; the transaction then
   * runs again and counts it.
   */
  async delete(ctx: OperationContext, id: number, clearExtensions: boolean): Promise<DeletedExtensionTypeDto> {
    const brandId = ctx.user.brandId;
    return runInRetryingTransaction(
      this.dataSource,
      async (runner) => {
        const current = await this.lock(runner, brandId, id);
        const carried = await this.carriedBy(runner, brandId, current.channel, current.name);
        if (carried > 0 && !clearExtensions) {
          throw new DomainError(
            'EXTENSION_TYPE_IN_USE',
            `${carried} ${carried === 1 ? 'extension carries' : 'extensions carry'} this type; delete with clearExtensions=true to clear it from them.`,
            { count: carried },
          );
        }
        if (carried > 0) {
          await runner.query(
            `UPDATE master_contact_extensions SET name = NULL, updated_at = now()
              WHERE brand_id = $1 AND channel = $2 AND name = $3`,
            [brandId, current.channel, current.name],
          );
        }
        await runner.query('DELETE FROM extension_type WHERE brand_id = $1 AND id = $2', [brandId, id]);
        await this.operations.record(runner, { ...ctx, kind: 'extension_types.delete', counts: { total: carried, updated: carried } });
        return { id, name: current.name, channel: current.channel, clearedExtensions: carried };
      },
      { isolation: 'READ COMMITTED' },
    );
  }

  private async lock(runner: QueryRunner, brandId: number, id: number): Promise<{ name: string; channel: Channel }> {
    const rows: { name: string; channel: Channel }[] = await runner.query(
      'SELECT name, channel FROM extension_type WHERE brand_id = $1 AND id = $2 FOR UPDATE',
      [brandId, id],
    );
    if (rows.length === 0) throw notFound();
    return rows[0];
  }

  /** Exactly the rows the cascade or the clearing touches, through ix_master_contact_extensions_type. */
  private async carriedBy(runner: QueryRunner, brandId: number, channel: Channel, name: string): Promise<number> {
    const [{ count }]: { count: number }[] = await runner.query(
      'SELECT count(*)::int AS count FROM master_contact_extensions WHERE brand_id = $1 AND channel = $2 AND name = $3',
      [brandId, channel, name],
    );
    return count;
  }
}
