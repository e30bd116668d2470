/**
 * `npm run seed -- FILE.json` (contract section 6), run as the operator runs it: a child process
 * against the run's PostgreSQL database, or, without one, against an embedded database in a
 * temporary DATA_DIR. The database is then read directly and through the app.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedDatabase } from '../src/database/embedded-database';
import { uniqueKey } from './support/factories';
import { childEnv, Finished, lines, run } from './support/processes';
import { createTestApp } from './support/test-app';
import { serverDatabaseUrl } from './support/test-database';

// each child process takes seconds, more on a busy machine
jest.setTimeout(120_000);

type Row = Record<string, unknown>;
type Query = (sql: string, params?: unknown[]) => Promise<Row[]>;
type Snapshot = Record<string, string[]>;

const serverUrl = serverDatabaseUrl();
const work = mkdtempSync(join(tmpdir(), 'ce-seed-'));
const dataDir = join(work, 'data');
/** Every brand and API user of this file starts with it, so that on a shared server we look only at ours. */
const prefix = uniqueKey('seed');
const TABLES = ['brand', 'extension_type', 'api_user', 'master_contact', 'master_contact_extensions'] as const;

let client: Client | undefined;

/** The seeded database: the server through one client, or the embedded one, opened while no child holds DATA_DIR. */
async function withDatabase<T>(fn: (query: Query) => Promise<T>): Promise<T> {
  if (client) {
    const c = client;
    return fn(async (sql, params) => (await c.query(sql, params)).rows as Row[]);
  }
  const db = await EmbeddedDatabase.open(dataDir);
  try {
    return await fn(async (sql, params) => (await db.pglite.query<Row>(sql, params)).rows);
  } finally {
    await db.close();
  }
}

/**
 * Every row, every column (timestamps to the microsecond, secret hashes), of all five tables: of
 * the whole embedded database, or of this file's brands on the shared server.
 */
async function snapshot(query: Query): Promise<Snapshot> {
  const keys = serverUrl ? `${prefix}%` : '%';
  const out: Snapshot = {};
  for (const table of TABLES) {
    const where = table === 'brand' ? 'key LIKE $1' : 'brand_id IN (SELECT id FROM brand WHERE key LIKE $1)';
    const rows = await query(`SELECT to_jsonb(t)::text AS row FROM ${table} t WHERE ${where} ORDER BY 1`, [keys]);
    out[table] = rows.map((r) => r.row as string);
  }
  return out;
}

function seed(file: string): Promise<Finished> {
  return run('npm', ['run', '--silent', 'seed', '--', file], childEnv(serverUrl ? { DATABASE_URL: serverUrl } : { DATA_DIR: dataDir }));
}

function expectSuccess(result: Finished): void {
  if (result.code !== 0) throw new Error(`seed failed with ${result.code ?? result.signal}\n${result.stderr}${result.stdout}`);
}

