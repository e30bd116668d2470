import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { canonicalAddress, isValidAddress } from '../src/addresses/address';
import { Channel } from '../src/addresses/channel';
import { BULK_PATH, BulkResult } from './support/bulk';
import { brandWithToken } from './support/factories';
import { childEnv, freePort, ServiceProcess } from './support/processes';
import { createTestApp, TEST_JWT_SECRET } from './support/test-app';
import { serverDatabaseUrl } from './support/test-database';

/*
 * Races: 8 clients send 320 bulk requests that mix inserts, updates, renames (swaps
 * included) and duplicates within a request on one shared key space (40 contacts x 5 addresses),
 * alternating between two instances of the service (two processes, two ports) on one PostgreSQL
 * database. Whatever the
 * interleaving: no 5xx (serialization failures and deadlocks are retried inside the service), no
 * deadlock or serialization error reaching a client, the database invariants hold, and the table
 * holds exactly as many rows as the answers say were inserted.
 *
 * Two instances need a PostgreSQL server (TEST_DATABASE_URL): the embedded database belongs to the
 * one process that opened it, so there the same load runs through one instance (in-process).
 * The two instances are real processes (src/main.ts), not two Nest apps in the test process: those
 * would share process-wide singletons (passport's strategy registry, nestjs-pino's root logger).
 */

jest.setTimeout(120_000);

const SEED = Number(process.env.STRESS_SEED ?? 4_2026);
const CLIENTS = 8;
const REQUESTS_PER_CLIENT = 40;
const CONTACTS = Array.from({ length: 40 }, (_, i) => `k${i}`);
const EMAILS = ['one@example.com', 'two@example.com', 'three@example.org'];
const PHONES = ['905351234567', '14155552671'];
const ADDRESSES: { address: string; channel: Channel }[] = [
  ...EMAILS.map((address) => ({ address, channel: 'E' as const })),
  ...PHONES.map((address) => ({ address, channel: 'S' as const })),
];
const TYPES: { channel: Channel; name: string }[] = [
  { channel: 'E', name: 'Work Email' },
  { channel: 'E', name: 'Personal Email' },
  { channel: 'S', name: 'Mobile' },
];
/** Record errors that a race can legitimately cause; anything else means a wrong request or a bug. */
const RACE_ERRORS = ['EXTENSION_NOT_FOUND', 'DUPLICATE_EXTENSION'];

const TWO_INSTANCES = serverDatabaseUrl() !== undefined;
const INSTANCES = TWO_INSTANCES ? 2 : 1;

