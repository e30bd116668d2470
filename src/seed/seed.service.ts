import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { hashSecret, verifySecret } from '../auth/secret-hasher';
import { EXTENSION_COLUMNS } from '../addresses/extension-columns';
import { runInRetryingTransaction } from '../database/retrying-transaction';
import { SeedBrand, SeedFileError } from './seed-file';

export interface SeedSummary {
  brands: number;
  extensionTypes: number;
  contacts: number;
  apiUsers: number;
  extensions: number;
}

/** Rows per statement: large files go in a few set-based statements, not one per row. */
const CHUNK = 5000;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * Loads checked seed brands in one transaction. Every write is an upsert that changes a row only
 * when a value differs, so loading the same file twice changes nothing (not even updated_at).
 * Its SQL stays here rather than in the features' repositories: it writes every table of a brand,
 * keys included, with rules of its own (idempotent upserts of whole files, secrets kept when they
 * still verify) that no route has, and it runs without the Nest app (`npm run seed`).
 */
@Injectable()
export class SeedService {
  constructor(private readonly dataSource: DataSource) {}

  async load(brands: SeedBrand[], onProgress?: (message: string) => void): Promise<SeedSummary> {
    return runInRetryingTransaction(
      this.dataSource,
      async (runner) => {
        const summary: SeedSummary = { brands: 0, extensionTypes: 0, contacts: 0, apiUsers: 0, extensions: 0 };
        for (const [i, brand] of brands.entries()) {
          await this.loadBrand(runner, brand, `brands[${i}]`, summary, onProgress);
        }
        return summary;
      },
      { isolation: 'READ COMMITTED', maxAttempts: 3 },
    );
  }

  private async loadBrand(
    runner: QueryRunner,
    brand: SeedBrand,
    at: string,
    summary: SeedSummary,
    onProgress?: (message: string) => void,
  ): Promise<void> {
    const [{ id: brandId }]: { id: number }[] = await runner
      .query(
        `INSERT INTO brand (key, name, extension_columns)
       VALUES ($1, COALESCE($2, ''), COALESCE($3::text[], $4::text[]))
       ON CONFLICT (key) DO UPDATE
          SET name = COALESCE($2, brand.name),
              extension_columns = COALESCE($3::text[], brand.extension_columns),
              updated_at = now()
        WHERE (brand.name, brand.extension_columns) IS DISTINCT FROM (COALESCE($2, brand.name), COALESCE($3::text[], brand.extension_columns))
       RETURNING id`,
        [brand.key, brand.name ?? null, brand.extensionColumns ?? null, [...EXTENSION_COLUMNS]],
      )
      .then(async (rows: { id: number }[]) => (rows.length > 0 ? rows : runner.query('SELECT id FROM brand WHERE key = $1', [brand.key])));
    summary.brands++;

    if (brand.extensionTypes.length > 0) {
      await runner.query(
        `INSERT INTO extension_type (brand_id, name, channel, column_order)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[])
         ON CONFLICT (brand_id, channel, name) DO UPDATE
            SET column_order = EXCLUDED.column_order, updated_at = now()
          WHERE extension_type.column_order <> EXCLUDED.column_order`,
        [
          brandId,
          brand.extensionTypes.map((t) => t.name),
          brand.extensionTypes.map((t) => t.channel),
          brand.extensionTypes.map((t) => t.columnOrder),
        ],
      );
      summary.extensionTypes += brand.extensionTypes.length;
    }

    for (const part of chunks(brand.contacts)) {
      await runner.query(
        `INSERT INTO master_contact (brand_id, contact_key)
         SELECT $1, k FROM unnest($2::text[]) AS k
         ON CONFLICT (brand_id, contact_key) DO NOTHING`,
        [brandId, part.map((c) => c.contact_key)],
      );
      summary.contacts += part.length;
      onProgress?.(`${brand.key}: ${summary.contacts} contacts`);
    }

    for (const [i, user] of brand.apiUsers.entries()) {
      await this.loadApiUser(runner, brandId, brand.key, user, `${at}.apiUsers[${i}]`);
      summary.apiUsers++;
    }

    if (brand.extensions.length > 0) {
      await this.checkReferences(runner, brandId, brand, at);
      const clashes: { contact_key: string; address: string }[] = await runner.query(
        `SELECT e.contact_key, e.address
           FROM unnest($2::text[], $3::text[], $4::text[]) AS s(contact_key, address, channel)
           JOIN master_contact_extensions e
             ON e.brand_id = $1 AND e.contact_key = s.contact_key AND e.address = s.address
          WHERE e.channel <> s.channel
          LIMIT 1`,
        [
          brandId,
          brand.extensions.map((e) => e.contact_key),
          brand.extensions.map((e) => e.address),
          brand.extensions.map((e) => e.channel),
        ],
      );
      if (clashes.length > 0) {
        const index = brand.extensions.findIndex((e) => e.contact_key === clashes[0].contact_key && e.address === clashes[0].address);
        throw new SeedFileError(`${at}.extensions[${index}]: the stored extension has another channel, which cannot change`);
      }
    }
    for (const part of chunks(brand.extensions)) {
      await runner.query(
        `INSERT INTO master_contact_extensions (brand_id, contact_key, address, channel, name, permission)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bool[])
         ON CONFLICT (brand_id, contact_key, address) DO UPDATE
            SET name = EXCLUDED.name, permission = EXCLUDED.permission, updated_at = now()
          WHERE (master_contact_extensions.name, master_contact_extensions.permission)
                IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.permission)`,
        [
          brandId,
          part.map((e) => e.contact_key),
          part.map((e) => e.address),
          part.map((e) => e.channel),
          part.map((e) => e.name),
          part.map((e) => e.permission),
        ],
      );
      summary.extensions += part.length;
      onProgress?.(`${brand.key}: ${summary.extensions} extensions`);
    }
  }

