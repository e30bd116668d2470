import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain.error';
import { decodeCursor, Page, toPage } from '../common/pagination/cursor';
import { utcInstantOf } from '../common/validation/date-time';
import { canonicalAddress } from '../addresses/address';
import { ConsentChangeDto } from './dto/consent-change.dto';
import { OperationDetailDto, OperationDto } from './dto/operation.dto';

export interface OperationFilter {
  apiUserId?: number;
  from?: Date;
  to?: Date;
  kind?: string;
}

interface OperationRow extends OperationDto {
  sort_time: string;
}

// The cursor keeps started_at to the microsecond, so that keyset comparison is exact.
const OPERATION_COLUMNS = `
  id::text AS id, kind, request_id, api_user_id, user_key, started_at, duration_ms,
  total, inserted, updated, unchanged, skipped, failed, deleted, jsonb_array_length(errors) AS error_count,
  to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS sort_time`;

/** A sort_time as a cursor holds it (UTC, microseconds): an instant that exists (not 30 February, not year 0000). */
const isSortTime = (text: string): boolean => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/.test(text) && utcInstantOf(text) !== undefined;

/** An id as a cursor holds it: a bigint, so at most 2^63 - 1 (a larger one would fail in the database). */
const isBigintId = (text: string): boolean => /^\d{1,19}$/.test(text) && BigInt(text) <= 9_223_372_036_854_775_807n;

/** Reads of the operations log and the consent history; every statement filters by the caller's brand ($1). */
@Injectable()
export class OperationsService {
  constructor(private readonly dataSource: DataSource) {}

  /** Newest first: (started_at, id) descending, a backward scan of ix_operation_started (or ix_operation_user). */
  async list(brandId: number, filter: OperationFilter, limit: number, cursor?: string): Promise<Page<OperationDto>> {
    const params: unknown[] = [brandId];
    const where = ['brand_id = $1'];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.apiUserId !== undefined) where.push(`api_user_id = ${param(filter.apiUserId)}`);
    if (filter.from) where.push(`started_at >= ${param(filter.from)}`);
    if (filter.to) where.push(`started_at < ${param(filter.to)}`);
    if (filter.kind) where.push(`kind = ${param(filter.kind)}`);
    if (cursor) {
      const [time, id] = decodeCursor(cursor, ['string', 'string'] as const);
      if (!isSortTime(time) || !isBigintId(id)) {
        throw new DomainError('INVALID_REQUEST', 'cursor is not valid; pass back the next_cursor of the previous page', {
          details: ['cursor is not valid'],
        });
      }
      where.push(`(started_at, id) < (${param(`${time}Z`)}::timestamptz, ${param(id)}::bigint)`);
    }
    const rows: OperationRow[] = await this.dataSource.query(
      `SELECT ${OPERATION_COLUMNS} FROM operation
        WHERE ${where.join(' AND ')}
        ORDER BY started_at DESC, id DESC
        LIMIT ${param(limit + 1)}`,
      params,
    );
    return toPage(rows, limit, (r) => [r.sort_time, r.id], withoutSortKey);
  }

  async get(brandId: number, id: string): Promise<OperationDetailDto> {
    if (!/^\d{1,18}$/.test(id)) throw notFound();
    const rows: (OperationRow & { errors: OperationDetailDto['errors']; consent_changes: number })[] = await this.dataSource.query(
      `SELECT ${OPERATION_COLUMNS}, errors,
              (SELECT count(*)::int FROM consent_change c WHERE c.brand_id = o.brand_id AND c.operation_id = o.id) AS consent_changes
         FROM operation o
        WHERE o.brand_id = $1 AND o.id = $2::bigint`,
      [brandId, id],
    );
    if (rows.length === 0) throw notFound();
    return withoutSortKey(rows[0]) as OperationDetailDto;
  }

  /** The changes of one address, newest first (ix_consent_change_address, backward). */
  async consentHistory(
    brandId: number,
    address: string,
    contactKey: string | undefined,
    limit: number,
    cursor?: string,
  ): Promise<Page<ConsentChangeDto>> {
    const params: unknown[] = [brandId, canonicalAddress(address)];
    const where = ['c.brand_id = $1', 'c.address = $2'];
    if (contactKey !== undefined) {
      params.push(contactKey);
      where.push(`c.contact_key = $${params.length}`);
    }
    if (cursor) {
      const [id] = decodeCursor(cursor, ['string'] as const);
      if (!isBigintId(id))
        throw new DomainError('INVALID_REQUEST', 'cursor is not valid; pass back the next_cursor of the previous page', {
          details: ['cursor is not valid'],
        });
      params.push(id);
      where.push(`c.id < $${params.length}::bigint`);
    }
    params.push(limit + 1);
    const rows: ConsentChangeDto[] = await this.dataSource.query(
      `SELECT c.id::text AS id, c.contact_key, c.address, c.channel, c.old_permission, c.new_permission, c.changed_at,
              c.operation_id::text AS operation_id, o.kind AS operation_kind, o.request_id, o.api_user_id, o.user_key
         FROM consent_change c
         JOIN operation o ON o.brand_id = c.brand_id AND o.id = c.operation_id
        WHERE ${where.join(' AND ')}
        ORDER BY c.id DESC
        LIMIT $${params.length}`,
      params,
    );
    return toPage(
      rows,
      limit,
      (r) => [r.id],
      (r) => r,
    );
  }
}

function withoutSortKey<T extends { sort_time: string }>(row: T): Omit<T, 'sort_time'> {
  const { sort_time: _ignored, ...rest } = row;
  return rest;
}

const notFound = (): DomainError => new DomainError('NOT_FOUND', 'No such operation in your brand.');
