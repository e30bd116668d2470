import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { escapeLike } from '../database/escape-like';
import { namedStatement } from '../database/named-statement';
import { pgArray } from '../database/pg-array';
import { queryRows } from '../database/query-rows';
import { RetryableConflictError } from '../database/retrying-transaction';
import type { ConsentSelect, SqlCtes } from '../operations/operations.recorder';
import { Channel } from '../addresses/channel';
import { ContactExtensionDto } from './dto/list-contact-extensions.dto';
import { ExistingExtension, InsertRow, LookupKeys, LookupResult, UpdateRow } from './upsert-planner';

interface LookupRow {
  kind: 'x' | 't';
  /** x: the 1-based position of the key in LookupKeys.extensionKeys */
  ord: number | null;
  id: string | null;
  channel: Channel | null;
  name: string | null;
  permission: boolean | null;
}

/** An extension as a read or a delete returns it. */
export type ExtensionRow = ContactExtensionDto & { channel: Channel };

/** An extension that a delete removed: what its consent history row needs. */
export interface DeletedExtensionRow {
  contact_key: string;
  address: string;
  channel: Channel;
  permission: boolean;
}

export interface ExtensionFilter {
  contactKey?: string;
  /** matched anywhere in the stored address, as given (the caller canonicalizes it) */
  addressContains?: string;
  channel?: string;
  name?: string;
  permission?: boolean;
}

const COLUMNS = 'contact_key, address, channel, name, permission, created_at, updated_at';

/**
 * The SQL of master_contact_extensions. The bulk upsert is set-based: one lookup statement and one
 * write statement per request (two when keys move; one more to ask which contacts exist, when the
 * caller needs to know before writing), whatever its size, each passing whole columns as
 * arrays (pgArray literals) through unnest. Every statement is scoped to the caller's brand ($1).
 */
