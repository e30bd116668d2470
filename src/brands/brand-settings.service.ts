import { Injectable } from '@nestjs/common';
import { EXTENSION_COLUMNS, ExtensionColumn } from '../addresses/extension-columns';
import { DomainError } from '../common/errors/domain.error';
import { BrandRow, BrandsRepository } from './brands.repository';
import { BrandSettingsDto } from './dto/brand-settings.dto';

const toDto = (row: BrandRow): BrandSettingsDto => ({
  key: row.key,
  name: row.name,
  extensionColumns: row.extension_columns,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const gone = (): DomainError => new DomainError('NOT_FOUND', 'Your brand no longer exists.');

/** The caller's brand: its name and enabled extension columns. The brand is always the caller's own. */
@Injectable()
export class BrandSettingsService {
  constructor(private readonly repository: BrandsRepository) {}

  async get(brandId: number): Promise<BrandSettingsDto> {
    const row = await this.repository.get(brandId);
    if (!row) throw gone();
    return toDto(row);
  }

  /**
   * Columns are stored in their canonical order, so that the same set sent in another order is no
   * change. Takes effect on the next request (the enabled columns are loaded with the API user on
   * every request).
   */
  async update(brandId: number, change: { name?: string; extensionColumns?: ExtensionColumn[] }): Promise<BrandSettingsDto> {
    const columns = change.extensionColumns ? EXTENSION_COLUMNS.filter((c) => change.extensionColumns!.includes(c)) : null;
    const row = await this.repository.update(brandId, change.name ?? null, columns);
    if (!row) throw gone();
    return toDto(row);
  }
}
