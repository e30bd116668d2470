import { Injectable } from '@nestjs/common';
import { QueryRunner } from 'typeorm';
import type { AuthUser } from '../auth/auth-user';
import type { Channel } from '../addresses/channel';
import { MAX_INT4 } from '../common/validation/pg-integer';
import { pgArray } from '../database/pg-array';
import type { OperationKind } from './operation-kinds';

export interface OperationCounts {
  total: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  deleted: number;
}

/** Who asked, under which request id, since when: what a controller hands to a writing service. */
export interface OperationContext {
  user: Pick<AuthUser, 'id' | 'userKey' | 'brandId'>;
  requestId: string;
  /** when the request started; the duration runs from here to the recording, the transaction's last statement */
  startedAt: Date;
}

export interface OperationEntry extends OperationContext {
  kind: OperationKind;
  counts: Partial<OperationCounts>;
  errors?: readonly unknown[];
}

/** A change of one extension's permission; null old: inserted, null new: deleted. */
export interface ConsentChangeRow {
  contactKey: string;
  address: string;
  channel: Channel;
  oldPermission: boolean | null;
  newPermission: boolean | null;
}

/** Unpaired UTF-16 surrogates: JSON text can carry them, jsonb cannot. */
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * JSON for a jsonb column. Errors echo the client's contact_key and address as sent, and jsonb refuses
 * a NUL character or an unpaired surrogate in a string (the whole request would fail with a 500):
 * those are stored as U+FFFD.
 */
function jsonbText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    // eslint-disable-next-line no-control-regex -- NUL is the character replaced
    typeof v === 'string' ? v.replace(/\u0000/g, '\uFFFD').replace(LONE_SURROGATES, '\uFFFD') : v,
  );
}

/** Common table expressions for a larger statement, with their parameters. */
export interface SqlCtes {
  /** `name AS (...), name AS (...)`, to follow WITH (or a comma) */
  ctes: string;
  params: unknown[];
}

/**
 * The consent changes a statement logs: rows the caller computed, or a SELECT over the caller's own
 * CTEs of the same statement (no parameters) whose columns are contact_key, address, channel,
 * old_permission and new_permission, so that the rows the statement writes are not sent twice.
 */
export type ConsentSource = readonly ConsentChangeRow[] | ConsentSelect;
export interface ConsentSelect {
  select: string;
}

const CONSENT_COLUMNS = 'contact_key, address, channel, old_permission, new_permission';
const CONSENT_COLUMNS_OF_CH = CONSENT_COLUMNS.split(', ')
  .map((column) => `ch.${column}`)
  .join(', ');

/**
 * Writes the operations log and the consent history on the caller's runner, that is inside the
 * transaction of the writes they describe: they commit together or not at all. One statement,
 * whatever the number of consent changes (an INSERT of the operation and an INSERT ... SELECT from
 * unnest of the changes, joined by a data-modifying CTE); a writer can also make them part of its
 * own statement (ctes, appendCtes), which saves the round trip, and then log the rows that statement
 * writes as it writes them (ConsentSource).
 */
@Injectable()
export class OperationsRecorder {
  async record(runner: QueryRunner, entry: OperationEntry, consentChanges: readonly ConsentChangeRow[] = []): Promise<string> {
    const { ctes, params } = this.ctes(entry, consentChanges, 1);
    const rows: { id: string }[] = await runner.query(`WITH ${ctes} SELECT id::text AS id FROM op_log`, params);
    return rows[0].id;
  }

  /**
   * The same writes as CTEs named op_log and consent_log (op_log returns the operation's id,
   * consent_log a row per consent change), their parameters numbered from `first` on. The duration
   * is taken now, when the statement is built.
   */
  ctes(entry: OperationEntry, consent: ConsentSource, first: number): SqlCtes {
    const c = entry.counts;
    const numbered = (sql: string): string => sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + first - 1}`);
    const [from, consentParams] =
      'select' in consent
        ? [selected(consent), []]
        : [
            numbered(`unnest($16::text[], $17::text[], $18::text[], $19::bool[], $20::bool[]) AS ch(${CONSENT_COLUMNS})`),
            [
              pgArray(consent.map((x) => x.contactKey)),
              pgArray(consent.map((x) => x.address)),
              pgArray(consent.map((x) => x.channel)),
              pgArray(consent.map((x) => x.oldPermission)),
              pgArray(consent.map((x) => x.newPermission)),
            ],
          ];
    const ctes = `${numbered(`op_log AS (
         INSERT INTO operation (brand_id, kind, request_id, api_user_id, user_key, started_at, duration_ms,
                                total, inserted, updated, unchanged, skipped, failed, deleted, errors)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb)
         RETURNING id
       )`)}, ${consentLog(numbered('$1'), 'op_log.id', `op_log, ${from}`)}`;
    const params = [
      entry.user.brandId,
      entry.kind,
      entry.requestId,
      entry.user.id,
      entry.user.userKey,
      entry.startedAt,
      Math.max(0, Math.min(MAX_INT4, Date.now() - entry.startedAt.getTime())),
      c.total ?? 0,
      c.inserted ?? 0,
      c.updated ?? 0,
      c.unchanged ?? 0,
      c.skipped ?? 0,
      c.failed ?? 0,
      c.deleted ?? 0,
      jsonbText(entry.errors ?? []),
      ...consentParams,
    ];
    return { ctes, params };
  }

  /**
   * Consent changes added to an operation recorded earlier (an import job is one operation, written
   * a chunk at a time, several chunks at once), as a CTE named consent_log of the caller's statement
   * (a row per change), in the transaction of the writes they describe. The operation's row is not
   * touched, so that the chunks do not wait for each other on it; complete() gives it its counts at
   * the end.
   */
  appendCtes(brandId: number, operationId: string, consent: ConsentSelect, first: number): SqlCtes {
    return { ctes: consentLog(`$${first}`, `$${first + 1}`, selected(consent)), params: [brandId, operationId] };
  }

  /** The final counts of an operation recorded earlier, and its duration up to now. */
  async complete(runner: QueryRunner, brandId: number, operationId: string, counts: Partial<OperationCounts>): Promise<void> {
    await runner.query(
      `UPDATE operation
          SET total = $3, inserted = $4, updated = $5, unchanged = $6, skipped = $7, failed = $8, deleted = $9,
              duration_ms = LEAST(2147483647, GREATEST(0, (extract(epoch FROM clock_timestamp() - started_at) * 1000)::bigint))
        WHERE brand_id = $1 AND id = $2`,
      [
        brandId,
        operationId,
        counts.total ?? 0,
        counts.inserted ?? 0,
        counts.updated ?? 0,
        counts.unchanged ?? 0,
        counts.skipped ?? 0,
        counts.failed ?? 0,
        counts.deleted ?? 0,
      ],
    );
  }
}

/** A ConsentSelect as the FROM item `ch` that consentLog reads. */
const selected = (consent: ConsentSelect): string => `(${consent.select}) AS ch`;

/**
 * The CTE named consent_log: the rows of `from` (a FROM list whose item `ch` has CONSENT_COLUMNS) into
 * consent_change for the brand and the operation given as SQL expressions, a row returned per change.
 */
function consentLog(brand: string, operationId: string, from: string): string {
  return `consent_log AS (
         INSERT INTO consent_change (brand_id, operation_id, ${CONSENT_COLUMNS})
         SELECT ${brand}, ${operationId}, ${CONSENT_COLUMNS_OF_CH}
           FROM ${from}
         RETURNING 1
       )`;
}