@Injectable()
export class ContactExtensionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A contact's extensions ordered by address in byte order (GET /rest/contact_extensions). */
  async listByContact(brandId: number, contactKey: string): Promise<ExtensionRow[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS}
         FROM master_contact_extensions
        WHERE brand_id = $1 AND contact_key = $2
        ORDER BY address COLLATE "C"`,
      [brandId, contactKey],
    );
  }

  /** A contact's extensions ordered by their type's columnOrder (untyped last), then channel and address in byte order. */
  async listByContactInTypeOrder(brandId: number, contactKey: string): Promise<ExtensionRow[]> {
    return this.dataSource.query(
      `SELECT e.contact_key, e.address, e.channel, e.name, e.permission, e.created_at, e.updated_at
         FROM master_contact_extensions e
         LEFT JOIN extension_type t ON t.brand_id = e.brand_id AND t.channel = e.channel AND t.name = e.name
        WHERE e.brand_id = $1 AND e.contact_key = $2
        ORDER BY t.column_order NULLS LAST, e.channel, e.address COLLATE "C"`,
      [brandId, contactKey],
    );
  }

  /**
   * Keyset pages in the order of the unique key (brand_id, contact_key, address), so every page is a
   * range scan of uq_master_contact_extensions_key from the cursor; with contact_key given, only that
   * contact's part of it. The other filters are checked on the rows the scan meets. One row more
   * than `limit`, so the caller knows whether a next page exists.
   */
  async listPage(
    brandId: number,
    filter: ExtensionFilter,
    limit: number,
    after?: { contactKey: string; address: string },
  ): Promise<ExtensionRow[]> {
    const params: unknown[] = [brandId];
    const where = ['brand_id = $1'];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.contactKey !== undefined) where.push(`contact_key = ${param(filter.contactKey)}`);
    if (filter.addressContains !== undefined) where.push(`address LIKE ${param(`%${escapeLike(filter.addressContains)}%`)}`);
    if (filter.channel !== undefined) where.push(`channel = ${param(filter.channel)}`);
    if (filter.name !== undefined) where.push(`name = ${param(filter.name)}`);
    if (filter.permission !== undefined) where.push(`permission = ${param(filter.permission)}`);
    if (after !== undefined) where.push(`(contact_key, address) > (${param(after.contactKey)}, ${param(after.address)})`);
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM master_contact_extensions
        WHERE ${where.join(' AND ')}
        ORDER BY contact_key, address
        LIMIT ${param(limit + 1)}`,
      params,
    );
  }

  /** Deletes one extension; undefined when there is none at that key. */
  async deleteOne(runner: QueryRunner, brandId: number, contactKey: string, address: string): Promise<ExtensionRow | undefined> {
    const [row] = await queryRows<ExtensionRow>(
      runner,
      `DELETE FROM master_contact_extensions WHERE brand_id = $1 AND contact_key = $2 AND address = $3 RETURNING ${COLUMNS}`,
      [brandId, contactKey, address],
    );
    return row;
  }

  /** Set-based: one DELETE ... USING unnest for all keys; a key it does not return had no extension. */
  async deleteMany(
    runner: QueryRunner,
    brandId: number,
    keys: readonly { contactKey: string; address: string }[],
  ): Promise<DeletedExtensionRow[]> {
    if (keys.length === 0) return [];
    return queryRows<DeletedExtensionRow>(
      runner,
      `DELETE FROM master_contact_extensions e
        USING unnest($2::text[], $3::text[]) AS k(contact_key, address)
        WHERE e.brand_id = $1 AND e.contact_key = k.contact_key AND e.address = k.address
        RETURNING e.contact_key, e.address, e.channel, e.permission`,
      [brandId, keys.map((k) => k.contactKey), keys.map((k) => k.address)],
    );
  }

  /** The extensions that carry a type: exactly the rows its rename cascades to, through ix_master_contact_extensions_type. */
  async countOfType(runner: QueryRunner, brandId: number, channel: Channel, name: string): Promise<number> {
    const [{ count }]: { count: number }[] = await runner.query(
      'SELECT count(*)::int AS count FROM master_contact_extensions WHERE brand_id = $1 AND channel = $2 AND name = $3',
      [brandId, channel, name],
    );
    return count;
  }

  /** Clears a type's name from every extension that carries it. */
  async clearType(runner: QueryRunner, brandId: number, channel: Channel, name: string): Promise<void> {
    await runner.query(
      `UPDATE master_contact_extensions SET name = NULL, updated_at = now()
        WHERE brand_id = $1 AND channel = $2 AND name = $3`,
      [brandId, channel, name],
    );
  }

  /**
   * Marks every extension that carries a type as changed now: after a rename, which the foreign key's
   * ON UPDATE CASCADE wrote to them without touching updated_at. Answers how many it marked.
   */
  async touchType(runner: QueryRunner, brandId: number, channel: Channel, name: string): Promise<number> {
    // TypeORM's structured result: `affected` is the statement's row count
    const touched = await runner.query(
      `UPDATE master_contact_extensions SET updated_at = now()
        WHERE brand_id = $1 AND channel = $2 AND name = $3`,
      [brandId, channel, name],
      true,
    );
    return touched.affected ?? 0;
  }

  /** Deletes every extension of a contact (the caller holds the contact's lock). */
  async deleteOfContact(runner: QueryRunner, brandId: number, contactKey: string): Promise<DeletedExtensionRow[]> {
    return queryRows<DeletedExtensionRow>(
      runner,
      `DELETE FROM master_contact_extensions WHERE brand_id = $1 AND contact_key = $2
       RETURNING contact_key, address, channel, permission`,
      [brandId, contactKey],
    );
  }

  /**
   * Existing extensions at the given keys and the extension types named, in one statement. An
   * extension found answers with the position of its key (the caller knows the key). Which contacts
   * exist is not asked (existingContacts asks): the contacts of the extensions found are known to
   * exist, by the foreign key.
   */
  async lookup(runner: QueryRunner, brandId: number, keys: LookupKeys): Promise<LookupResult> {
    const rows: LookupRow[] = await runner.query(
      namedStatement(`SELECT 'x' AS kind, k.ord::int AS ord, e.id::text AS id, e.channel, e.name, e.permission
         FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS k(contact_key, address, ord)
         -- one probe of the unique index per key: a plain join lets the planner hash the whole
         -- brand's extensions instead, a cost that grows with the brand rather than the batch
         CROSS JOIN LATERAL (
           SELECT x.id, x.channel, x.name, x.permission
             FROM master_contact_extensions x
            WHERE x.brand_id = $1 AND x.contact_key = k.contact_key AND x.address = k.address
            LIMIT 1
         ) e
       UNION ALL
       SELECT 't', NULL, NULL, t.channel, t.name, NULL
         FROM extension_type t
        WHERE t.brand_id = $1 AND t.name = ANY($4::text[])`),
      [
        brandId,
        pgArray(keys.extensionKeys.map((k) => k.contactKey)),
        pgArray(keys.extensionKeys.map((k) => k.address)),
        pgArray(keys.typeNames),
      ],
    );
    const extensions = new Map<string, ExistingExtension>();
    const contacts = new Set<string>();
    const types = new Map<Channel, Set<string>>();
    for (const row of rows) {
      if (row.kind === 'x') {
        const { contactKey, address, key } = keys.extensionKeys[(row.ord as number) - 1];
        extensions.set(key, {
          id: row.id as string,
          contactKey,
          address,
          channel: row.channel as Channel,
          name: row.name,
          permission: row.permission as boolean,
        });
        contacts.add(contactKey);
      } else {
        const names = types.get(row.channel as Channel);
        if (names) names.add(row.name as string);
        else types.set(row.channel as Channel, new Set([row.name as string]));
      }
    }
    return { extensions, contacts, contactsAsked: false, types };
  }

  /** The contact keys, among those given, of contacts of the brand that exist. */
  async existingContacts(runner: QueryRunner, brandId: number, contactKeys: readonly string[]): Promise<string[]> {
    if (contactKeys.length === 0) return [];
    const rows: { contact_key: string }[] = await runner.query(
      namedStatement('SELECT contact_key FROM master_contact WHERE brand_id = $1 AND contact_key = ANY($2::text[])'),
      [brandId, pgArray(contactKeys)],
    );
    return rows.map((r) => r.contact_key);
  }

  /**
   * All the writes of a request in one statement: the UPDATE of the existing rows, the INSERT of the
   * new ones and, when given, the caller's log (the operation and its consent history, see
   * OperationsRecorder.ctes) as data-modifying CTEs, which commit together or not at all. The
   * consent history is read from the rows the UPDATE and the INSERT return (consentOfWrites), not
   * sent again; the answer is how many consent changes were logged. The
   * updates and the inserts never share a key: a request that inserts cannot rename, and the
   * planner refuses records that would end on one key.
   *
   * When keys move, the moving rows first step aside in a statement of their own, to a placeholder
   * address no real address can have (a control character and their id); then all rows take their
   * final values. The unique key is not deferrable (a deferred key could not be an ON CONFLICT
   * arbiter, and other writers use it as one), so this is how a swap passes.
   *
   * An update that finds fewer rows than planned (one was deleted meanwhile) makes the whole request
   * run again; so does an insert of a key that another request inserted meanwhile (a unique
   * violation). No ON CONFLICT clause on the insert: its speculative insertion costs each row an
   * extra probe of the unique index, and a conflict makes the request run again either way.
   */
  async write(
    runner: QueryRunner,
    brandId: number,
    unorderedUpdates: UpdateRow[],
    unorderedInserts: InsertRow[],
    log?: (firstParam: number, consent: ConsentSelect) => SqlCtes,
  ): Promise<number> {
    const updates = [...unorderedUpdates].sort((a, b) => compareIds(a.id, b.id));
    const inserts = [...unorderedInserts].sort((a, b) => compareKeys(a.contactKey, b.contactKey) || compareKeys(a.address, b.address));
    const moving = updates.filter((u) => u.moves).map((u) => u.id);
    if (moving.length > 0) {
      // TypeORM's structured result: `affected` is the statement's row count
      const stepped = await runner.query(
        namedStatement(`UPDATE master_contact_extensions SET address = chr(1) || id::text
          WHERE brand_id = $1 AND id = ANY($2::bigint[])`),
        [brandId, pgArray(moving)],
        true,
      );
      if (stepped.affected !== moving.length) throw new RetryableConflictError('a renamed extension changed meanwhile');
    }
    const params: unknown[] = [];
    const $ = (value: unknown): string => `$${params.push(value)}`;
    // a parameter that no CTE refers to would have no type: the brand's is added once one does
    let brandParam: string | undefined;
    const brand = (): string => (brandParam ??= $(brandId));
    const ctes: string[] = [];
    if (updates.length > 0) {
      ctes.push(`updated AS (
         UPDATE master_contact_extensions e
            SET contact_key = u.contact_key,
                address = u.address,
                name = CASE WHEN u.name_set THEN u.name ELSE e.name END,
                permission = COALESCE(u.permission, e.permission),
                updated_at = now()
           FROM unnest(${$(pgArray(updates.map((u) => u.id)))}::bigint[], ${$(pgArray(updates.map((u) => u.contactKey)))}::text[],
                       ${$(pgArray(updates.map((u) => u.address)))}::text[], ${$(pgArray(updates.map((u) => u.nameSet)))}::bool[],
                       ${$(pgArray(updates.map((u) => u.name)))}::text[], ${$(pgArray(updates.map((u) => u.permission)))}::bool[])
                AS u(id, contact_key, address, name_set, name, permission)
          WHERE e.brand_id = ${brand()} AND e.id = u.id
         RETURNING e.contact_key, e.address, e.channel, e.permission, u.permission IS NOT NULL AS permission_changed
       )`);
    }
    if (inserts.length > 0) {
      ctes.push(`inserted AS (
         INSERT INTO master_contact_extensions (brand_id, contact_key, address, channel, name, permission)
         SELECT ${brand()}::int, i.contact_key, i.address, i.channel, i.name, i.permission
           FROM unnest(${$(pgArray(inserts.map((i) => i.contactKey)))}::text[], ${$(pgArray(inserts.map((i) => i.address)))}::text[],
                       ${$(pgArray(inserts.map((i) => i.channel)))}::text[], ${$(pgArray(inserts.map((i) => i.name)))}::text[],
                       ${$(pgArray(inserts.map((i) => i.permission)))}::bool[])
                AS i(contact_key, address, channel, name, permission)
         RETURNING contact_key, address, channel, permission
       )`);
    }
    if (log) {
      const logged = log(params.length + 1, { select: consentOfWrites(updates.length > 0, inserts.length > 0) });
      ctes.push(logged.ctes);
      params.push(...logged.params);
    }
    if (ctes.length === 0) return 0;
    const [row]: { updated: number; consent: number }[] = await runner.query(
      namedStatement(
        `WITH ${ctes.join(', ')}
         SELECT ${updates.length > 0 ? '(SELECT count(*) FROM updated)::int' : '0'} AS updated,
                ${log ? '(SELECT count(*) FROM consent_log)::int' : '0'} AS consent`,
      ),
      params,
    );
    if (row.updated !== updates.length) throw new RetryableConflictError('an updated extension changed meanwhile');
    return row.consent;
  }
}

