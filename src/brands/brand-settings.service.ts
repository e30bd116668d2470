import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EXTENSION_COLUMNS, ExtensionColumn } from '../addresses/extension-columns';
import { DomainError } from '../common/errors/domain.error';
import { queryRows } from '../database/query-rows';
import { BrandSettingsDto } from './dto/brand-settings.dto';

interface BrandRow {
  key: string;
  name: string;
  extension_columns: ExtensionColumn[];
  created_at: Date;
  updated_at: Date;
}

const toDto = (row: BrandRow): BrandSettingsDto => ({
  key: row.key,
  name: row.name,
  extensionColumns: row.extension_columns,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The caller's brand: its name and enabled extension columns. The brand is always the caller's own. */
@Injectable()
export class BrandSettingsService {
  constructor(private readonly dataSource: DataSource) {}

  async get(brandId: number): Promise<BrandSettingsDto> {
    const rows: BrandRow[] = await this.dataSource.query(
      'SELECT key, name, extension_columns, created_at, updated_at FROM brand WHERE id = $1',
      [brandId],
    );
    if (rows.length === 0) throw new DomainError('NOT_FOUND', 'Your brand no longer exists.');
    return toDto(rows[0]);
  }

  /**
   * One statement; updated_at moves only when a value changes. Columns are stored in their canonical
   * order, so that the same set sent in another order is no change. Takes effect on the next request
   * (the enabled columns are loaded with the API user on every request).
   */
  async update(brandId: number, change: { name?: string; extensionColumns?: ExtensionColumn[] }): Promise<BrandSettingsDto> {
    const columns = change.extensionColumns ? EXTENSION_COLUMNS.filter((c) => change.extensionColumns!.includes(c)) : null;
    const rows = await queryRows<BrandRow>(
      this.dataSource,
      `UPDATE brand
          SET name = COALESCE($2, name),
              extension_columns = COALESCE($3::text[], extension_columns),
              updated_at = CASE WHEN (name, extension_columns) IS DISTINCT FROM (COALESCE($2, name), COALESCE($3::text[], extension_columns))
                                THEN now() ELSE updated_at END
        WHERE id = $1
        RETURNING key, name, extension_columns, created_at, updated_at`,
      [brandId, change.name ?? null, columns],
    );
    if (rows.length === 0) throw new DomainError('NOT_FOUND', 'Your brand no longer exists.');
    return toDto(rows[0]);
  }
}