let files = 0;
function seedFile(content: unknown): string {
  const file = join(work, `seed-${files++}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** The example of contract section 6, with this run's keys. */
function exampleBrand(key: string, userKey: string) {
  return {
    key,
    name: 'Acme Inc.',
    extensionColumns: ['contact_key', 'address', 'channel', 'name', 'permission'],
    extensionTypes: [{ name: 'Work Email', channel: 'E', columnOrder: 1 }],
    contacts: [{ contact_key: 'c1' }, { contact_key: 'c2' }],
    apiUsers: [
      { userKey, secret: 'a-long-secret-value', permissions: ['ContactExtensions.Manage', 'ContactExtensions.Read'], active: true },
    ],
    extensions: [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email', permission: true }],
  };
}

describe('npm run seed -- FILE.json', () => {
  const acme = { key: `${prefix}-acme`, userKey: `${prefix}-acme-int` };
  let exampleFile: string;
  /** The state after the last test, so that the next one need not open the embedded database for it. */
  let state: Snapshot;

  beforeAll(async () => {
    if (serverUrl) {
      client = new Client({ connectionString: serverUrl });
      await client.connect();
    }
  });

  afterAll(async () => {
    await client?.end();
    rmSync(work, { recursive: true, force: true });
  });

  it("loads the contract's example file, and its API user logs in and reads the extension", async () => {
    exampleFile = seedFile({ brands: [exampleBrand(acme.key, acme.userKey)] });
    expectSuccess(await seed(exampleFile));

    // one app for the checks, the login and the snapshot: the embedded database opens once
    const t = await createTestApp(serverUrl ? {} : { DATA_DIR: dataDir });
    try {
      const query: Query = (sql, params) => t.dataSource.query(sql, params);
      const ofBrand = 'JOIN brand b ON b.id = x.brand_id WHERE b.key = $1 ORDER BY 1';
      expect(await query('SELECT name, extension_columns FROM brand WHERE key = $1', [acme.key])).toEqual([
        { name: 'Acme Inc.', extension_columns: ['contact_key', 'address', 'channel', 'name', 'permission'] },
      ]);
      expect(await query(`SELECT x.name, x.channel, x.column_order FROM extension_type x ${ofBrand}`, [acme.key])).toEqual([
        { name: 'Work Email', channel: 'E', column_order: 1 },
      ]);
      expect(await query(`SELECT x.contact_key FROM master_contact x ${ofBrand}`, [acme.key])).toEqual([
        { contact_key: 'c1' },
        { contact_key: 'c2' },
      ]);
      const users = await query(`SELECT x.user_key, x.secret_hash, x.permissions, x.active FROM api_user x ${ofBrand}`, [acme.key]);
      expect(users).toEqual([
        {
          user_key: acme.userKey,
          secret_hash: expect.any(String),
          permissions: ['ContactExtensions.Manage', 'ContactExtensions.Read'],
          active: true,
        },
      ]);
      expect(users[0].secret_hash).not.toContain('a-long-secret-value');

      const login = await t.http.post('/rest/login').send({ userKey: acme.userKey, secret: 'a-long-secret-value' }).expect(200);
      const list = await t.http
        .get('/rest/contact_extensions?contact_key=c1')
        .set('Authorization', `Bearer ${login.body.access_token}`)
        .expect(200);
      expect(list.body.items).toEqual([
        expect.objectContaining({ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email', permission: true }),
      ]);
      state = await snapshot(query);
    } finally {
      await t.close();
    }
  });

  it('loading the same file again changes nothing, not even updated_at or a secret hash', async () => {
    expect(state.master_contact_extensions).toHaveLength(1);
    expectSuccess(await seed(exampleFile));
    const after = await withDatabase(snapshot);
    expect(after).toEqual(state);
    state = after;
  });

  it('a later file may add extensions to contacts and types the brand already has', async () => {
    const more = seedFile({
      brands: [{ key: acme.key, extensions: [{ contact_key: 'c2', address: 'C2@B.com', channel: 'E', name: 'Work Email' }] }],
    });
    expectSuccess(await seed(more));
    const after = await withDatabase(snapshot);
    expect(after.master_contact_extensions).toHaveLength(2);
    expect(after.master_contact_extensions.map((row) => JSON.parse(row))).toEqual(
      expect.arrayContaining([expect.objectContaining({ contact_key: 'c2', address: 'c2@b.com', name: 'Work Email', permission: false })]),
    );
    state = after;
  });

  it('refuses a file that breaks a rule, naming the entry, and writes nothing of it (not the valid brands before it)', async () => {
    // Each file starts with a change to the seeded brand and a new valid brand; the broken entry comes last.
    const changedAcme = {
      ...exampleBrand(acme.key, acme.userKey),
      name: 'Acme Renamed',
      contacts: [{ contact_key: 'c1' }, { contact_key: 'c2' }, { contact_key: 'c3' }],
    };
    const fresh = (n: number) => ({ key: `${prefix}-fresh-${n}`, contacts: [{ contact_key: 'k1' }] });
    const broken = (n: number, brand: Record<string, unknown>) => ({ brands: [changedAcme, fresh(n), brand] });
    const other = (n: number) => ({
      key: `${prefix}-other-${n}`,
      extensionTypes: [{ name: 'Mobile', channel: 'S', columnOrder: 1 }],
      contacts: [{ contact_key: 'k1' }],
    });
    const cases: { rule: string; content: unknown; entry: string }[] = [
      {
        rule: 'unknown channel',
        content: broken(1, { ...other(1), extensions: [{ contact_key: 'k1', address: 'x@y.com', channel: 'X' }] }),
        entry: 'brands[2].extensions[0]',
      },
      {
        rule: 'extension of an unknown contact',
        content: broken(2, { ...other(2), extensions: [{ contact_key: 'nobody', address: 'x@y.com', channel: 'E' }] }),
        entry: 'brands[2].extensions[0]',
      },
      {
        rule: 'unknown permission',
        content: broken(3, {
          ...other(3),
          apiUsers: [
            { userKey: `${prefix}-u3`, secret: 'a-long-secret-value', permissions: ['ContactExtensions.Read', 'Everything.Manage'] },
          ],
        }),
        entry: 'brands[2].apiUsers[0].permissions[1]',
      },
      {
        rule: 'name that is not an extension type of the channel',
        content: broken(4, {
          ...other(4),
          extensions: [
            { contact_key: 'k1', address: '+90 535 123 45 67', channel: 'S', name: 'Mobile' },
            { contact_key: 'k1', address: 'x@y.com', channel: 'E', name: 'Mobile' },
          ],
        }),
        entry: 'brands[2].extensions[1]',
      },
      { rule: 'brand without key', content: broken(5, { name: 'No Key Inc.' }), entry: 'brands[2].key' },
      { rule: 'invalid JSON', content: `{"brands": [{"key": "${prefix}-json"},`, entry: 'JSON' },
      {
        rule: 'userKey of another brand',
        content: broken(7, {
          ...other(7),
          apiUsers: [{ userKey: acme.userKey, secret: 'another-long-secret', permissions: ['ContactExtensions.Read'] }],
        }),
        entry: 'brands[2].apiUsers[0]',
      },
    ];
    const files = cases.map((c) => seedFile(c.content));
    // the embedded database admits one process at a time (the DATA_DIR lock): one after another there
    const results = serverUrl
      ? await Promise.all(files.map((file) => seed(file)))
      : await files.reduce<Promise<Finished[]>>(async (done, file) => [...(await done), await seed(file)], Promise.resolve([]));

    const outcomes = cases.map((c, i) => ({ rule: c.rule, code: results[i].code, stderr: lines(results[i].stderr) }));
    expect(outcomes).toEqual(
      cases.map((c, i) => ({
        rule: c.rule,
        code: expect.any(Number),
        // one line that names the entry (for invalid JSON: the file)
        stderr: [expect.stringContaining(c.rule === 'invalid JSON' ? files[i] : c.entry)],
      })),
    );
    for (const r of results) expect(r.code).not.toBe(0);
    expect(lines(results[5].stderr)[0]).toContain('JSON');
    expect(lines(results[6].stderr)[0]).toContain(acme.userKey);

    // not the renamed brand, its new contact, the new brands, nor a second user: nothing at all
    expect(await withDatabase(snapshot)).toEqual(state);
  });
});
