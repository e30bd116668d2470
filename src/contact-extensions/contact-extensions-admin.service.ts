import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { reportIssue } from '../common/bulk-records/bulk-records';
import { DomainError } from '../common/errors/domain.error';
import { decodeCursor, Page, toPage } from '../common/pagination/cursor';
import { runInRetryingTransaction } from '../database/retrying-transaction';
import { OperationContext, OperationsRecorder } from '../operations/operations.recorder';
import { addressSearchText, canonicalAddress } from '../addresses/address';
import { planBulkDelete } from './bulk-delete-planner';
import { ContactExtensionsRepository, ExtensionFilter } from './contact-extensions.repository';
import { BulkDeleteResultDto } from './dto/admin-contact-extensions.dto';
import { ContactExtensionDto } from './dto/list-contact-extensions.dto';
import { extensionKey } from './upsert-planner';

/** The dashboard's reads and deletes of extensions, each scoped to the caller's brand. */
@Injectable()
export class ContactExtensionsAdminService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ContactExtensionsRepository,
    private readonly operations: OperationsRecorder,
  ) {}

  /** Keyset pages in the order of the unique key (contact_key, address). */
  async list(brandId: number, filter: ExtensionFilter, limit: number, cursor?: string): Promise<Page<ContactExtensionDto>> {
    let after: { contactKey: string; address: string } | undefined;
    if (cursor !== undefined) {
      const [contactKey, address] = decodeCursor(cursor, ['string', 'string'] as const);
      after = { contactKey, address };
    }
    const addressContains = filter.addressContains === undefined ? undefined : addressSearchText(filter.addressContains);
    const rows = await this.repository.listPage(brandId, { ...filter, addressContains }, limit, after);
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
        const row = await this.repository.deleteOne(runner, ctx.user.brandId, contactKey, canonicalAddress(address));
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
   * One set-based delete for all keys; keys it did not return do not exist (EXTENSION_NOT_FOUND). With throwOnError, any failed record rolls the delete back.
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
        const deleted = await this.repository.deleteMany(
          runner,
          ctx.user.brandId,
          plan.keys.map((k) => k.record),
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
