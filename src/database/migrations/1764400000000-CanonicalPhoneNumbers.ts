import { Logger } from '@nestjs/common';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { canonicalAddress } from '../../addresses/address';

/**
 * Rewrites the phone numbers stored before they were parsed (S and W extensions, contacts' gsm) to
 * their canonical form, the E.164 digits of the number libphonenumber-js reads (`9005351234567`,
 * stored from `+90 (0)535 123 45 67`, becomes `905351234567`). Numbers the library does not find
 * valid keep their digits.
 *
 * Extensions: where the rewrite gives one contact two rows with the same address, the row updated
 * last stays (ties: the newer id), with its name, permission and channel; the others are deleted.
 * Contacts have no such collision (gsm is not unique).
 *
 * Each brand whose rows change gets one entry in the operations log per table, of the kinds
 * `contact_extensions.canonicalize_phones` (updated: rows rewritten, deleted: rows deleted) and
 * `contacts.canonicalize_phones` (updated: contacts whose gsm was rewritten), and the consent
 * history gets a row for every deleted extension (its permission to none) and, where the address a
 * survivor moves to was held by a deleted row, one for the survivor (none to its permission), so
 * that the history of the canonical address ends with the permission it holds.
 *
 * Rows are read in batches of the primary key, so memory stays bounded on any table size.
 * `down` cannot restore the spellings or the deleted rows, and does nothing.
 */
export class CanonicalPhoneNumbers1764400000000 implements MigrationInterface {
  name = 'CanonicalPhoneNumbers1764400000000';

  async up(q: QueryRunner): Promise<void> {
    const log = new OperationLog(q, this.name);
    const extensions = await canonicalizeExtensions(q, log);
    const contacts = await canonicalizeContactGsm(q, log);
    await log.finish();
    if (extensions.updated + extensions.deleted + contacts > 0) {
      new Logger(this.name).log(
        `phone numbers made canonical: ${extensions.updated} extensions rewritten, ${extensions.deleted} deleted as duplicates, ${contacts} contacts' gsm rewritten`,
      );
    }
  }

  async down(): Promise<void> {
    // Irreversible: the original spellings and the rows deleted as duplicates are not kept.
    new Logger(this.name).warn('down: the phone numbers stay canonical (the original spellings are not kept)');
  }
}

const BATCH = 1000;
const EXTENSIONS_KIND = 'contact_extensions.canonicalize_phones';
const CONTACTS_KIND = 'contacts.canonicalize_phones';

interface ExtensionRow {
  brand_id: number;
  id: string;
  contact_key: string;
  address: string;
  channel: string;
  permission: boolean;
  updated_at: Date;
}

interface ConsentRow {
  contactKey: string;
  address: string;
  channel: string;
  oldPermission: boolean | null;
  newPermission: boolean | null;
}

/** One operation per brand and kind, written when the brand's first change is; its counts at the end. */
class OperationLog {
  private readonly startedAt = new Date();
  private readonly entries = new Map<string, { brandId: number; id: string; updated: number; deleted: number }>();

  constructor(
    private readonly q: QueryRunner,
    private readonly requestId: string,
  ) {}

  async count(brandId: number, kind: string, updated: number, deleted: number, consent: ConsentRow[] = []): Promise<void> {
    const key = `${kind}|${brandId}`;
    let entry = this.entries.get(key);
    if (!entry) {
      const [{ id }]: { id: string }[] = await this.q.query(
        `INSERT INTO operation (brand_id, kind, request_id, started_at) VALUES ($1, $2, $3, $4) RETURNING id::text AS id`,
        [brandId, kind, this.requestId, this.startedAt],
      );
      entry = { brandId, id, updated: 0, deleted: 0 };
      this.entries.set(key, entry);
    }
    entry.updated += updated;
    entry.deleted += deleted;
    if (consent.length === 0) return;
    await this.q.query(
      `INSERT INTO consent_change (brand_id, operation_id, contact_key, address, channel, old_permission, new_permission)
       SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::bool[], $7::bool[])`,
      [
        brandId,
        entry.id,
        consent.map((c) => c.contactKey),
        consent.map((c) => c.address),
        consent.map((c) => c.channel),
        consent.map((c) => c.oldPermission),
        consent.map((c) => c.newPermission),
      ],
    );
  }

  async finish(): Promise<void> {
    const durationMs = Math.min(2_147_483_647, Date.now() - this.startedAt.getTime());
    for (const e of this.entries.values()) {
      await this.q.query(`UPDATE operation SET total = $3, updated = $4, deleted = $5, duration_ms = $6 WHERE brand_id = $1 AND id = $2`, [
        e.brandId,
        e.id,
        e.updated + e.deleted,
        e.updated,
        e.deleted,
        durationMs,
      ]);
    }
  }
}

const canonicalOf = (row: Pick<ExtensionRow, 'address' | 'channel'>): string =>
  row.channel === 'E' ? row.address : canonicalAddress(row.address);