/** mulberry32: a seeded generator, so that a failure can be replayed with STRESS_SEED. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Rec = Record<string, unknown>;

/** The 320 bodies, drawn up front from the seed (so the mix does not depend on timing). */
function drawBodies(random: () => number): { kind: string; body: Rec }[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const slot = () => pick(ADDRESSES);
  /** the address as a client might send it: another case, blanks around, a + or 00 before a number */
  const spelled = ({ address, channel }: { address: string; channel: Channel }) => {
    if (channel === 'E') return pick([address, address.toUpperCase(), ` ${address} `]);
    return pick([address, `+${address}`, `00${address}`]);
  };
  const nameFor = (channel: Channel) => pick([null, ...TYPES.filter((t) => t.channel === channel).map((t) => t.name)]);
  const upsert = () => {
    const s = slot();
    const r: Rec = { contact_key: pick(CONTACTS), address: spelled(s), channel: s.channel };
    if (random() < 0.5) r.permission = random() < 0.5;
    if (random() < 0.3) r.name = nameFor(s.channel);
    return r;
  };
  /** the same key twice in one request, spelled differently: the first is skipped (DUPLICATE_IN_REQUEST) */
  const withDuplicate = (records: Rec[]) => {
    const twin = records[Math.floor(random() * records.length)];
    const canonical = canonicalAddress(twin.address as string);
    return [...records, { ...twin, address: canonical, permission: random() < 0.5 }];
  };
  const rename = () => {
    const contact = pick(CONTACTS);
    const from = slot();
    const to = pick(ADDRESSES.filter((a) => a.channel === from.channel && a.address !== from.address));
    return random() < 0.5
      ? { contact_key: contact, address: spelled(from), channel: from.channel, new_address: spelled(to) }
      : { contact_key: contact, address: spelled(from), new_contact_key: pick(CONTACTS) };
  };
  const swap = (): Rec[] => {
    const contact = pick(CONTACTS);
    const [a, b] = random() < 0.5 ? [EMAILS[0], EMAILS[1]] : [PHONES[0], PHONES[1]];
    const channel = EMAILS.includes(a) ? 'E' : 'S';
    return [
      { contact_key: contact, address: a, channel, new_address: b },
      { contact_key: contact, address: b, channel, new_address: a },
    ];
  };
  const contactSwap = (): Rec[] => {
    const [c1, c2] = [pick(CONTACTS), pick(CONTACTS)];
    const { address } = slot();
    return [
      { contact_key: c1, address, new_contact_key: c2 },
      { contact_key: c2, address, new_contact_key: c1 },
    ];
  };
  const some = (n: number, make: () => Rec) => Array.from({ length: n }, make);

  return Array.from({ length: CLIENTS * REQUESTS_PER_CLIENT }, () => {
    const dice = random();
    const duplicate = random() < 0.25;
    if (dice < 0.35) {
      const records = some(3 + Math.floor(random() * 12), upsert);
      return { kind: 'insert', body: { insertIfNotExists: true, contactDatas: duplicate ? withDuplicate(records) : records } };
    }
    if (dice < 0.6) {
      const records = some(3 + Math.floor(random() * 12), upsert);
      return { kind: 'update', body: { contactDatas: duplicate ? withDuplicate(records) : records } };
    }
    if (dice < 0.8) return { kind: 'rename', body: { contactDatas: [...some(1 + Math.floor(random() * 5), rename), ...some(2, upsert)] } };
    return { kind: 'swap', body: { contactDatas: [...swap(), ...(random() < 0.5 ? contactSwap() : []), ...some(2, upsert)] } };
  });
}

interface Answer {
  kind: string;
  instance: number;
  status: number;
  text: string;
  body: BulkResult;
  records: number;
}

interface Instance {
  http: TestAgent;
  dataSource?: DataSource;
  close(): Promise<void>;
}

/** The limits are on, as in production, but above this load: 8 clients never have more than 8 requests in flight. */
const LIMITS = { BULK_RATE_LIMIT: '100000', BULK_CONCURRENCY_LIMIT: '16' };

/** Two services on the run's PostgreSQL database, each on a port of its own; migrations ran in the global setup. */
async function startProcesses(url: string, count: number): Promise<Instance[]> {
  const instances: Instance[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const service = new ServiceProcess(
        childEnv({
          DATABASE_URL: url,
          JWT_SECRET: TEST_JWT_SECRET,
          PORT: String(port),
          LOG_LEVEL: 'info',
          DB_MIGRATIONS_RUN: 'false',
          ...LIMITS,
        }),
      );
      instances.push({ http: request(`http://127.0.0.1:${port}`), close: async () => void (await service.stop('SIGTERM')) });
      await service.waitFor(/listening on/, 90_000);
    }
    return instances;
  } catch (err) {
    for (const instance of instances) await instance.close();
    throw err;
  }
}

async function rowsOf(ds: DataSource, brandId: number) {
  return ds.query(
    `SELECT e.contact_key, e.address, e.channel, e.name, (c.contact_key IS NOT NULL) AS contact_exists
       FROM master_contact_extensions e
       LEFT JOIN master_contact c ON c.brand_id = e.brand_id AND c.contact_key = e.contact_key
      WHERE e.brand_id = $1`,
    [brandId],
  ) as Promise<{ contact_key: string; address: string; channel: string; name: string | null; contact_exists: boolean }[]>;
}

