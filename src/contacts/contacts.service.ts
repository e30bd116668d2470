import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain.error';
import { decodeCursor, Page, toPage } from '../common/pagination/cursor';
import { canonicalAddress } from '../addresses/address';
import { runInRetryingTransaction } from '../database/retrying-transaction';
import { MetricsService } from '../metrics/metrics.service';
import { OperationContext, OperationsRecorder } from '../operations/operations.recorder';
import { ContactExtensionsService } from '../contact-extensions/contact-extensions.service';
import { ContactColumn } from './contact-columns';
import { planContactUpsert } from './contact-upsert-planner';
import { ContactsRepository } from './contacts.repository';
import { BulkUpsertContactsDto, BulkUpsertContactsResultDto } from './dto/bulk-upsert-contacts.dto';
import { ContactDetailDto, ContactDto, DeletedContactDto } from './dto/contact.dto';

const notFound = (): DomainError => new DomainError('NOT_FOUND', 'No such contact in your brand.');

/**
 * POST /rest/bulk/contacts and the dashboard's contacts. The bulk: each record's own rules first
 * (no database), then one transaction with one upsert statement and the operations log entry.
 */
@Injectable()
export class ContactsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ContactsRepository,
    private readonly extensions: ContactExtensionsService,
    private readonly operations: OperationsRecorder,
    private readonly metrics: MetricsService,
  ) {}

  async bulkUpsert(ctx: OperationContext, body: BulkUpsertContactsDto): Promise<BulkUpsertContactsResultDto> {
    const columns = body.columns as ContactColumn[];
    const plan = planContactUpsert(body.contactDatas, new Set(columns));
    if (plan.failed > 0 && (body.throwOnError ?? true)) {
      throw new DomainError('VALIDATION_FAILED', `${plan.failed} of ${plan.total} records are invalid; nothing was written.`, {
        errors: plan.errors,
        warnings: plan.warnings,
      });
    }
    const counts = await runInRetryingTransaction(this.dataSource, async (runner) => {
      const written = await this.repository.upsert(runner, ctx.user.brandId, columns, plan.rows);
      const outcome = {
        total: plan.total,
        ...written,
        unchanged: plan.rows.length - written.inserted - written.updated,
        skipped: plan.skipped,
        failed: plan.failed,
      };
      await this.operations.record(runner, { ...ctx, kind: 'contacts.bulk_upsert', counts: outcome, errors: plan.errors });
      return outcome;
    });
    const result = { ...counts, errors: plan.errors, warnings: plan.warnings };
    this.metrics.countRecords('contacts', result);
    return result;
  }

  async list(
    brandId: number,
    filter: { keyPrefix?: string; email?: string; gsm?: string },
    limit: number,
    cursor?: string,
  ): Promise<Page<ContactDto>> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor, ['string'] as const)[0];
    const rows = await this.repository.list(
      brandId,
      {
        keyPrefix: filter.keyPrefix,
        email: filter.email === undefined ? undefined : filter.email.trim().toLowerCase(),
        gsm: filter.gsm === undefined ? undefined : canonicalAddress(filter.gsm),
      },
      limit,
      after,
    );
    return toPage(
      rows,
      limit,
      (r) => [r.contact_key],
      (r) => r,
    );
  }

  async get(brandId: number, contactKey: string): Promise<ContactDetailDto> {
    const contact = await this.repository.get(brandId, contactKey);
    if (!contact) throw notFound();
    return { ...contact, extensions: await this.extensions.listByContactInTypeOrder(brandId, contactKey) };
  }

  /**
   * The contact and its extensions, in one transaction with the operations log and the consent
   * history of the extensions. The contact is locked first, so no extension can be added to it meanwhile.
   */
  async delete(ctx: OperationContext, contactKey: string): Promise<DeletedContactDto> {
    return runInRetryingTransaction(
      this.dataSource,
      async (runner) => {
        if (!(await this.repository.lock(runner, ctx.user.brandId, contactKey))) throw notFound();
        const extensions = await this.extensions.deleteOfContact(runner, ctx.user.brandId, contactKey);
        await this.repository.delete(runner, ctx.user.brandId, contactKey);
        await this.operations.record(
          runner,
          { ...ctx, kind: 'contacts.delete', counts: { total: 1, deleted: 1 } },
          extensions.map((e) => ({
            contactKey: e.contact_key,
            address: e.address,
            channel: e.channel,
            oldPermission: e.permission,
            newPermission: null,
          })),
        );
        return { contact_key: contactKey, deleted_extensions: extensions.length };
      },
      { isolation: 'READ COMMITTED' },
    );
  }
}