async function canonicalizeExtensions(q: QueryRunner, log: OperationLog): Promise<{ updated: number; deleted: number }> {
  const total = { updated: 0, deleted: 0 };
  let after: [number, string] = [0, '0'];
  for (;;) {
    const batch: Pick<ExtensionRow, 'brand_id' | 'id' | 'contact_key' | 'address' | 'channel'>[] = await q.query(
      // ordered by the bigint column e.id, not by the text of the output column id
      `SELECT e.brand_id, e.id::text AS id, e.contact_key, e.address, e.channel FROM master_contact_extensions e
        WHERE (e.brand_id, e.id) > ($1, $2::bigint) ORDER BY e.brand_id, e.id LIMIT ${BATCH}`,
      after,
    );
    if (batch.length === 0) return total;
    const last = batch[batch.length - 1];
    after = [last.brand_id, last.id];

    const stale = batch.filter((r) => r.channel !== 'E' && canonicalOf(r) !== r.address);
    if (stale.length === 0) continue;
    // every row of the contacts concerned: the rows each rewritten address may collide with
    const rows: ExtensionRow[] = await q.query(
      `SELECT e.brand_id, e.id::text AS id, e.contact_key, e.address, e.channel, e.permission, e.updated_at
         FROM master_contact_extensions e
         JOIN (SELECT DISTINCT * FROM unnest($1::int[], $2::text[])) AS c(brand_id, contact_key)
           ON e.brand_id = c.brand_id AND e.contact_key = c.contact_key`,
      [stale.map((r) => r.brand_id), stale.map((r) => r.contact_key)],
    );
    const groups = new Map<string, ExtensionRow[]>();
    for (const row of rows) {
      const key = `${row.brand_id}\u0000${row.contact_key}\u0000${canonicalOf(row)}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }

    const byBrand = new Map<number, { deletes: string[]; moves: { id: string; address: string }[]; consent: ConsentRow[] }>();
    for (const group of groups.values()) {
      const canonical = canonicalOf(group[0]);
      if (group.length === 1 && group[0].address === canonical) continue;
      group.sort((a, b) => b.updated_at.getTime() - a.updated_at.getTime() || compareIds(b.id, a.id));
      const [survivor, ...losers] = group;
      let brand = byBrand.get(survivor.brand_id);
      if (!brand) byBrand.set(survivor.brand_id, (brand = { deletes: [], moves: [], consent: [] }));
      for (const loser of losers) {
        brand.deletes.push(loser.id);
        brand.consent.push({
          contactKey: loser.contact_key,
          address: loser.address,
          channel: loser.channel,
          oldPermission: loser.permission,
          newPermission: null,
        });
      }
      if (survivor.address !== canonical) {
        brand.moves.push({ id: survivor.id, address: canonical });
        if (losers.some((l) => l.address === canonical)) {
          brand.consent.push({
            contactKey: survivor.contact_key,
            address: canonical,
            channel: survivor.channel,
            oldPermission: null,
            newPermission: survivor.permission,
          });
        }
      }
    }

    for (const [brandId, change] of byBrand) {
      // deletes first: a survivor may move to the address a deleted row held
      if (change.deletes.length > 0) {
        await q.query('DELETE FROM master_contact_extensions WHERE brand_id = $1 AND id = ANY($2::bigint[])', [brandId, change.deletes]);
      }
      if (change.moves.length > 0) {
        await q.query(
          `UPDATE master_contact_extensions e SET address = m.address, updated_at = now()
             FROM unnest($2::bigint[], $3::text[]) AS m(id, address)
            WHERE e.brand_id = $1 AND e.id = m.id`,
          [brandId, change.moves.map((m) => m.id), change.moves.map((m) => m.address)],
        );
      }
      await log.count(brandId, EXTENSIONS_KIND, change.moves.length, change.deletes.length, change.consent);
      total.updated += change.moves.length;
      total.deleted += change.deletes.length;
    }
  }
}

async function canonicalizeContactGsm(q: QueryRunner, log: OperationLog): Promise<number> {
  let rewritten = 0;
  let after: [number, string] = [0, ''];
  for (;;) {
    const batch: { brand_id: number; contact_key: string; gsm: string | null }[] = await q.query(
      `SELECT brand_id, contact_key, gsm FROM master_contact
        WHERE (brand_id, contact_key) > ($1, $2) ORDER BY brand_id, contact_key LIMIT ${BATCH}`,
      after,
    );
    if (batch.length === 0) return rewritten;
    const last = batch[batch.length - 1];
    after = [last.brand_id, last.contact_key];

    const byBrand = new Map<number, { keys: string[]; gsms: string[] }>();
    for (const row of batch) {
      if (row.gsm === null) continue;
      const gsm = canonicalAddress(row.gsm);
      if (gsm === row.gsm) continue;
      let brand = byBrand.get(row.brand_id);
      if (!brand) byBrand.set(row.brand_id, (brand = { keys: [], gsms: [] }));
      brand.keys.push(row.contact_key);
      brand.gsms.push(gsm);
    }
    for (const [brandId, change] of byBrand) {
      await q.query(
        `UPDATE master_contact c SET gsm = m.gsm, updated_at = now()
           FROM unnest($2::text[], $3::text[]) AS m(contact_key, gsm)
          WHERE c.brand_id = $1 AND c.contact_key = m.contact_key`,
        [brandId, change.keys, change.gsms],
      );
      await log.count(brandId, CONTACTS_KIND, change.keys.length, 0);
      rewritten += change.keys.length;
    }
  }
}

/** Orders bigint ids given as decimal text. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