const mode = TWO_INSTANCES
  ? 'through two instances of the service (two processes, two ports) on one PostgreSQL database'
  : 'through one instance (embedded database: one process owns it, so no second instance)';

describe(`stress: ${CLIENTS} clients, ${CLIENTS * REQUESTS_PER_CLIENT} mixed bulk requests on a shared key space ${mode}`, () => {
  if (!TWO_INSTANCES) {
    it('two instances on one database need a PostgreSQL server (set TEST_DATABASE_URL); here the same load runs through one instance', () => {
      expect(serverDatabaseUrl()).toBeUndefined();
    });
  }

  let instances: Instance[] = [];
  /** the test's own connection: fixtures and the final checks */
  let dataSource: DataSource;
  let brandId: number;
  let token: string;
  const answers: Answer[] = [];
  /** transactions rolled back and deadlocks in the database, before the load (for STRESS_REPORT) */
  let before: { rollbacks: number; deadlocks: number } | undefined;
  const databaseStats = async () =>
    serverDatabaseUrl()
      ? (
          (await dataSource.query(
            'SELECT xact_rollback::int AS rollbacks, deadlocks::int AS deadlocks FROM pg_stat_database WHERE datname = current_database()',
          )) as { rollbacks: number; deadlocks: number }[]
        )[0]
      : undefined;

  beforeAll(async () => {
    const url = serverDatabaseUrl();
    if (url) {
      dataSource = await new DataSource({ type: 'postgres', url, poolSize: 2 }).initialize();
      instances = await startProcesses(url, INSTANCES);
    } else {
      const t = await createTestApp(LIMITS);
      dataSource = t.dataSource;
      instances = [{ http: t.http, close: () => t.close() }];
    }
    const setup = await brandWithToken(dataSource, instances[0].http, { contacts: CONTACTS, types: TYPES });
    brandId = setup.brand.id;
    token = setup.token;

    before = await databaseStats();
    const bodies = drawBodies(seededRandom(SEED));
    // each client sends its requests one after another, alternating the instance per request
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let r = 0; r < REQUESTS_PER_CLIENT; r++) {
          const n = client * REQUESTS_PER_CLIENT + r;
          const { kind, body } = bodies[n];
          const instance = (client + r) % INSTANCES;
          const res = await instances[instance].http
            .post(BULK_PATH)
            .set('Authorization', `Bearer ${token}`)
            .send({ columns: ['contact_key', 'address', 'channel', 'name', 'permission'], throwOnError: false, ...body });
          answers.push({
            kind,
            instance,
            status: res.status,
            text: res.text,
            body: res.body,
            records: (body.contactDatas as unknown[]).length,
          });
        }
      }),
    );
  });
  afterAll(async () => {
    // the instances' connections report their statistics as they close
    for (const instance of instances) await instance.close();
    let stats = '';
    if (process.env.STRESS_REPORT && before && dataSource) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await dataSource.query('SELECT pg_stat_clear_snapshot()');
      const after = (await databaseStats())!;
      stats = `; ${after.rollbacks - before.rollbacks} transactions rolled back (conflicts retried), ${after.deadlocks - before.deadlocks} deadlocks`;
    }
    if (serverDatabaseUrl()) await dataSource?.destroy();
    if (!process.env.STRESS_REPORT) return;
    const sum = (key: 'inserted' | 'updated' | 'unchanged' | 'skipped' | 'failed') => answers.reduce((s, a) => s + (a.body?.[key] ?? 0), 0);
    const codes = answers.flatMap((a) => (a.body?.errors ?? []).map((e) => e.code));
    process.stderr.write(
      `stress: ${answers.length} answers; inserted ${sum('inserted')}, updated ${sum('updated')}, unchanged ${sum('unchanged')}, ` +
        `skipped ${sum('skipped')}, failed ${sum('failed')}; ` +
        `errors ${JSON.stringify(Object.fromEntries(RACE_ERRORS.map((c) => [c, codes.filter((x) => x === c).length])))}${stats}\n`,
    );
  });

  it('every request is answered 200, by every instance, with counts that add up', () => {
    expect(answers).toHaveLength(CLIENTS * REQUESTS_PER_CLIENT);
    const statuses = new Map<string, number>();
    for (const a of answers) statuses.set(`${a.status}`, (statuses.get(`${a.status}`) ?? 0) + 1);
    const notOk = answers
      .filter((a) => a.status !== 200)
      .slice(0, 5)
      .map((a) => `${a.status} ${a.text.slice(0, 300)}`);
    expect({ statuses: Object.fromEntries(statuses), notOk }).toEqual({ statuses: { '200': answers.length }, notOk: [] });
    expect(new Set(answers.map((a) => a.instance)).size).toBe(INSTANCES);
    const wrongCounts = answers.filter((a) => {
      const b = a.body;
      return (
        b.total !== a.records || b.inserted + b.updated + b.unchanged + b.skipped + b.failed !== b.total || b.skipped !== b.warnings.length
      );
    });
    expect(wrongCounts).toEqual([]);
  });

  it('no deadlock, serialization failure or other database error reaches a client', () => {
    const leaked = answers.filter((a) =>
      /deadlock|serializ|could not|DATABASE_UNAVAILABLE|QueryFailedError|duplicate key|violates/i.test(a.text),
    );
    expect(leaked.map((a) => a.text.slice(0, 300))).toEqual([]);
    // the only record errors are those a race explains: a key that moved or was taken meanwhile
    const codes = new Set(answers.flatMap((a) => (a.body.errors ?? []).map((e) => e.code)));
    expect([...codes].filter((c) => !RACE_ERRORS.includes(c))).toEqual([]);
  });

  it('the load did all kinds of work: inserts, updates, renames, unchanged, skipped duplicates and race errors', () => {
    const sum = (key: 'inserted' | 'updated' | 'unchanged' | 'skipped' | 'failed') => answers.reduce((s, a) => s + (a.body?.[key] ?? 0), 0);
    expect(sum('inserted')).toBeGreaterThan(50);
    expect(sum('updated')).toBeGreaterThan(50);
    expect(sum('unchanged')).toBeGreaterThan(0);
    expect(sum('skipped')).toBeGreaterThan(0);
    expect(sum('failed')).toBeGreaterThan(0);
    expect(new Set(answers.map((a) => a.kind))).toEqual(new Set(['insert', 'update', 'rename', 'swap']));
  });

  it('afterwards: every extension has its contact, keys are unique, channels and addresses are valid, and rows = the sum of inserted', async () => {
    const rows = await rowsOf(dataSource, brandId);
    const inserted = answers.reduce((s, a) => s + (a.body?.inserted ?? 0), 0);
    expect(rows.length).toBe(inserted);
    const problems: string[] = [];
    const keys = new Set<string>();
    for (const row of rows) {
      const where = JSON.stringify([row.contact_key, row.address, row.channel]);
      if (!row.contact_exists) problems.push(`${where}: no such contact in the brand`);
      const key = `${row.contact_key}\u0000${row.address}`;
      if (keys.has(key)) problems.push(`${where}: duplicate key`);
      keys.add(key);
      const slot = ADDRESSES.find((a) => a.address === row.address);
      if (!slot) problems.push(`${where}: an address outside the key space (not canonical?)`);
      else if (slot.channel !== row.channel) problems.push(`${where}: the channel changed`);
      if (!['E', 'S', 'W'].includes(row.channel) || !isValidAddress(row.channel as Channel, row.address))
        problems.push(`${where}: invalid channel or address`);
      if (canonicalAddress(row.address) !== row.address) problems.push(`${where}: address not canonical`);
      if (row.name !== null && !TYPES.some((t) => t.channel === row.channel && t.name === row.name))
        problems.push(`${where}: unknown name`);
    }
    expect(problems).toEqual([]);
    expect(rows.length).toBeLessThanOrEqual(CONTACTS.length * ADDRESSES.length);
  });
});