/**
 * The consent changes of the write statement's own rows, as a SELECT of its CTEs (OperationsRecorder's
 * ConsentSource): every inserted row (from no extension to its permission), and every updated row
 * whose permission the update set, which it sets only when the permission changes (UpdateRow), so
 * that the old permission is the other one. An updated row is where the extension ends (a rename's
 * new key).
 */
function consentOfWrites(updated: boolean, inserted: boolean): string {
  const selects = [
    ...(inserted
      ? ['SELECT contact_key, address, channel, NULL::boolean AS old_permission, permission AS new_permission FROM inserted']
      : []),
    ...(updated
      ? [
          'SELECT contact_key, address, channel, NOT permission AS old_permission, permission AS new_permission FROM updated WHERE permission_changed',
        ]
      : []),
  ];
  return selects.length > 0
    ? selects.join(' UNION ALL ')
    : 'SELECT NULL::text AS contact_key, NULL::text AS address, NULL::text AS channel, NULL::boolean AS old_permission, NULL::boolean AS new_permission WHERE false';
}

/*
 * Concurrent requests lock rows in the order they write them. Writing in one global order (ids for
 * updates, keys for inserts) keeps two requests on overlapping keys from waiting on each other in
 * a circle; PostgreSQL would detect such a deadlock and we would retry, but only after waiting.
 */
function compareIds(a: string, b: string): number {
  return a.length - b.length || compareKeys(a, b);
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
