/**
 * The migrations on a database of their own (a new one on the server, or an in-memory embedded
 * one): all up, all down, up again; the schema they make is the one the entities describe (what
 * `npm run migration:generate` compares); and the two tables operators bulk-load take rows of
 * their identifying columns alone (contract section 3).
 */
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { readDatabaseConfig } from '../src/config/database.config';
import { dataSourceOptions, MIGRATIONS } from '../src/database/data-source-options';
import { ENTITIES } from '../src/entities';
import { EmbeddedDatabase } from '../src/database/embedded-database';
import { CanonicalPhoneNumbers1764400000000 } from '../src/database/migrations/1764400000000-CanonicalPhoneNumbers';
import { ignoreDefaultSpellingDifferences } from '../src/database/schema-diff-defaults';
import { serverDatabaseUrl, withDatabase } from './support/test-database';

// an embedded database starts in seconds, more on a busy machine
jest.setTimeout(120_000);

/** The tables of contract section 3 (later migrations may add more). */
const TABLES = ['api_user', 'brand', 'extension_type', 'master_contact', 'master_contact_extensions'];

async function onServer(url: string, sql: string): Promise<void> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

describe('migrations', () => {
  const serverUrl = serverDatabaseUrl();
  const database = `ce_migrations_${Date.now()}_${process.pid}`;
  let embedded: EmbeddedDatabase | undefined;
  let ds: DataSource;

  const tables = async (): Promise<string[]> =>
    (
      await ds.query(
        `SELECT table_name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_name <> 'typeorm_migrations' ORDER BY 1`,
      )
    ).map((r: { table_name: string }) => r.table_name);

  beforeAll(async () => {
    if (serverUrl) {
      await onServer(serverUrl, `CREATE DATABASE ${database}`);
      ds = new DataSource(dataSourceOptions(readDatabaseConfig({ DATABASE_URL: withDatabase(serverUrl, database) }), ENTITIES));
    } else {
      embedded = await EmbeddedDatabase.open('memory://');
      ds = new DataSource(dataSourceOptions(readDatabaseConfig({ DATA_DIR: 'memory://' }), ENTITIES, embedded));
    }
    // as ormconfig.ts does for the CLI
    ignoreDefaultSpellingDifferences(ds);
    await ds.initialize();
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await embedded?.close();
    if (serverUrl) await onServer(serverUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('run all up, all down, and all up again', async () => {
    expect(await tables()).toEqual([]);

    expect(await ds.runMigrations({ transaction: 'each' })).toHaveLength(MIGRATIONS.length);
    expect(await tables()).toEqual(expect.arrayContaining(TABLES));

    for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual([]);
    expect(await ds.query('SELECT count(*)::int AS n FROM typeorm_migrations')).toEqual([{ n: 0 }]);

    expect(await ds.runMigrations({ transaction: 'each' })).toHaveLength(MIGRATIONS.length);
    expect(await tables()).toEqual(expect.arrayContaining(TABLES));
    expect(await ds.showMigrations()).toBe(false);
  });

  it('make the schema the entities describe, so that migration:generate finds no change', async () => {
    const { upQueries } = await ds.driver.createSchemaBuilder().log();
    expect(upQueries.map((q) => q.query)).toEqual([]);
  });

  it('give every column of master_contact and master_contact_extensions a default but the identifying ones', async () => {
    const columns: { table_name: string; column_name: string; has_default: boolean; is_nullable: string }[] = await ds.query(
      `SELECT table_name, column_name, (column_default IS NOT NULL OR is_identity = 'YES') AS has_default, is_nullable
         FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name IN ('master_contact', 'master_contact_extensions')
        ORDER BY table_name, column_name`,
    );
    const describe = (table: string, withDefault: boolean) =>
      columns.filter((c) => c.table_name === table && c.has_default === withDefault).map((c) => c.column_name);
    expect({
      master_contact: { given: describe('master_contact', false), defaulted: describe('master_contact', true) },
      master_contact_extensions: {
        given: describe('master_contact_extensions', false),
        defaulted: describe('master_contact_extensions', true),
      },
    }).toEqual({
      // exactly these have no default; any column a later migration adds must have one
      master_contact: { given: ['brand_id', 'contact_key'], defaulted: expect.arrayContaining(['created_at', 'updated_at']) },
      master_contact_extensions: {
        given: ['address', 'brand_id', 'channel', 'contact_key'],
        defaulted: expect.arrayContaining(['created_at', 'id', 'name', 'permission', 'updated_at']),
      },
    });
    // the identifying columns are required, not silently null
    expect(columns.filter((c) => !c.has_default && c.is_nullable !== 'NO')).toEqual([]);

    // what an operator's plain SQL (or COPY) of the identifying columns does
    const [{ id: brandId }] = await ds.query(`INSERT INTO brand (key) VALUES ('bulk-load') RETURNING id`);
    await ds.query(`INSERT INTO master_contact (brand_id, contact_key) VALUES ($1, 'c1'), ($1, 'c2')`, [brandId]);
    await ds.query(
      `INSERT INTO master_contact_extensions (brand_id, contact_key, address, channel)
       VALUES ($1, 'c1', 'a@b.com', 'E'), ($1, 'c2', '905351234567', 'S')`,
      [brandId],
    );
    const rows = await ds.query(
      `SELECT id::text AS id, contact_key, name, permission, created_at, updated_at
         FROM master_contact_extensions WHERE brand_id = $1 ORDER BY contact_key`,
      [brandId],
    );
    expect(rows).toEqual([
      {
        id: expect.stringMatching(/^\d+$/),
        contact_key: 'c1',
        name: null,
        permission: false,
        created_at: expect.any(Date),
        updated_at: expect.any(Date),
      },
      {
        id: expect.stringMatching(/^\d+$/),
        contact_key: 'c2',
        name: null,
        permission: false,
        created_at: expect.any(Date),
        updated_at: expect.any(Date),
      },
    ]);
    expect(rows[0].id).not.toBe(rows[1].id);
  });

  describe('BulkPathCosts', () => {
    let brandId: number;
    let operationId: string;

    beforeAll(async () => {
      [{ id: brandId }] = await ds.query(`INSERT INTO brand (key) VALUES ('consent-triggers') RETURNING id`);
      [{ id: operationId }] = await ds.query(
        `INSERT INTO operation (brand_id, kind, request_id) VALUES ($1, 'contact_extensions.bulk_upsert', 'r1') RETURNING id::text AS id`,
        [brandId],
      );
    });

    const consentRows = async (): Promise<number> =>
      (await ds.query('SELECT count(*)::int AS n FROM consent_change WHERE brand_id = $1', [brandId]))[0].n;
    const addConsent = (operation: string, n = 2) =>
      ds.query(
        `INSERT INTO consent_change (brand_id, operation_id, contact_key, address, channel, new_permission)
         SELECT $1, $2, 'c' || g, 'a' || g || '@b.com', 'E', true FROM generate_series(1, $3::int) AS g`,
        [brandId, operation, n],
      );

    it('keep rate limit buckets in an unlogged table', async () => {
      const [{ relpersistence }] = await ds.query(`SELECT relpersistence FROM pg_class WHERE relname = 'rate_limit_bucket'`);
      expect(relpersistence).toBe('u');
    });

    it('refuse a consent row of an operation that does not exist, as the foreign key did (23503), and keep none of its statement', async () => {
      await addConsent(operationId);
      await expect(
        ds.query(
          `INSERT INTO consent_change (brand_id, operation_id, contact_key, address, channel, new_permission)
           VALUES ($1, $2, 'c9', 'x@b.com', 'E', true), ($1, $2::bigint + 1000, 'c9', 'y@b.com', 'E', true)`,
          [brandId, operationId],
        ),
      ).rejects.toMatchObject({ driverError: { code: '23503', constraint: 'fk_consent_change_operation' } });
      expect(await consentRows()).toBe(2);
    });

    it('refuse a consent row of another brand’s operation', async () => {
      const [{ id: otherBrand }] = await ds.query(`INSERT INTO brand (key) VALUES ('consent-other') RETURNING id`);
      await expect(
        ds.query(
          `INSERT INTO consent_change (brand_id, operation_id, contact_key, address, channel, new_permission) VALUES ($1, $2, 'c1', 'a@b.com', 'E', true)`,
          [otherBrand, operationId],
        ),
      ).rejects.toMatchObject({ driverError: { code: '23503' } });
    });

    it('refuse to change the key of an operation that has consent rows', async () => {
      await expect(
        ds.query('UPDATE operation SET id = id + 1000 WHERE brand_id = $1 AND id = $2', [brandId, operationId]),
      ).rejects.toMatchObject({
        driverError: { code: '23503' },
      });
    });

    it('delete the consent rows of a deleted operation, and of every operation of a deleted brand', async () => {
      const [{ id: second }] = await ds.query(
        `INSERT INTO operation (brand_id, kind, request_id) VALUES ($1, 'contact_extensions.bulk_upsert', 'r2') RETURNING id::text AS id`,
        [brandId],
      );
      await addConsent(second, 3);
      expect(await consentRows()).toBe(5);
      await ds.query('DELETE FROM operation WHERE brand_id = $1 AND id = $2', [brandId, operationId]);
      expect(await consentRows()).toBe(3);
      await ds.query('DELETE FROM brand WHERE id = $1', [brandId]);
      expect(await consentRows()).toBe(0);
    });
  });
  describe('CanonicalPhoneNumbers', () => {
    let brandId: number;
    let otherBrandId: number;
    const day = 86_400_000;
    const ago = (days: number): Date => new Date(Date.now() - days * day);

    const addExtension = (
      brand: number,
      contactKey: string,
      address: string,
      channel: string,
      over: { name?: string; permission?: boolean; updatedAt?: Date } = {},
    ) =>
      ds.query(
        `INSERT INTO master_contact_extensions (brand_id, contact_key, address, channel, name, permission, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [brand, contactKey, address, channel, over.name ?? null, over.permission ?? false, over.updatedAt ?? ago(3)],
      );
    const extensions = async (brand: number) =>
      (
        await ds.query(
          `SELECT contact_key, address, channel, name, permission FROM master_contact_extensions
            WHERE brand_id = $1 AND contact_key NOT LIKE 'filler%' ORDER BY contact_key, address`,
          [brand],
        )
      ).map((r: { contact_key: string; address: string; channel: string; name: string | null; permission: boolean }) =>
        [r.contact_key, r.address, r.channel, r.name, r.permission].join(' '),
      );
    const operations = (brand: number) =>
      ds.query(`SELECT kind, request_id, api_user_id, user_key, total, updated, deleted FROM operation WHERE brand_id = $1 ORDER BY kind`, [
        brand,
      ]);
    const consent = (brand: number) =>
      ds.query(
        `SELECT c.contact_key, c.address, c.channel, c.old_permission, c.new_permission, o.kind
           FROM consent_change c JOIN operation o ON o.brand_id = c.brand_id AND o.id = c.operation_id
          WHERE c.brand_id = $1 ORDER BY c.id`,
        [brand],
      );
    const migrate = async (): Promise<void> => {
      const runner = ds.createQueryRunner();
      try {
        await new CanonicalPhoneNumbers1764400000000().up(runner);
      } finally {
        await runner.release();
      }
    };

    beforeAll(async () => {
      [{ id: brandId }] = await ds.query(`INSERT INTO brand (key) VALUES ('phones') RETURNING id`);
      [{ id: otherBrandId }] = await ds.query(`INSERT INTO brand (key) VALUES ('phones-other') RETURNING id`);
      await ds.query(
        `INSERT INTO master_contact (brand_id, contact_key, gsm)
         VALUES ($1, 'c1', '9005351234567'), ($1, 'c2', '905351234567'), ($1, 'c3', NULL), ($1, 'c4', NULL), ($1, 'c5', '15555555555'),
                ($2, 'c1', '4402070313000')`,
        [brandId, otherBrandId],
      );
      await ds.query(`INSERT INTO master_contact (brand_id, contact_key) SELECT $1, 'filler' || g FROM generate_series(1, 2500) g`, [
        brandId,
      ]);
      await ds.query(`INSERT INTO extension_type (brand_id, channel, name) VALUES ($1, 'S', 'Mobile'), ($1, 'W', 'WhatsApp')`, [brandId]);
      // c1: the canonical row was updated last and stays; the spelling stored first, 2500 rows (three batches) before it, goes
      await addExtension(brandId, 'c1', '9005351234567', 'S', { name: 'Mobile', permission: false, updatedAt: ago(2) });
      await ds.query(
        `INSERT INTO master_contact_extensions (brand_id, contact_key, address, channel)
         SELECT $1, 'filler' || g, '90535' || (1000000 + g), 'S' FROM generate_series(1, 2500) g`,
        [brandId],
      );
      await addExtension(brandId, 'c1', '905351234567', 'S', { permission: true, updatedAt: ago(1) });
      // c2: the non-canonical row was updated last: it takes the canonical address, with its name and permission
      await addExtension(brandId, 'c2', '905351234567', 'S', { permission: true, updatedAt: ago(2) });
      await addExtension(brandId, 'c2', '9005351234567', 'W', { name: 'WhatsApp', permission: false, updatedAt: ago(1) });
      // c3: no collision, only rewritten
      await addExtension(brandId, 'c3', '4402070313000', 'W', { permission: true });
      // c4: three spellings of one number; the newest, non-canonical, stays
      await addExtension(brandId, 'c4', '9005351234567', 'S', { permission: true, updatedAt: ago(3) });
      await addExtension(brandId, 'c4', '905351234567', 'S', { permission: true, updatedAt: ago(2) });
      await addExtension(brandId, 'c4', '00905351234567', 'S', { permission: false, updatedAt: ago(1) });
      // c5: an email and a number no country range holds stay as they are
      await addExtension(brandId, 'c5', 'a@b.com', 'E', { permission: true });
      await addExtension(brandId, 'c5', '15555555555', 'S');
      await addExtension(otherBrandId, 'c1', '9005351234567', 'S', { permission: true });
      await migrate();
    });

    it('rewrite phone addresses to the E.164 digits of the parsed number; of colliding rows the one updated last stays, with its name and permission', async () => {
      expect(await extensions(brandId)).toEqual([
        'c1 905351234567 S  true',
        'c2 905351234567 W WhatsApp false',
        'c3 442070313000 W  true',
        'c4 905351234567 S  false',
        'c5 15555555555 S  false',
        'c5 a@b.com E  true',
      ]);
      expect(await extensions(otherBrandId)).toEqual(['c1 905351234567 S  true']);
      const [{ n }] = await ds.query(
        `SELECT count(*)::int AS n FROM master_contact_extensions WHERE brand_id = $1 AND contact_key LIKE 'filler%'`,
        [brandId],
      );
      expect(n).toBe(2500);
    });

    it("rewrite contacts' gsm the same way", async () => {
      expect(
        await ds.query(`SELECT contact_key, gsm FROM master_contact WHERE brand_id = $1 AND gsm IS NOT NULL ORDER BY contact_key`, [
          brandId,
        ]),
      ).toEqual([
        { contact_key: 'c1', gsm: '905351234567' },
        { contact_key: 'c2', gsm: '905351234567' },
        { contact_key: 'c5', gsm: '15555555555' },
      ]);
      expect(await ds.query(`SELECT gsm FROM master_contact WHERE brand_id = $1`, [otherBrandId])).toEqual([{ gsm: '442070313000' }]);
    });

    it('log one operation per brand and table under kinds of their own, with no API user', async () => {
      const requestId = 'CanonicalPhoneNumbers1764400000000';
      expect(await operations(brandId)).toEqual([
        {
          kind: 'contact_extensions.canonicalize_phones',
          request_id: requestId,
          api_user_id: null,
          user_key: null,
          total: 7,
          updated: 3,
          deleted: 4,
        },
        {
          kind: 'contacts.canonicalize_phones',
          request_id: requestId,
          api_user_id: null,
          user_key: null,
          total: 1,
          updated: 1,
          deleted: 0,
        },
      ]);
      expect(await operations(otherBrandId)).toEqual([
        {
          kind: 'contact_extensions.canonicalize_phones',
          request_id: requestId,
          api_user_id: null,
          user_key: null,
          total: 1,
          updated: 1,
          deleted: 0,
        },
        {
          kind: 'contacts.canonicalize_phones',
          request_id: requestId,
          api_user_id: null,
          user_key: null,
          total: 1,
          updated: 1,
          deleted: 0,
        },
      ]);
    });

    it('record consent history for every deleted row, and for a survivor that takes the address a deleted row held', async () => {
      const kind = 'contact_extensions.canonicalize_phones';
      const row = (
        contact_key: string,
        address: string,
        channel: string,
        old_permission: boolean | null,
        new_permission: boolean | null,
      ) => ({
        contact_key,
        address,
        channel,
        old_permission,
        new_permission,
        kind,
      });
      expect(await consent(brandId)).toEqual(
        expect.arrayContaining([
          row('c1', '9005351234567', 'S', false, null),
          row('c2', '905351234567', 'S', true, null),
          row('c2', '905351234567', 'W', null, false),
          row('c4', '9005351234567', 'S', true, null),
          row('c4', '905351234567', 'S', true, null),
          row('c4', '905351234567', 'S', null, false),
        ]),
      );
      expect(await consent(brandId)).toHaveLength(6);
      // the history of an address ends with the permission it holds
      const last = (await consent(brandId))
        .filter((c: { contact_key: string; address: string }) => c.contact_key === 'c2' && c.address === '905351234567')
        .pop();
      expect(last).toMatchObject({ new_permission: false });
      expect(await consent(otherBrandId)).toEqual([]);
    });

    it('change nothing when run again, and do nothing down', async () => {
      const before = { rows: await extensions(brandId), operations: await operations(brandId), consent: await consent(brandId) };
      await migrate();
      await new CanonicalPhoneNumbers1764400000000().down();
      expect({ rows: await extensions(brandId), operations: await operations(brandId), consent: await consent(brandId) }).toEqual(before);
    });
  });
});