  /** Every extension's contact and type must exist, in this file or already in the brand. */
  private async checkReferences(runner: QueryRunner, brandId: number, brand: SeedBrand, at: string): Promise<void> {
    const missing: { kind: 'c' | 't'; i: number }[] = await runner.query(
      `SELECT 'c' AS kind, s.i FROM unnest($2::text[]) WITH ORDINALITY AS s(contact_key, i)
        WHERE NOT EXISTS (SELECT 1 FROM master_contact c WHERE c.brand_id = $1 AND c.contact_key = s.contact_key)
       UNION ALL
       SELECT 't', s.i FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS s(channel, name, i)
        WHERE s.name IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM extension_type t WHERE t.brand_id = $1 AND t.channel = s.channel AND t.name = s.name)
       ORDER BY 2, 1
       LIMIT 1`,
      [brandId, brand.extensions.map((e) => e.contact_key), brand.extensions.map((e) => e.channel), brand.extensions.map((e) => e.name)],
    );
    if (missing.length === 0) return;
    const i = Number(missing[0].i) - 1;
    const e = brand.extensions[i];
    throw new SeedFileError(
      missing[0].kind === 'c'
        ? `${at}.extensions[${i}].contact_key: ${e.contact_key} is not a contact of brand ${brand.key}`
        : `${at}.extensions[${i}].name: ${e.name} is not an extension type of brand ${brand.key} for channel ${e.channel}`,
    );
  }

  private async loadApiUser(
    runner: QueryRunner,
    brandId: number,
    brandKey: string,
    user: SeedBrand['apiUsers'][number],
    at: string,
  ): Promise<void> {
    const existing: { brand_id: number; secret_hash: string; permissions: string[]; active: boolean }[] = await runner.query(
      'SELECT brand_id, secret_hash, permissions, active FROM api_user WHERE user_key = $1',
      [user.userKey],
    );
    const row = existing[0];
    if (!row) {
      await runner.query('INSERT INTO api_user (brand_id, user_key, secret_hash, permissions, active) VALUES ($1, $2, $3, $4, $5)', [
        brandId,
        user.userKey,
        await hashSecret(user.secret),
        user.permissions,
        user.active,
      ]);
      return;
    }
    if (row.brand_id !== brandId) {
      throw new SeedFileError(`${at}.userKey: ${user.userKey} already belongs to another brand than ${brandKey}`);
    }
    const secretMatches = await verifySecret(user.secret, row.secret_hash);
    const samePermissions = [...row.permissions].sort().join() === [...user.permissions].sort().join();
    if (secretMatches && samePermissions && row.active === user.active) return;
    await runner.query(
      `UPDATE api_user SET secret_hash = $2, permissions = $3, active = $4, updated_at = now(),
              token_version = token_version + CASE WHEN $5 THEN 0 ELSE 1 END
        WHERE user_key = $1`,
      [user.userKey, secretMatches ? row.secret_hash : await hashSecret(user.secret), user.permissions, user.active, secretMatches],
    );
  }
}
