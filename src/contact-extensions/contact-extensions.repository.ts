import { Injectable } from '@nestjs/common';
import { QueryRunner } from 'typeorm';
import { pgArray } from '../database/pg-array';
import { RetryableConflictError } from '../database/retrying-transaction';
import type { SqlCtes } from '../operations/operations.recorder';
import { Channel } from '../addresses/channel';
import { ExistingExtension, InsertRow, LookupKeys, LookupResult, UpdateRow } from './upsert-planner';

interface LookupRow {
  kind: 'x' | 'c' | 't';
  /** x: the 1-based position of the key in LookupKeys.extensionKeys */
  ord: number | null;
  id: string | null;
  /** c: the contact's key */
  contact_key: string | null;
  channel: Channel | null;
  name: string | null;
  permission: boolean | null;
}

/**
 * The SQL of the bulk upsert, set-based: one lookup statement and one write statement per request
 * (two when keys move), whatever its size, each passing whole columns as arrays (pgArray literals)
 * through unnest. Every statement is scoped to the caller's brand ($1).
 */
@Injectable()
export class ContactExtensionsRepository {
  /**
   * Existing extensions at the given keys, the contacts that exist, and the extension types named.
   * An extension found answers with the position of its key (the caller knows the key), and its
   * contact is not looked up again: the foreign key says it exists. Only the other contacts are
   * probed (on a batch of updates, none).
   */
  async lookup(runner: QueryRunner, brandId: number, keys: LookupKeys): Promise<LookupResult> {
    const rows: LookupRow[] = await runner.query(
      `WITH x AS (
         SELECT k.ord, e.id, e.contact_key, e.channel, e.name, e.permission
           FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS k(contact_key, address, ord)
           -- one probe of the unique index per key: a plain join lets the planner hash the whole
           -- brand's extensions instead, a cost that grows with the brand rather than the batch
           CROSS JOIN LATERAL (
             SELECT x.id, x.contact_key, x.channel, x.name, x.permission
               FROM master_contact_extensions x
              WHERE x.brand_id = $1 AND x.contact_key = k.contact_key AND x.address = k.address
              LIMIT 1
           ) e
       )
       SELECT 'x' AS kind, x.ord::int AS ord, x.id::text AS id, NULL AS contact_key, x.channel, x.name, x.permission FROM x
       UNION ALL
       SELECT 'c', NULL, NULL, c.contact_key, NULL, NULL, NULL
         FROM master_contact c
        WHERE c.brand_id = $1
          AND c.contact_key = ANY (ARRAY(SELECT unnest($4::text[]) EXCEPT SELECT x.contact_key FROM x))
       UNION ALL
       SELECT 't', NULL, NULL, NULL, t.channel, t.name, NULL
         FROM extension_type t
        WHERE t.brand_id = $1 AND t.name = ANY($5::text[])`,
      [
        brandId,
        pgArray(keys.extensionKeys.map((k) => k.contactKey)),
        pgArray(keys.extensionKeys.map((k) => k.address)),
        pgArray(keys.contactKeys),
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
      } else if (row.kind === 'c') contacts.add(row.contact_key as string);
      else {
        const names = types.get(row.channel as Channel);
        if (names) names.add(row.name as string);
        else types.set(row.channel as Channel, new Set([row.name as string]));
      }
    }
    return { extensions, contacts, types };
  }

  /**
   * All the writes of a request in one statement: the UPDATE of the existing rows, the INSERT of the
   * new ones and, when given, the caller's log (the operation and its consent history, see
   * OperationsRecorder.ctes) as data-modifying CTEs, which commit together or not at all. The
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
    log?: (firstParam: number) => SqlCtes,
  ): Promise<void> {
    const updates = [...unorderedUpdates].sort((a, b) => compareIds(a.id, b.id));
    const inserts = [...unorderedInserts].sort((a, b) => compareKeys(a.contactKey, b.contactKey) || compareKeys(a.address, b.address));
    const moving = updates.filter((u) => u.moves).map((u) => u.id);
    if (moving.length > 0) {
      // TypeORM's structured result: `affected` is the statement's row count
      const stepped = await runner.query(
        `UPDATE master_contact_extensions SET address = chr(1) || id::text
          WHERE brand_id = $1 AND id = ANY($2::bigint[])`,
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
         RETURNING 1
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
       )`);
    }
    if (log) {
      const logged = log(params.length + 1);
      ctes.push(logged.ctes);
      params.push(...logged.params);
    }
    if (ctes.length === 0) return;
    const [row]: { updated: number }[] = await runner.query(
      `WITH ${ctes.join(', ')} SELECT ${updates.length > 0 ? '(SELECT count(*) FROM updated)::int' : '0'} AS updated`,
      params,
    );
    if (row.updated !== updates.length) throw new RetryableConflictError('an updated extension changed meanwhile');
  }
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
