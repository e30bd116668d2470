import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { reportIssue } from '../common/bulk-records/bulk-records';
import { DomainError } from '../common/errors/domain.error';
import { decodeCursor, Page, toPage } from '../common/pagination/cursor';
import { escapeLike } from '../database/escape-like';
import { queryRows } from '../database/query-rows';
import { runInRetryingTransaction } from '../database/retrying-transaction';
import { OperationContext, OperationsRecorder } from '../operations/operations.recorder';
import { addressSearchText, canonicalAddress } from '../addresses/address';
import { planBulkDelete } from './bulk-delete-planner';
import { Channel } from '../addresses/channel';
import { BulkDeleteResultDto } from './dto/admin-contact-extensions.dto';
import { ContactExtensionDto } from './dto/list-contact-extensions.dto';
import { extensionKey } from './upsert-planner';

export interface ExtensionFilter {
  contactKey?: string;
  addressContains?: string;
  channel?: string;
  name?: string;
  permission?: boolean;
}

interface DeletedRow extends ContactExtensionDto {
  channel: Channel;
}

const COLUMNS = 'contact_key, address, channel, name, permission, created_at, updated_at';

/** The dashboard's reads and deletes of extensions; every statement filters by the caller's brand ($1). */
@Injectable()
export class ContactExtensionsAdminService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly operations: OperationsRecorder,
  ) {}

  /**
   * Keyset pages in the order of the unique key (brand_id, contact_key, address), so every page is a
   * range scan of uq_master_contact_extensions_key from the cursor; with contact_key given, only that
   * contact's part of it. The other filters are checked on the rows the scan meets.
   */
  async list(brandId: number, filter: ExtensionFilter, limit: number, cursor?: string): Promise<Page<ContactExtensionDto>> {
    const params: unknown[] = [brandId];
    const where = ['brand_id = $1'];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.contactKey !== undefined) where.push(`contact_key = ${param(filter.contactKey)}`);
    if (filter.addressContains !== undefined)
      where.push(`address LIKE ${param(`%${escapeLike(addressSearchText(filter.addressContains))}%`)}`);
    if (filter.channel !== undefined) where.push(`channel = ${param(filter.channel)}`);
    if (filter.name !== undefined) where.push(`name = ${param(filter.name)}`);
    if (filter.permission !== undefined) where.push(`permission = ${param(filter.permission)}`);
    if (cursor !== undefined) {
      const [contactKey, address] = decodeCursor(cursor, ['string', 'string'] as const);
      where.push(`(contact_key, address) > (${param(contactKey)}, ${param(address)})`);
    }
    const rows: ContactExtensionDto[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM master_contact_extensions
        WHERE ${where.join(' AND ')}
        ORDER BY contact_key, address
        LIMIT ${param(limit + 1)}`,
      params,
    );
    return toPage(
      rows,
      limit,
      (r) => [r.contact_key, r.address],
      (r) => r,
    );
  }

  /** One extension, with its operations log entry and consent history row, in one transaction. */
  async delete(ctx: OperationContext, contactKey: string, address: string): Promise<ContactExtensionDto> {
    return runInRetryingTransaction(
      this.dataSource,
      async (runner) => {
        const [row] = await queryRows<DeletedRow>(
          runner,
          `DELETE FROM master_contact_extensions WHERE brand_id = $1 AND contact_key = $2 AND address = $3 RETURNING ${COLUMNS}`,
          [ctx.user.brandId, contactKey, canonicalAddress(address)],
        );
        if (!row) throw new DomainError('NOT_FOUND', 'No extension with this contact_key and address in your brand.');
        await this.operations.record(runner, { ...ctx, kind: 'contact_extensions.delete', counts: { total: 1, deleted: 1 } }, [
          { contactKey: row.contact_key, address: row.address, channel: row.channel, oldPermission: row.permission, newPermission: null },
        ]);
        return row;
      },
      { isolation: 'READ COMMITTED' },
    );
  }

  /**
   * Set-based: one DELETE ... USING unnest for all keys; keys it did not return do not exist
   * (EXTENSION_NOT_FOUND). With throwOnError, any failed record rolls the delete back.
   */
  async bulkDelete(ctx: OperationContext, records: readonly unknown[], throwOnError: boolean): Promise<BulkDeleteResultDto> {
    const plan = planBulkDelete(records);
    const failValidation = (errors: typeof plan.errors, failed: number): DomainError =>
      new DomainError('VALIDATION_FAILED', `${failed} of ${plan.total} records are invalid; nothing was deleted.`, {
        errors,
        warnings: plan.warnings,
      });
    if (plan.failed > 0 && throwOnError) throw failValidation(plan.errors, plan.failed);

    return runInRetryingTransaction(
      this.dataSource,
      async (runner) => {
        const deleted =
          plan.keys.length === 0
            ? []
            : await queryRows<{ contact_key: string; address: string; channel: Channel; permission: boolean }>(
                runner,
                `DELETE FROM master_contact_extensions e
                  USING unnest($2::text[], $3::text[]) AS k(contact_key, address)
                  WHERE e.brand_id = $1 AND e.contact_key = k.contact_key AND e.address = k.address
                  RETURNING e.contact_key, e.address, e.channel, e.permission`,
                [ctx.user.brandId, plan.keys.map((k) => k.record.contactKey), plan.keys.map((k) => k.record.address)],
              );
        const found = new Set(deleted.map((d) => extensionKey(d.contact_key, d.address)));
        const missing = plan.keys.filter((k) => !found.has(k.key));
        const errors = [
          ...plan.errors,
          ...missing.map((k) =>
            reportIssue(k.index, k.echo, { code: 'EXTENSION_NOT_FOUND', message: 'no extension with this contact_key and address' }),
          ),
        ].sort((a, b) => a.index - b.index);
        const failed = plan.failed + missing.length;
        // thrown inside the transaction, so the delete rolls back
        if (failed > 0 && throwOnError) throw failValidation(errors, failed);
        await this.operations.record(
          runner,
          {
            ...ctx,
            kind: 'contact_extensions.bulk_delete',
            counts: { total: plan.total, deleted: deleted.length, skipped: plan.skipped, failed },
            errors,
          },
          deleted.map((d) => ({
            contactKey: d.contact_key,
            address: d.address,
            channel: d.channel,
            oldPermission: d.permission,
            newPermission: null,
          })),
        );
        return { total: plan.total, deleted: deleted.length, skipped: plan.skipped, failed, errors, warnings: plan.warnings };
      },
      { isolation: 'READ COMMITTED' },
    );
  }
}
