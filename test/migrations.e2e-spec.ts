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
import { EmbeddedDatabase } from '../src/database/embedded-database';
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
      ds = new DataSource(dataSourceOptions(readDatabaseConfig({ DATABASE_URL: withDatabase(serverUrl, database) })));
    } else {
      embedded = await EmbeddedDatabase.open('memory://');
      ds = new DataSource(dataSourceOptions(readDatabaseConfig({ DATA_DIR: 'memory://' }), embedded));
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

  describe('BulkPathCosts (issue 3)', () => {
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
});
