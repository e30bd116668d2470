import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { AuthUser } from '../auth/auth-user';
import type { Channel } from '../addresses/channel';
import { ExtensionColumn } from '../addresses/extension-columns';
import { isPlainRecord } from '../common/bulk-records/bulk-records';
import { DomainError, invalidRequest } from '../common/errors/domain.error';
import { runInRetryingTransaction } from '../database/retrying-transaction';
import { MetricsService } from '../metrics/metrics.service';
import { ContactExtensionsRepository, DeletedExtensionRow } from './contact-extensions.repository';
import { BulkUpsertContactExtensionsDto } from './dto/bulk-upsert-contact-extensions.dto';
import { BulkUpsertResultDto } from './dto/bulk-upsert-result.dto';
import { ContactExtensionDto } from './dto/list-contact-extensions.dto';
import { lookupKeysOf, outcomeCounts, PlanOptions, prepareRecords } from './upsert-planner';
import { ExtensionsUpsert } from './upsert-transaction';

/**
 * BulkUpsertExtensions: request rules first (400, no database), then each record's own rules, then
 * one transaction that looks everything up, plans, and writes set-based. The transaction runs again
 * from the lookup when a concurrent request got in the way. The operations log entry and the consent
 * history are written in that same transaction (one more statement, whatever the number of records).
 */
@Injectable()
export class ContactExtensionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ContactExtensionsRepository,
    private readonly upsert: ExtensionsUpsert,
    private readonly metrics: MetricsService,
  ) {}

  async bulkUpsert(user: AuthUser, body: BulkUpsertContactExtensionsDto, requestId: string): Promise<BulkUpsertResultDto> {
    const startedAt = new Date();
    const options = requestOptions(user, body);
    const throwOnError = body.throwOnError ?? true;
    const prepared = prepareRecords(body.contactDatas, options);
    const keys = lookupKeysOf(prepared);

    const plan = await runInRetryingTransaction(this.dataSource, async (runner, tx) => {
      const outcome = await this.upsert.run(runner, {
        brandId: user.brandId,
        prepared,
        keys,
        options,
        // the foreign key checks the contacts as the rows are written, unless the run may not write
        // or runs again (its last run may have met a missing contact)
        askContacts: body.validateOnly === true || tx.attempt > 1,
        operation: { kind: 'contact_extensions.bulk_upsert', requestId, user, startedAt },
        shouldWrite: (planned) => {
          if (planned.failed > 0 && throwOnError) {
            // thrown inside the transaction, so it rolls back: nothing is written
            throw new DomainError('VALIDATION_FAILED', `${planned.failed} of ${planned.total} records are invalid; nothing was written.`, {
              errors: planned.errors,
              warnings: planned.warnings,
            });
          }
          // validateOnly: the same lookups and plan, then rolled back instead of written
          if (body.validateOnly) tx.rollbackOnly();
          return !body.validateOnly;
        },
      });
      return outcome.plan;
    });

    const result = { ...outcomeCounts(plan), errors: plan.errors, warnings: plan.warnings };
    if (!body.validateOnly) this.metrics.countRecords('contact_extensions', result);
    return result;
  }

  async listByContact(user: AuthUser, contactKey: string): Promise<ContactExtensionDto[]> {
    return this.repository.listByContact(user.brandId, contactKey);
  }

  /** For the contacts feature: a contact's extensions in its type's column order (the dashboard's contact page). */
  async listByContactInTypeOrder(brandId: number, contactKey: string): Promise<ContactExtensionDto[]> {
    return this.repository.listByContactInTypeOrder(brandId, contactKey);
  }

  /** For the brands feature: how many extensions carry a type (inside the transaction that holds the type's lock). */
  async countOfType(runner: QueryRunner, brandId: number, channel: Channel, name: string): Promise<number> {
    return this.repository.countOfType(runner, brandId, channel, name);
  }

  /** For the brands feature: clears a type from the extensions that carry it, before the type is deleted. */
  async clearType(runner: QueryRunner, brandId: number, channel: Channel, name: string): Promise<void> {
    await this.repository.clearType(runner, brandId, channel, name);
  }

  /** For the brands feature: after a type's rename, the extensions that carry it are changed now (updated_at); how many. */
  async touchType(runner: QueryRunner, brandId: number, channel: Channel, name: string): Promise<number> {
    return this.repository.touchType(runner, brandId, channel, name);
  }

  /** For the contacts feature: deletes a contact's extensions inside its transaction, which holds the contact's lock. */
  async deleteOfContact(runner: QueryRunner, brandId: number, contactKey: string): Promise<DeletedExtensionRow[]> {
    return this.repository.deleteOfContact(runner, brandId, contactKey);
  }
}

/** The request-level rules of contract section 4 that need the brand (the envelope's shape is the DTO's). */
function requestOptions(user: AuthUser, body: BulkUpsertContactExtensionsDto): PlanOptions {
  const details: string[] = [];
  const enabled = new Set<ExtensionColumn>(user.extensionColumns);
  for (const column of body.columns) {
    if (!enabled.has(column)) details.push(`column ${column} is not enabled for your brand`);
  }
  for (const required of ['contact_key', 'address'] as const) {
    if (!body.columns.includes(required)) details.push(`columns must contain ${required}`);
  }
  const insertIfNotExists = body.insertIfNotExists ?? false;
  if (insertIfNotExists) {
    const renaming = body.contactDatas.findIndex(
      (r) => isPlainRecord(r) && ((r.new_contact_key ?? null) !== null || (r.new_address ?? null) !== null),
    );
    if (renaming >= 0) {
      details.push(
        `insertIfNotExists cannot be used with new_contact_key or new_address (record ${renaming}); send renames in a separate request`,
      );
    }
  }
  if (details.length > 0) throw invalidRequest(details[0], details);
  return { columns: new Set(body.columns), insertIfNotExists };
}
